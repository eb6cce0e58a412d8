import { pino, type DestinationStream, type Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { redactSecrets } from './redact.js';

export type { Logger } from 'pino';

/**
 * The application logger: one JSON object per line on stdout, e.g.
 * `{"level":"info","time":"2026-05-31T08:00:00.000Z","pid":1,"hostname":"api-1","context":"EventStore","msg":"opened"}`.
 * Secret-looking keys (password, token, code, credential, secret, privateKey, authorization…)
 * are replaced by "[REDACTED]" at any depth, in the logged object and in child bindings.
 *
 * Writes are synchronous so that nothing is lost when the process exits right after a log line
 * (fatal errors, the "stopped" line); our volumes are far below what that costs.
 * Pass `destination` to capture logs (tests).
 */
export function createLogger(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level: config.logLevel,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactSecrets(bindings),
        // Runs before the serializers: errors are serialised (and redacted) here.
        log: (object) => redactSecrets(object),
      },
      // An error reaching pino's own serializer is already a plain, redacted object: keep it as is
      // (pino's serializer would re-serialise it as `"type":"Object"`).
      serializers: { err: (value: unknown) => (value instanceof Error ? redactSecrets(value) : value) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  // pino applies `formatters.bindings` to the root bindings only: redact those of children here.
  // Children are created from their parent's prototype chain, so they all inherit this `child`.
  const child = logger.child;
  logger.child = function redactingChild(this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}
