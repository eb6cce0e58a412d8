import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlContextType, GqlExceptionFilter } from '@nestjs/graphql';
import { DomainError } from '../../domain/shared/decider.js';

/**
 * A refused command (RevoteNotAllowed, NotQualified…) is an answer, not a fault: handed back to
 * GraphQL as it is (formatGraphqlError gives it its code), without Nest's default logging of
 * every resolver exception at error level with a stack trace.
 */
@Catch(DomainError)
export class DomainErrorFilter implements GqlExceptionFilter {
  catch(exception: DomainError, host: ArgumentsHost): DomainError {
    if (host.getType<GqlContextType>() !== 'graphql') throw exception;
    return exception;
  }
}
