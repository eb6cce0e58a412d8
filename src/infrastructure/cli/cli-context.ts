import { userInfo } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type AppConfig } from '../config/app-config.js';
import { CliError, EXIT_USAGE } from './cli-error.js';

/** What every command shares: the configuration from the environment, its logger, who runs it. */

/** The configuration, or a usage error (exit 2) naming each bad variable. */
export function configFromEnvironment(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}

/** Logs go to stderr, warnings and worse only: stdout is for the command's own output. */
export async function cliLogger(): Promise<Logger> {
  const { createLogger } = await import('../logging/create-logger.js');
  return createLogger({ logLevel: 'warn' }, process.stderr);
}

/** The actor recorded in event metadata for commands typed at this terminal. */
export function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
