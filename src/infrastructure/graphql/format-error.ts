import { unwrapResolverError } from '@apollo/server/errors';
import { HttpException } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ConcurrencyConflictError } from '../../application/command-handling/command-handling.errors.js';
import { DomainError } from '../../domain/shared/decider.js';
import { EventStoreError } from '../event-store/event-store.errors.js';
import { QueryLimitError } from './query-limits.js';

const HTTP_CODES: Record<number, string> = { 400: 'BAD_USER_INPUT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 429: 'RATE_LIMITED' };

/**
 * Every error reaches clients with a stable code in `extensions.code`: a rule's own code for a
 * refused command (`SponsorAlreadyCommitted`), BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN,
 * CONCURRENCY_CONFLICT… Anything unexpected becomes INTERNAL_SERVER_ERROR with no detail, and is
 * logged in full on the server.
 */
export function formatGraphqlError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
    // Apollo wraps validation errors with code GRAPHQL_VALIDATION_FAILED: give ours back their code.
    if (original instanceof GraphQLError && original.originalError instanceof QueryLimitError) {
      const limitError = original.originalError;
      return { ...base, message: limitError.message, extensions: { code: limitError.code, figure: limitError.figure, limit: limitError.limit } };
    }
    if (formatted.extensions?.validationErrorCode === 'INTROSPECTION_DISABLED') {
      return { ...base, message: 'Introspection (__schema, __type) is turned off on this node (URNE_GRAPHQL_INTROSPECTION).', extensions: { code: 'INTROSPECTION_DISABLED' } };
    }
    if (original instanceof DomainError) {
      return { ...base, message: original.message, extensions: { code: original.code, details: original.details } };
    }
    if (original instanceof ConcurrencyConflictError) {
      return { ...base, message: original.message, extensions: { code: original.code } };
    }
    if (original instanceof HttpException) {
      const response = original.getResponse();
      const messages = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : original.message;
      return {
        ...base,
        message: Array.isArray(messages) ? messages.join('; ') : String(messages),
        extensions: { code: HTTP_CODES[original.getStatus()] ?? 'BAD_REQUEST' },
      };
    }
    if (original instanceof EventStoreError && original.code !== 'EVENT_STORE_UNAVAILABLE') {
      return { ...base, message: original.message, extensions: { code: original.code } };
    }
    const code = formatted.extensions?.code;
    // Errors Apollo raised itself (parse, validation, bad variables) are safe to show as they are.
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
