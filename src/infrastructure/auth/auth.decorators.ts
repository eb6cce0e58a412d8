import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ANONYMOUS, type Actor, type Audience } from './actor.js';

export const AUDIENCE_KEY = 'urne:audience';

/**
 * Who may call a query, mutation, subscription or resolve a field. Access is denied by default:
 * a resolver without `@AllowedFor(...)` answers to nobody (the guard refuses it), so forgetting
 * the decorator can never open data to the public.
 *
 *   @AllowedFor('public')                    anyone, signed in or not
 *   @AllowedFor('council', 'operator')       staff with one of these roles
 *   @AllowedFor('voter')                     a signed-in voter (resolvers check it is their own data)
 */
export const AllowedFor = (...audience: [Audience, ...Audience[]]) => SetMetadata(AUDIENCE_KEY, audience);

/** The caller, as resolved by the auth guard (anonymous when no valid session). */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = requestOf(context);
  return (request?.actor as Actor | undefined) ?? ANONYMOUS;
});

/** The HTTP request (queries and mutations) or the graphql-ws connection context (subscriptions). */
export function requestOf(context: ExecutionContext): { actor?: Actor; headers?: Record<string, string | string[] | undefined>; [key: string]: unknown } | undefined {
  if (context.getType<string>() === 'graphql') {
    const gql = GqlExecutionContext.create(context).getContext<{ req?: unknown; extra?: { request?: unknown }; connectionParams?: unknown }>();
    return (gql.req ?? gql.extra?.request) as ReturnType<typeof requestOf>;
  }
  return context.switchToHttp().getRequest();
}
