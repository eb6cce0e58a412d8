import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Module, type OnModuleInit } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotificationRequests } from '../../src/application/notifications/notification-requests.js';
import { RecipientDirectoryRegistry, SecretIssuerRegistry } from '../../src/application/notifications/registries.js';
import { TemplateRegistry } from '../../src/application/notifications/templates.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { createNotificationSenders, describeSenders } from '../../src/infrastructure/notifications/create-senders.js';
import { FileOutboxSender } from '../../src/infrastructure/notifications/file-outbox-sender.js';
import { NotificationsModule } from '../../src/infrastructure/notifications/notifications.module.js';
import { createApp } from '../../src/main.js';
import { findInFiles, freshCode, sqliteFiles, waitForEvent } from './support/harness.js';

describe('the file outbox (no SMTP server, no SMS gateway configured)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-outbox-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an e-mail as a real .eml message, readable only by its owner, and prints where, without the code or the address', async () => {
    const printed: string[] = [];
    const sender = new FileOutboxSender('email', { dir: join(dir, 'outbox'), from: 'Urne <no-reply@urne.localhost>', print: (line) => printed.push(line) });
    const code = freshCode();
    const receipt = await sender.send({
      notificationId: 'n-1',
      attempt: 1,
      channel: 'email',
      template: 'access-code',
      to: 'anne.martin@example.org',
      subject: "Votre code d'accès",
      text: `Votre code : ${code}`,
    });

    const files = readdirSync(join(dir, 'outbox'));
    expect(files).toEqual([receipt.providerMessageId]);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-access-code-n-1-1\.eml$/);
    const path = join(dir, 'outbox', files[0]!);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const mail = await simpleParser(readFileSync(path));
    expect(mail.to).toMatchObject({ text: 'anne.martin@example.org' });
    expect(mail.from?.value).toEqual([{ name: 'Urne', address: 'no-reply@urne.localhost' }]);
    expect(mail.subject).toBe("Votre code d'accès");
    expect(mail.text).toContain(code);

    expect(printed).toEqual([`urne: e-mail "access-code" (notification n-1, attempt 1) written to ${path} — no SMTP server configured (URNE_SMTP_URL)\n`]);
    expect(printed[0]).not.toContain(code);
    expect(printed[0]).not.toContain('anne.martin');
  });

  it('writes an SMS as a .txt file', async () => {
    const printed: string[] = [];
    const sender = new FileOutboxSender('sms', { dir: join(dir, 'sms-outbox'), from: 'no-reply@urne.localhost', print: (line) => printed.push(line) });
    const receipt = await sender.send({ notificationId: 'n-2', attempt: 3, channel: 'sms', template: 'authentication-code', to: '+33612345678', text: 'Code : 424242' });
    const path = join(dir, 'sms-outbox', receipt.providerMessageId);
    expect(path).toMatch(/-authentication-code-n-2-3\.txt$/);
    expect(readFileSync(path, 'utf8')).toBe('To: +33612345678\nTemplate: authentication-code\nNotification: n-2 (attempt 3)\n\nCode : 424242\n');
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('SMS "authentication-code"');
    expect(printed[0]).not.toContain('424242');
    expect(printed[0]).not.toContain('+33612345678');
  });
});

describe('choosing the senders from the configuration', () => {
  it('uses SMTP and the gateway when configured, the outbox folder otherwise, and describes them without credentials', () => {
    const configured = { smtpUrl: 'smtps://mailer:hunter2@smtp.primaire.example:465', mailFrom: 'no-reply@primaire.example', smsGatewayUrl: 'https://sms.example/v1', smsGatewayToken: 'tok-hunter3', outboxDir: '/data/outbox' };
    expect(Object.values(createNotificationSenders(configured)).map((sender) => sender.transport)).toEqual(['smtp', 'sms-gateway']);
    expect(describeSenders(configured)).toEqual({ email: 'smtp smtps://smtp.primaire.example:465', sms: 'sms-gateway https://sms.example' });
    const bare = { smtpUrl: undefined, mailFrom: 'no-reply@primaire.example', smsGatewayUrl: undefined, smsGatewayToken: undefined, outboxDir: '/data/outbox' };
    expect(Object.values(createNotificationSenders(bare)).map((sender) => sender.transport)).toEqual(['file-outbox', 'file-outbox']);
    expect(describeSenders(bare)).toEqual({ email: 'file-outbox /data/outbox', sms: 'file-outbox /data/outbox' });
  });
});

/** Stand-ins for the slices that own people and codes, plugged in as a module would be. */
const people = new Map<string, { email: string; phone: string }>();
const issuedCodes: string[] = [];

