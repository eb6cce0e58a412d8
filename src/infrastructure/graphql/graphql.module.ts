import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Logger } from 'pino';
import { HttpApiModule } from '../http/http.module.js';
import { LOGGER } from '../logging/logger.token.js';
import { formatGraphqlError } from './format-error.js';
import { HealthResolver } from './health.resolver.js';

export const GRAPHQL_PATH = '/graphql';

/**
 * The GraphQL API, code-first: the schema is generated in memory from the `@Resolver`s and
 * `@ObjectType`s of every module (feature modules only declare resolvers as providers).
 * POSTs must carry `content-type: application/json` (Apollo's CSRF prevention); subscriptions
 * use the graphql-ws protocol on the same path.
 */
@Module({
  imports: [
    HttpApiModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [LOGGER],
      useFactory: (logger: Logger): ApolloDriverConfig => {
        const log = logger.child({ context: 'GraphQL' });
        const formatError = formatGraphqlError(log);
        return {
          path: GRAPHQL_PATH,
          autoSchemaFile: true,
          sortSchema: true,
          subscriptions: {
            'graphql-ws': {
              // Errors over graphql-ws get the same codes as over HTTP (UNAUTHENTICATED, FORBIDDEN…).
              onNext: (_ctx, _id, _payload, _args, result) =>
                result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : undefined,
            },
          },
          // The auth guard runs on field resolvers too (@AllowedFor on @ResolveField methods).
          fieldResolverEnhancers: ['guards'],
          playground: false,
          // The schema is public (anyone may audit the election); set explicitly so that it does
          // not change with NODE_ENV.
          introspection: true,
          includeStacktraceInErrorResponses: false,
          csrfPrevention: true,
          formatError,
          logger: {
            debug: (message: unknown) => log.debug(String(message)),
            info: (message: unknown) => log.info(String(message)),
            warn: (message: unknown) => log.warn(String(message)),
            error: (message: unknown) => log.error(String(message)),
          },
        };
      },
    }),
  ],
  providers: [HealthResolver],
})
export class GraphqlApiModule {}
