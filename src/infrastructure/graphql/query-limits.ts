import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

export interface QueryLimits {
  /** Deepest field selection (root fields are at depth 1; fragments add no depth). */
  maxDepth: number;
  /** Highest estimated cost (see `operationFigures`). */
  maxCost: number;
  /** Most aliased fields, fragments expanded. */
  maxAliases: number;
}

/** Introspection (`__schema`, `__type`) is exempt from the cost limit, and its depth is held to this ceiling instead of maxDepth (the usual introspection query is about 13 deep). */
export const INTROSPECTION_MAX_DEPTH = 20;
/** What a list field multiplies its selection by when it has no `first` / `limit` argument we can read. */
export const DEFAULT_LIST_SIZE = 10;
const SIZE_ARGUMENTS = new Set(['first', 'limit']);

export type QueryLimitCode = 'GRAPHQL_DEPTH_LIMIT' | 'GRAPHQL_COST_LIMIT' | 'GRAPHQL_ALIAS_LIMIT';

/**
 * A refusal by the query limits. Apollo wraps validation errors (code GRAPHQL_VALIDATION_FAILED);
 * `formatGraphqlError` finds this one as `originalError` and puts `code` back in `extensions`.
 */
export class QueryLimitError extends GraphQLError {
  constructor(
    readonly code: QueryLimitCode,
    message: string,
    readonly figure: number,
    readonly limit: number,
    node: OperationDefinitionNode,
  ) {
    super(message, { nodes: [node], extensions: { code, figure, limit } });
    this.name = 'QueryLimitError';
  }
}

interface Figures {
  depth: number;
  introspectionDepth: number;
  cost: number;
  aliases: number;
}

const ZERO: Figures = { depth: 0, introspectionDepth: 0, cost: 0, aliases: 0 };

/**
 * The figures of one operation, fragments and inline fragments expanded (each named fragment is
 * measured once and memoised, so `...F ...F` patterns cannot blow up; a fragment cycle, which
 * graphql-js's own NoFragmentCycles rule refuses, counts as empty here).
 *
 * Cost: a field costs 1 plus its selection; a list field (by the schema) costs its `first` or
 * `limit` argument (an integer literal, or a variable's default in the operation), else
 * DEFAULT_LIST_SIZE, times (1 + its selection). `__typename` is free; `__schema` / `__type`
 * subtrees are not counted. Variables without a default count as DEFAULT_LIST_SIZE: resolvers
 * that take `first` / `limit` must cap it themselves.
 */