@Module({ imports: [NotificationsModule] })
class TestPeopleModule implements OnModuleInit {
  constructor(
    private readonly templates: TemplateRegistry,
    private readonly directories: RecipientDirectoryRegistry,
    private readonly issuers: SecretIssuerRegistry,
  ) {}

  onModuleInit(): void {
    this.templates.register({ name: 'test-welcome', channel: 'email', requiredParameters: [], secrets: ['code'], render: (_p, s) => ({ subject: 'Bienvenue / Welcome', text: `Code : ${s.code}` }) });
    this.templates.register({ name: 'test-sms-code', channel: 'sms', requiredParameters: [], secrets: ['code'], render: (_p, s) => ({ text: `Code : ${s.code}` }) });
    this.directories.register('testperson', (subject, channel) => {
      const known = people.get(subject);
      return known ? (channel === 'email' ? known.email : known.phone) : null;
    });
    const issue = () => {
      const code = freshCode();
      issuedCodes.push(code);
      return { code };
    };
    this.issuers.register('test-welcome', issue);
    this.issuers.register('test-sms-code', issue);
  }
}

describe('the application with no mail or SMS configuration', () => {
  let dataDir: string;
  const logLines: string[] = [];
  const stderr: string[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-outbox-app-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the dispatcher with the application, writes every message to <dataDir>/outbox and says so on stderr, and stops with it', async () => {
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'debug' });
    const logger = createLogger(config, { write: (line: string) => void logLines.push(line) });
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    const { app } = await createApp(config, { logger, extraModules: [TestPeopleModule] });
    await app.init();
    try {
      const subject = `testperson-${randomUUID()}`;
      people.set(subject, { email: 'claire.dupont@example.org', phone: '+33698765432' });
      const requests = app.get(NotificationRequests, { strict: false });
      const store = app.get<EventStore>(EVENT_STORE, { strict: false });
      const emailId = randomUUID();
      const smsId = randomUUID();
      await requests.request({ notificationId: emailId, channel: 'email', template: 'test-welcome', recipient: { subject } });
      await requests.request({ notificationId: smsId, channel: 'sms', template: 'test-sms-code', recipient: { subject } });
      await waitForEvent(store, emailId, 'NotificationSent');
      await waitForEvent(store, smsId, 'NotificationSent');

      const outbox = join(dataDir, 'outbox');
      const files = readdirSync(outbox).sort();
      expect(files).toHaveLength(2);
      const eml = files.find((file) => file.endsWith(`-test-welcome-${emailId}-1.eml`))!;
      const txt = files.find((file) => file.endsWith(`-test-sms-code-${smsId}-1.txt`))!;
      const mail = await simpleParser(readFileSync(join(outbox, eml)));
      expect(mail.to).toMatchObject({ text: 'claire.dupont@example.org' });
      expect(mail.from?.value).toEqual([{ name: 'Urne', address: 'no-reply@urne.localhost' }]);
      expect(mail.text?.trim()).toBe(`Code : ${issuedCodes[0]}`);
      expect(readFileSync(join(outbox, txt), 'utf8')).toContain(`To: +33698765432\n`);
      expect(readFileSync(join(outbox, txt), 'utf8')).toContain(`Code : ${issuedCodes[1]}`);

      const notices = stderr.filter((line) => line.startsWith('urne: '));
      expect(notices).toHaveLength(2);
      expect(notices).toEqual(expect.arrayContaining([
        `urne: e-mail "test-welcome" (notification ${emailId}, attempt 1) written to ${join(outbox, eml)} — no SMTP server configured (URNE_SMTP_URL)\n`,
        `urne: SMS "test-sms-code" (notification ${smsId}, attempt 1) written to ${join(outbox, txt)} — no SMS gateway configured (URNE_SMS_GATEWAY_URL)\n`,
      ]));
      const logs = logLines.join('');
      expect(logs).toContain('"msg":"notification senders"');
      expect(logs).toContain(`"email":"file-outbox ${outbox}"`);
      expect(logs).toContain('"msg":"notification sent"');
      // The notices are not JSON log lines, and nothing printed or logged holds a code or an address.
      expect(logs).not.toContain('written to');
      for (const secret of [...issuedCodes, 'claire.dupont@example.org', '+33698765432']) {
        expect(logs).not.toContain(secret);
        expect(notices.join('')).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
    expect(logLines.join('')).toContain('"msg":"notification dispatcher stopped"');
    expect(findInFiles(sqliteFiles(join(dataDir, 'events.sqlite')), [...issuedCodes, 'claire.dupont@example.org', '+33698765432'])).toEqual([]);
  });
});
