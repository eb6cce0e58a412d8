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
        return {
          path: GRAPHQL_PATH,
          autoSchemaFile: true,
          sortSchema: true,
          subscriptions: { 'graphql-ws': true },
          playground: false,
          // The schema is public (anyone may audit the election); set explicitly so that it does
          // not change with NODE_ENV.
          introspection: true,
          includeStacktraceInErrorResponses: false,
          csrfPrevention: true,
          formatError: formatGraphqlError(log),
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