export function operationFigures(context: ValidationContext, operation: OperationDefinitionNode): Figures {
  const schema = context.getSchema();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const variable of operation.variableDefinitions ?? []) {
    if (variable.defaultValue) variableDefaults.set(variable.variable.name.value, variable.defaultValue);
  }
  const memo = new Map<string, Figures>();
  const inProgress = new Set<string>();

  const listSize = (args: readonly { name: { value: string }; value: ValueNode }[] | undefined): number => {
    for (const arg of args ?? []) {
      if (!SIZE_ARGUMENTS.has(arg.name.value)) continue;
      const value = arg.value.kind === Kind.VARIABLE ? variableDefaults.get(arg.value.name.value) : arg.value;
      if (value?.kind === Kind.INT) return Math.max(1, Number.parseInt(value.value, 10));
    }
    return DEFAULT_LIST_SIZE;
  };

  /**
   * Figures of a selection set relative to it: `depth` counts fields outside introspection,
   * `introspectionDepth` the deepest path through `__schema` / `__type` (from the same level).
   */
  const measure = (selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined, introspection: boolean): Figures => {
    const total = { depth: 0, introspectionDepth: 0, cost: 0, aliases: 0 };
    if (!selectionSet) return total;
    const add = (figures: Figures) => {
      total.depth = Math.max(total.depth, figures.depth);
      total.introspectionDepth = Math.max(total.introspectionDepth, figures.introspectionDepth);
      total.cost += figures.cost;
      total.aliases += figures.aliases;
    };
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          const alias = selection.alias ? 1 : 0;
          // __typename is free and adds no depth (clients such as Apollo Client add it everywhere).
          if (name === '__typename') {
            add({ ...ZERO, aliases: alias });
            continue;
          }
          const inIntrospection = introspection || name === '__schema' || name === '__type';
          const definition = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
          // __schema and __type are not among the Query type's fields.
          const type = definition ? getNamedType(definition.type) : name === '__schema' ? schema.getType('__Schema') : name === '__type' ? schema.getType('__Type') : undefined;
          const child = measure(selection.selectionSet, type ?? undefined, inIntrospection);
          if (inIntrospection) {
            add({ depth: 0, introspectionDepth: 1 + child.introspectionDepth, cost: 0, aliases: alias + child.aliases });
          } else {
            const size = definition && isListType(getNullableType(definition.type)) ? listSize(selection.arguments) : 1;
            add({ depth: 1 + child.depth, introspectionDepth: child.introspectionDepth, cost: size * (1 + child.cost), aliases: alias + child.aliases });
          }
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          add(measure(selection.selectionSet, type ?? undefined, introspection));
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const key = `${introspection ? 'i' : 'o'}:${selection.name.value}`;
          let figures = memo.get(key);
          if (figures === undefined) {
            const fragment = fragments.get(selection.name.value);
            if (!fragment || inProgress.has(key)) {
              figures = ZERO;
            } else {
              inProgress.add(key);
              figures = measure(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, introspection);
              inProgress.delete(key);
              memo.set(key, figures);
            }
          }
          add(figures);
          break;
        }
      }
    }
    return total;
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return measure(operation.selectionSet, root ?? undefined, false);
}

/**
 * A graphql-js validation rule (for Apollo's `validationRules`) refusing an operation deeper than
 * maxDepth, costlier than maxCost or with more than maxAliases aliases, with extensions.code
 * GRAPHQL_DEPTH_LIMIT, GRAPHQL_COST_LIMIT or GRAPHQL_ALIAS_LIMIT and a message giving the figure
 * and the limit. It runs before any resolver, so a refused operation does no work.
 */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const figures = operationFigures(context, operation);
      const name = operation.name ? `Operation "${operation.name.value}"` : 'The operation';
      if (figures.depth > limits.maxDepth) {
        context.reportError(new QueryLimitError('GRAPHQL_DEPTH_LIMIT', `${name} is ${figures.depth} levels deep; the limit is ${limits.maxDepth}.`, figures.depth, limits.maxDepth, operation));
      }
      if (figures.introspectionDepth > INTROSPECTION_MAX_DEPTH) {
        context.reportError(
          new QueryLimitError(
            'GRAPHQL_DEPTH_LIMIT',
            `${name} has introspection ${figures.introspectionDepth} levels deep; the limit is ${INTROSPECTION_MAX_DEPTH}.`,
            figures.introspectionDepth,
            INTROSPECTION_MAX_DEPTH,
            operation,
          ),
        );
      }
      if (figures.cost > limits.maxCost) {
        context.reportError(new QueryLimitError('GRAPHQL_COST_LIMIT', `${name} costs ${figures.cost}; the limit is ${limits.maxCost}.`, figures.cost, limits.maxCost, operation));
      }
      if (figures.aliases > limits.maxAliases) {
        context.reportError(new QueryLimitError('GRAPHQL_ALIAS_LIMIT', `${name} has ${figures.aliases} aliases; the limit is ${limits.maxAliases}.`, figures.aliases, limits.maxAliases, operation));
      }
      return false;
    },
  });
}

/** Refuses `__schema` / `__type` with extensions.code INTROSPECTION_DISABLED (for graphql-ws; Apollo has its own rule over HTTP). */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError('Introspection (__schema, __type) is turned off on this node (URNE_GRAPHQL_INTROSPECTION).', { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED' } }),
      );
    }
  },
});
