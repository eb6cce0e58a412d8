import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ModulesContainer } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StaffRole } from '../../src/domain/staff/staff-role.js';
import { listResolverAccessRules, type ResolverAccessRule } from '../../src/infrastructure/auth/access-rules.js';
import { STAFF_ROLES, type Audience } from '../../src/infrastructure/auth/actor.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { firstMessage, graphql, wsClient, type GraphqlResponse } from '../support/graphql-client.js';
import { createStaffAccount, staffToken, voterToken } from '../support/staff-sessions.js';

/**
 * THE MATRIX. Every Query, Mutation and Subscription field of the running schema (discovered by
 * introspection, so operations added by any slice are covered without touching this file) is
 * called by every kind of caller with type-correct dummy arguments. A caller its `@AllowedFor`
 * rule excludes must get UNAUTHENTICATED (anonymous) or FORBIDDEN (signed in); a caller it
 * includes must get neither (whatever else its dummy arguments earn it).
 *
 * Resolvers that check ownership ("is this your registration?") must therefore answer NOT_FOUND
 * to an allowed caller, not FORBIDDEN: FORBIDDEN means the guard's refusal.
 */

type Caller = 'anonymous' | StaffRole | 'voter';
const CALLERS: Caller[] = ['anonymous', ...STAFF_ROLES, 'voter'];

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface IntrospectedType {
  kind: string;
  name: string;
  fields: Array<{ name: string; args: Array<{ name: string; type: TypeRef }>; type: TypeRef }> | null;
  inputFields: Array<{ name: string; type: TypeRef; defaultValue: string | null }> | null;
  enumValues: Array<{ name: string }> | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }';
const INTROSPECTION = `{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { kind name
    fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
    inputFields { name defaultValue type { ${TYPE_REF} } }
    enumValues { name }
  }
} }`;

interface Operation {
  root: 'Query' | 'Mutation' | 'Subscription';
  field: string;
  document: string;
  variables: Record<string, unknown>;
}

/** Sample values for scalars; unknown custom scalars get a string. */
const SCALARS: Record<string, unknown> = {
  String: 'x',
  ID: '00000000-0000-4000-8000-000000000000',
  Int: 1,
  Float: 1.5,
  Boolean: false,
  DateTime: '2013-05-31T08:00:00.000Z',
  Date: '2013-05-31',
  JSON: {},
  JSONObject: {},
  BigInt: '1',
};

function typeString(ref: TypeRef): string {
  if (ref.kind === 'NON_NULL') return `${typeString(ref.ofType!)}!`;
  if (ref.kind === 'LIST') return `[${typeString(ref.ofType!)}]`;
  return ref.name!;
}

function namedType(ref: TypeRef): TypeRef {
  return ref.ofType === null ? ref : namedType(ref.ofType);
}

function dummyValue(ref: TypeRef, types: Map<string, IntrospectedType>, depth = 0): unknown {
  if (ref.kind === 'NON_NULL') return dummyValue(ref.ofType!, types, depth);
  if (ref.kind === 'LIST') return [dummyValue(ref.ofType!, types, depth)];
  const type = types.get(ref.name!)!;
  switch (type.kind) {
    case 'SCALAR':
      return ref.name! in SCALARS ? SCALARS[ref.name!] : 'x';
    case 'ENUM':
      return type.enumValues![0]!.name;
    case 'INPUT_OBJECT': {
      if (depth > 5) return {};
      const value: Record<string, unknown> = {};
      for (const field of type.inputFields ?? []) {
        if (field.type.kind === 'NON_NULL' && field.defaultValue === null) value[field.name] = dummyValue(field.type, types, depth + 1);
      }
      return value;
    }
    default:
      throw new Error(`no dummy value for ${type.kind} ${type.name}`);
  }
}

