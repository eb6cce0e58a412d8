import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import type { AppConfig } from './infrastructure/config/app-config.js';
import { applyBodyLimit } from './infrastructure/graphql/body-limit.js';
import { GRAPHQL_PATH } from './infrastructure/graphql/graphql.module.js';
import { createLogger } from './infrastructure/logging/create-logger.js';
import { NestPinoLogger } from './infrastructure/logging/nest-logger.js';

export interface CreateAppOptions extends AppModuleOptions {
  /** Defaults to `createLogger(config)` (JSON lines on stdout). */
  logger?: Logger;
}

/** Builds (and initialises) the Nest application without listening. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<{ app: NestExpressApplication; logger: Logger }> {
  const logger = options.logger ?? createLogger(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger, options), {
    logger: new NestPinoLogger(logger),
    // Throw on a failed boot instead of Nest's default process.abort().
    abortOnError: false,
    // While shutting down, requests on kept-alive connections get 503 and `Connection: close`.
    return503OnClosing: true,
  });
  app.disable('x-powered-by');
  // Rate limits and network signals key on the client's address: behind a load balancer it is
  // only right if the proxies in front are trusted, and only they (URNE_TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  applyBodyLimit(app, config);
  return { app, logger };
}

export interface RunningServer {
  app: NestExpressApplication;
  logger: Logger;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** `http://host:port`, without a trailing slash. */
  baseUrl: string;
  graphqlUrl: string;
}

/** Builds the application and listens on the configured host and port. */
export async function startServer(config: AppConfig, options: CreateAppOptions = {}): Promise<RunningServer> {
  const { app, logger } = await createApp(config, options);
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const baseUrl = `http://${host}:${address.port}`;
  return { app, logger, port: address.port, baseUrl, graphqlUrl: `${baseUrl}${GRAPHQL_PATH}` };
}
