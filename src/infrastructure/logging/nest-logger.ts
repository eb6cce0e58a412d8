import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/** Nest's bootstrap chatter (one line per module and per route) is logged at debug, not info. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'GraphQLModule']);

/**
 * Nest's `LoggerService` on top of pino, so that Nest's own logs are JSON lines like ours.
 * Nest calls `log(message, context)`, `error(message, stack, context)`: the last string
 * argument is the context, an error's stack comes before it.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = lastString(params);
    this.write(context !== undefined && CHATTY_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  /** The level is pino's (URNE_LOG_LEVEL); Nest's log-level list is ignored. */
  setLogLevels(_levels: NestLogLevel[]): void {}

  private write(level: Level, message: unknown, params: unknown[], mayHaveStack = false): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    let context: string | undefined;
    let stack: string | undefined;
    if (typeof rest[rest.length - 1] === 'string') {
      const last = rest.pop() as string;
      if (mayHaveStack && looksLikeStack(last)) stack = last;
      else context = last;
    }
    if (mayHaveStack && stack === undefined && typeof rest[rest.length - 1] === 'string') stack = rest.pop() as string;
    const fields: Record<string, unknown> = { context: context ?? 'Nest' };
    let msg: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      msg = message.message;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(fields, message);
    } else {
      msg = String(message);
    }
    if (stack !== undefined) fields.stack = stack;
    const details = rest.filter((item) => item !== undefined);
    if (details.length > 0) fields.details = details;
    this.logger[level](fields, msg);
  }
}

function lastString(params: unknown[]): string | undefined {
  const last = params[params.length - 1];
  return typeof last === 'string' ? last : undefined;
}

function looksLikeStack(text: string): boolean {
  return /\n\s+at /.test(text);
}