function operationsOf(schema: { queryType: { name: string }; mutationType: { name: string } | null; subscriptionType: { name: string } | null; types: IntrospectedType[] }): Operation[] {
  const types = new Map(schema.types.map((type) => [type.name, type]));
  const roots = [
    ['Query', schema.queryType?.name],
    ['Mutation', schema.mutationType?.name],
    ['Subscription', schema.subscriptionType?.name],
  ] as const;
  const operations: Operation[] = [];
  for (const [root, typeName] of roots) {
    if (!typeName) continue;
    for (const field of types.get(typeName)!.fields ?? []) {
      const variables: Record<string, unknown> = {};
      const definitions: string[] = [];
      const args: string[] = [];
      for (const arg of field.args) {
        definitions.push(`$${arg.name}: ${typeString(arg.type)}`);
        args.push(`${arg.name}: $${arg.name}`);
        variables[arg.name] = dummyValue(arg.type, types);
      }
      const kind = types.get(namedType(field.type).name!)!.kind;
      const selection = ['OBJECT', 'INTERFACE', 'UNION'].includes(kind) ? ' { __typename }' : '';
      const keyword = root === 'Query' ? 'query' : root === 'Mutation' ? 'mutation' : 'subscription';
      const document = `${keyword} Matrix${definitions.length ? `(${definitions.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
      operations.push({ root, field: field.name, document, variables });
    }
  }
  return operations;
}

function isAllowed(audience: readonly Audience[], caller: Caller): boolean {
  if (audience.includes('public')) return true;
  if (caller === 'anonymous') return false;
  return audience.includes(caller);
}

describe('the access matrix (every operation × every caller, real HTTP and graphql-ws)', () => {
  let dataDir: string;
  let server: RunningServer;
  let operations: Operation[];
  let rules: ResolverAccessRule[];
  const accounts = new Map<StaffRole, { staffId: string; username: string; role: StaffRole }>();
  const logLines: Array<Record<string, unknown>> = [];

  /** A fresh token per request: an allowed signOut must not spoil the next request. */
  const tokenFor = async (caller: Caller): Promise<string | undefined> =>
    caller === 'anonymous' ? undefined : caller === 'voter' ? voterToken(server.app) : staffToken(server.app, accounts.get(caller)!);

  async function call(operation: Operation, caller: Caller): Promise<GraphqlResponse> {
    const token = await tokenFor(caller);
    if (operation.root !== 'Subscription') return graphql(server.graphqlUrl, operation.document, { variables: operation.variables, ...(token ? { token } : {}) });
    const client = wsClient(server.graphqlUrl, token);
    try {
      const message = await firstMessage(client, operation.document, operation.variables);
      return message === 'pending' ? {} : message;
    } finally {
      await client.dispose();
    }
  }

  /** Null when the answer fits the rule; otherwise what went wrong, for the report. */
  async function check(operation: Operation, caller: Caller, audience: readonly Audience[]): Promise<string | null> {
    const response = await call(operation, caller);
    const codes = (response.errors ?? []).map((error) => error.extensions?.code);
    const name = `${operation.root}.${operation.field} as ${caller}`;
    if (isAllowed(audience, caller)) {
      const denied = codes.filter((code) => code === 'UNAUTHENTICATED' || code === 'FORBIDDEN');
      return denied.length === 0 ? null : `${name}: allowed by @AllowedFor(${audience.join(', ')}) but got ${denied.join(', ')}`;
    }
    const expected = caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
    if (codes.includes(expected) && !(response.data && (response.data as Record<string, unknown>)[operation.field] != null)) return null;
    return `${name}: expected ${expected}, got ${JSON.stringify(response).slice(0, 300)}`;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-matrix-'));
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' });
    server = await startServer(config, { logger: createLogger(config, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) }) });
    for (const role of STAFF_ROLES) accounts.set(role, await createStaffAccount(server.app, `matrix-${role}`, role));
    const introspection = await graphql<{ __schema: Parameters<typeof operationsOf>[0] }>(server.graphqlUrl, INTROSPECTION);
    expect(introspection.errors).toBeUndefined();
    operations = operationsOf(introspection.data!.__schema);
    rules = listResolverAccessRules(server.app.get(ModulesContainer));
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the operations of the schema, this slice’s and the others’', () => {
    const names = operations.map((operation) => `${operation.root}.${operation.field}`);
    expect(names).toEqual(expect.arrayContaining(['Query.health', 'Query.me', 'Query.staffAccounts', 'Query.projections', 'Query.ledgerStatistics', 'Mutation.signIn', 'Mutation.signOut']));
  });

  it('every resolver method (root fields and field resolvers) carries @AllowedFor', () => {
    expect(rules.length).toBeGreaterThan(5);
    expect(rules.filter((rule) => rule.audience === undefined).map((rule) => `${rule.className}.${rule.methodName}`)).toEqual([]);
    expect(logLines.filter((line) => line.context === 'Auth' && line.level === 'error')).toEqual([]);
  });

  it('every operation of the schema has exactly one resolver, and so one rule', () => {
    const unmatched = operations.filter((operation) => rules.filter((rule) => rule.kind === operation.root && rule.field === operation.field).length !== 1);
    expect(unmatched.map((operation) => `${operation.root}.${operation.field}`)).toEqual([]);
  });

  it.each(CALLERS)('answers %s as the rules say: UNAUTHENTICATED/FORBIDDEN where excluded, neither where allowed', async (caller) => {
    const mismatches: string[] = [];
    let denied = 0;
    for (const operation of operations) {
      const audience = rules.find((rule) => rule.kind === operation.root && rule.field === operation.field)?.audience ?? [];
      if (!isAllowed(audience, caller)) denied++;
      const mismatch = await check(operation, caller, audience);
      if (mismatch) mismatches.push(mismatch);
    }
    expect(mismatches).toEqual([]);
    if (caller === 'anonymous') expect(denied).toBeGreaterThan(0);
  });

  it('would catch a rule the guard does not enforce (the matrix is not vacuous)', async () => {
    const health = operations.find((operation) => operation.root === 'Query' && operation.field === 'health')!;
    // health is public: pretending it is council-only, the anonymous and operator calls must be reported.
    expect(await check(health, 'anonymous', ['council'])).toMatch(/Query.health as anonymous: expected UNAUTHENTICATED/);
    expect(await check(health, 'operator', ['council'])).toMatch(/expected FORBIDDEN/);
    const signOut = operations.find((operation) => operation.root === 'Mutation' && operation.field === 'signOut')!;
    // signOut refuses anonymous callers: pretending it is public must be reported too.
    expect(await check(signOut, 'anonymous', ['public'])).toMatch(/allowed by @AllowedFor\(public\) but got UNAUTHENTICATED/);
  });
});
