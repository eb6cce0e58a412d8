import { MetadataScanner, type ModulesContainer } from '@nestjs/core';
import { RESOLVER_NAME_METADATA, RESOLVER_PROPERTY_METADATA, RESOLVER_REFERENCE_METADATA, RESOLVER_TYPE_METADATA } from '@nestjs/graphql';
import type { Audience } from './actor.js';
import { AUDIENCE_KEY } from './auth.decorators.js';

export const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'] as const;
export type RootType = (typeof ROOT_TYPES)[number];

/** One resolver method of the application and who may call it. */
export interface ResolverAccessRule {
  className: string;
  methodName: string;
  /** Query, Mutation or Subscription; 'field' for a field resolver (@ResolveField). */
  kind: RootType | 'field';
  /** The GraphQL field name. */
  field: string;
  /** The `@AllowedFor` audience, undefined when the method has none (denied to everyone). */
  audience: readonly Audience[] | undefined;
}

/**
 * Every GraphQL resolver method of the running application (root fields and field resolvers)
 * with its `@AllowedFor` rule, found the way @nestjs/graphql finds resolvers. Used at boot to log
 * the forgotten ones, and by the access-matrix tests.
 */
export function listResolverAccessRules(modules: ModulesContainer): ResolverAccessRule[] {
  const scanner = new MetadataScanner();
  const seen = new Set<Function>();
  const rules: ResolverAccessRule[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const instance = wrapper.instance as object | null | undefined;
      if (!instance || typeof instance !== 'object' || seen.has(instance.constructor)) continue;
      seen.add(instance.constructor);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const methodName of scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName] as Function;
        const type = Reflect.getMetadata(RESOLVER_TYPE_METADATA, method) as unknown;
        const isField = Reflect.getMetadata(RESOLVER_PROPERTY_METADATA, method) === true;
        const isReference = Reflect.getMetadata(RESOLVER_REFERENCE_METADATA, method) === true;
        const kind = (ROOT_TYPES as readonly unknown[]).includes(type) ? (type as RootType) : isField || isReference ? 'field' : null;
        if (kind === null) continue;
        rules.push({
          className: instance.constructor.name,
          methodName,
          kind,
          field: (Reflect.getMetadata(RESOLVER_NAME_METADATA, method) as string | undefined) ?? methodName,
          audience: Reflect.getMetadata(AUDIENCE_KEY, method) as Audience[] | undefined,
        });
      }
    }
  }
  return rules;
}
