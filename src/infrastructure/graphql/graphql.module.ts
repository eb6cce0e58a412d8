import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { specifiedRules, validate } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.token.js';
import { HttpApiModule } from '../http/http.module.js';
import { LOGGER } from '../logging/logger.token.js';
import { DomainErrorFilter } from './domain-error.filter.js';
import { formatGraphqlError } from './format-error.js';
import { HealthResolver } from './health.resolver.js';
import { noIntrospectionRule, queryLimitsRule } from './query-limits.js';

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
      inject: [LOGGER, APP_CONFIG],
      useFactory: (logger: Logger, config: AppConfig): ApolloDriverConfig => {
        const log = logger.child({ context: 'GraphQL' });
        const formatError = formatGraphqlError(log);
        const limits = queryLimitsRule({ maxDepth: config.graphqlMaxDepth, maxCost: config.graphqlMaxCost, maxAliases: config.graphqlMaxAliases });
        const wsRules = [...specifiedRules, limits, ...(config.graphqlIntrospection ? [] : [noIntrospectionRule])];
        // The same limits over graphql-ws, which validates with graphql-js's rules only. Nest passes
        // every 'graphql-ws' option on to graphql-ws's useServer, though its type omits `validate`.
        const wsValidation: Pick<ServerOptions, 'validate'> = { validate: (schema, document) => validate(schema, document, wsRules) };
        return {
          path: GRAPHQL_PATH,
          autoSchemaFile: true,
          sortSchema: true,
          subscriptions: {
            'graphql-ws': {
              ...wsValidation,
              // Errors over graphql-ws get the same codes as over HTTP (UNAUTHENTICATED, FORBIDDEN…).
              onNext: (_ctx, _id, _payload, _args, result) =>
                result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : undefined,
            },
          },
          // The auth guard runs on field resolvers too (@AllowedFor on @ResolveField methods).
          fieldResolverEnhancers: ['guards'],
          // No landing page (GraphiQL, Apollo Sandbox) in any environment.
          playground: false,
          graphiql: false,
          // Every option below is explicit so that nothing changes with NODE_ENV; production
          // behaviour is chosen by URNE_ENV (see app-config.ts). The schema is public (anyone may
          // audit the election); introspection is on in development and off in production
          // unless URNE_GRAPHQL_INTROSPECTION=true.
          introspection: config.graphqlIntrospection,
          includeStacktraceInErrorResponses: false,
          csrfPrevention: true,
          // One operation per request (Apollo's default, kept explicit): batching would multiply
          // the depth, cost and alias limits by the batch size.
          allowBatchedHttpRequests: false,
          // Depth, cost and alias limits (src/infrastructure/graphql/query-limits.ts), checked
          // before any resolver runs; introspection is exempt from cost (its depth has a ceiling).
          validationRules: [limits],
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
  providers: [HealthResolver, { provide: APP_FILTER, useClass: DomainErrorFilter }],
})
export class GraphqlApiModule {}
