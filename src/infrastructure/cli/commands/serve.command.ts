import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/app-config.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';

/** How long in-flight requests get to finish after SIGTERM/SIGINT before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `urne serve`: boots the API (GraphQL + health) with the configuration from the environment,
 * and runs until SIGTERM or SIGINT, then shuts down gracefully and exits 0.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the API server (GraphQL on /graphql, health on /health); configured by URNE_* environment variables')
    .action(serve);
}

async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }

  // Loaded only now: `urne --help` stays fast and never loads Nest.
  const { createLogger } = await import('../../logging/create-logger.js');
  const logger = createLogger(config);
  const log = logger.child({ context: 'Serve' });

  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(EXIT_FAILURE);
  });
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(EXIT_FAILURE);
  });

  const { startServer } = await import('../../../main.js');
  let server;
  try {
    server = await startServer(config, { logger });
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    throw new CliError(`could not start: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILURE);
  }

  // Nest runs the shutdown hooks (stop accepting requests, let modules stop, close the event
  // store) and exits 0 once they are done. This listener adds the log line, a deadline, and
  // an immediate exit on a second signal.
  server.app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    log.info({ signal, graceMs: SHUTDOWN_GRACE_MS }, 'stopping');
    setTimeout(() => {
      log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown did not finish in time: exiting');
      process.exit(EXIT_FAILURE);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info(
    { url: server.graphqlUrl, health: `${server.baseUrl}/health`, store: config.eventStore, dataDir: config.dataDir },
    `listening on ${server.graphqlUrl}`,
  );
}
