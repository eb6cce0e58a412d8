import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../src/application/ports/clock.js';
import { loadConfig } from '../../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../../src/main.js';
import { SmtpTestServer } from '../../notifications/support/smtp-test-server.js';
import { SmsTestGateway } from './sms-test-gateway.js';

export interface RegistrationServer {
  dir: string;
  smtp: SmtpTestServer;
  sms: SmsTestGateway;
  server: RunningServer;
}

/**
 * The application as the registration suites need it: a temp data dir, a real SMTP server and a
 * real SMS gateway on loopback, the given clock, logs captured by `log` (or dropped).
 */
export async function startRegistrationServer(options: {
  prefix: string;
  smsToken: string;
  clock: Clock;
  logLevel?: 'debug' | 'warn';
  log?: (line: string) => void;
}): Promise<RegistrationServer> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  const smtp = await new SmtpTestServer().start();
  const sms = await new SmsTestGateway(options.smsToken).start();
  const config = loadConfig({
    URNE_DATA_DIR: dir,
    URNE_PORT: '0',
    URNE_LOG_LEVEL: options.logLevel ?? 'warn',
    URNE_SMTP_URL: smtp.url,
    URNE_SMS_GATEWAY_URL: sms.url,
    URNE_SMS_GATEWAY_TOKEN: options.smsToken,
  });
  const write = options.log ?? (() => undefined);
  const server = await startServer(config, { logger: createLogger(config, { write: (line: string) => void write(line) }), clock: options.clock });
  return { dir, smtp, sms, server };
}
