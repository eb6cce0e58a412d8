import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.token.js';
import { ANONYMOUS, type Actor, type Audience } from './actor.js';
import { AUDIENCE_KEY, requestOf } from './auth.decorators.js';
import { SESSION_STORE } from './auth.tokens.js';
import type { Session, SqliteSessionStore } from './sqlite-session-store.js';

/** The messages of the guard's refusals (the matrix test tells them from a resolver's own errors). */
export const GUARD_DENIALS = {
  signIn: 'Sign in to do this.',
  sessionInvalid: 'Your session has expired or is not valid: sign in again.',
  forbidden: 'Your role does not allow this.',
  noRule: 'Nobody may do this: the operation declares no access rule.',
} as const;

/** Who the caller is, resolved once per GraphQL operation (or HTTP request). */
export interface AuthState {
  actor: Actor;
  session: Session | null;
  /** A token was presented (valid or not): an invalid one is "sign in again", not "sign in". */
  tokenPresented: boolean;
}

const AUTH_STATE = Symbol.for('urne:AuthState');

/**
 * The global guard (APP_GUARD): resolves the caller from `Authorization: Bearer <token>` (HTTP)
 * or the graphql-ws connection parameter `authorization`, sets `request.actor` (read by
 * `@CurrentActor()`), and enforces `@AllowedFor` on every GraphQL query, mutation, subscription
 * and field resolver:
 * - no `@AllowedFor` on a resolver: denied to everyone, and an error is logged naming it;
 * - `'public'`: anyone; `'voter'`: a signed-in voter; a role: signed-in staff with that role;
 * - otherwise UNAUTHENTICATED for an anonymous caller, FORBIDDEN for a signed-in one.
 * Plain HTTP routes (GET /health) are public unless they declare `@AllowedFor`.
 * A subscription is authorised when it starts.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly log: Logger;

  constructor(
    private readonly reflector: Reflector,
    @Inject(SESSION_STORE) private readonly sessions: SqliteSessionStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'Auth' });
  }

  canActivate(context: ExecutionContext): boolean {
    const audience = this.reflector.get<Audience[] | undefined>(AUDIENCE_KEY, context.getHandler());
    const state = this.authenticate(context);
    if (audience === undefined) {
      if (context.getType<string>() !== 'graphql') return true;
      this.log.error(
        { resolver: `${context.getClass().name}.${context.getHandler().name}` },
        'resolver without @AllowedFor: denied to everyone (a developer forgot the decorator)',
      );
      throw new ForbiddenException(GUARD_DENIALS.noRule);
    }
    if (audience.includes('public')) return true;
    const { actor } = state;
    if (actor.kind === 'anonymous') throw new UnauthorizedException(state.tokenPresented ? GUARD_DENIALS.sessionInvalid : GUARD_DENIALS.signIn);
    if (actor.kind === 'staff' ? audience.includes(actor.role) : audience.includes('voter')) return true;
    throw new ForbiddenException(GUARD_DENIALS.forbidden);
  }

  private authenticate(context: ExecutionContext): AuthState {
    const request = requestOf(context);
    const holder = (context.getType<string>() === 'graphql' ? GqlExecutionContext.create(context).getContext<Record<symbol, unknown> | undefined>() : request) as
      | Record<symbol, unknown>
      | undefined;
    const cached = holder?.[AUTH_STATE] as AuthState | undefined;
    if (cached !== undefined) {
      if (request) request.actor = cached.actor;
      return cached;
    }
    const token = tokenOf(request);
    const session = token === null ? null : this.sessions.resolve(token);
    const state: AuthState = { actor: actorOf(session), session, tokenPresented: token !== null };
    if (holder) holder[AUTH_STATE] = state;
    if (request) request.actor = state.actor;
    return state;
  }
}

/** The caller's auth state as the guard resolved it (null before the guard ran). */
export function authStateOf(context: ExecutionContext): AuthState | null {
  const holder = (context.getType<string>() === 'graphql' ? GqlExecutionContext.create(context).getContext() : requestOf(context)) as Record<symbol, unknown> | undefined;
  return (holder?.[AUTH_STATE] as AuthState | undefined) ?? null;
}

function actorOf(session: Session | null): Actor {
  if (session === null) return ANONYMOUS;
  if (session.kind === 'voter') return { kind: 'voter', id: `voter:${session.registrationId}`, registrationId: session.registrationId };
  return { kind: 'staff', id: `staff:${session.staffId}`, staffId: session.staffId, username: session.username, role: session.role };
}

/**
 * The bearer token of an HTTP request (`Authorization: Bearer <token>`) or of a graphql-ws
 * connection (`connectionParams.authorization`, with or without "Bearer "). A malformed header
 * counts as a presented, invalid token. Null when none was presented.
 */
function tokenOf(request: ReturnType<typeof requestOf>): string | null {
  if (request === undefined) return null;
  const params = request.connectionParams as Record<string, unknown> | undefined;
  if (params !== undefined && params !== null && typeof params === 'object') {
    const value = params.authorization ?? params.Authorization;
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') return '';
    return /^Bearer\s+/i.test(value) ? value.replace(/^Bearer\s+/i, '').trim() : value.trim();
  }
  const header = request.headers?.authorization;
  if (header === undefined || header === '') return null;
  if (typeof header !== 'string') return '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}
