// Runs the notification dispatcher in its own OS process, on the built code (npm run build), so
// that a test can SIGKILL it at any moment. The two ports owned by other slices get stand-ins:
// the recipient directory is the `people` map given on the command line, the secret issuer makes
// random codes. Logs are the application's JSON lines on stdout; control messages are JSON lines
// with a `worker` key: {"worker":"live"} once it has caught up and sent what was due,
// {"worker":"stopped"} after "stop" on stdin (a graceful stop).
//
//   node dispatcher-worker.mjs '{"eventsFile":…,"readModelsFile":…,"smtpUrl":…,"from":…,"outboxDir":…,"leaseMs":…,"people":{subject:{email,sms}}}'
import { randomBytes } from 'node:crypto';

const config = JSON.parse(process.argv[2]);
const dist = new URL('../../../dist/src/', import.meta.url);
const load = (path) => import(new URL(path, dist));
const { SqliteEventStore } = await load('infrastructure/event-store/sqlite/sqlite-event-store.js');
const { openReadModelDatabase } = await load('projections/read-model-database.js');
const { ProjectionRunner } = await load('projections/projection-runner.js');
const { notificationOutboxProjection } = await load('projections/notification-outbox/notification-outbox.projection.js');
const { NotificationOutboxView } = await load('projections/notification-outbox/notification-outbox.view.js');
const { NotificationDispatcher } = await load('application/notifications/notification-dispatcher.js');
const { TemplateRegistry } = await load('application/notifications/templates.js');
const { SecretIssuerRegistry, RecipientDirectoryRegistry } = await load('application/notifications/registries.js');
const { EmailSender } = await load('infrastructure/notifications/email-sender.js');
const { FileOutboxSender } = await load('infrastructure/notifications/file-outbox-sender.js');
const { systemClock } = await load('application/ports/clock.js');
const { createLogger } = await load('infrastructure/logging/create-logger.js');

const control = (message) => process.stdout.write(JSON.stringify({ worker: message }) + '\n');

const store = new SqliteEventStore({ file: config.eventsFile });
const db = openReadModelDatabase(config.readModelsFile);
const runner = new ProjectionRunner(store, db, notificationOutboxProjection, { lagLogIntervalMs: 0 });
const templates = new TemplateRegistry();
const issuers = new SecretIssuerRegistry();
for (const template of templates.list()) {
  if (template.secrets.length > 0) issuers.register(template.name, () => ({ code: `K${randomBytes(6).toString('hex').toUpperCase()}` }));
}
const directories = new RecipientDirectoryRegistry();
directories.register('registration', (subject, channel) => config.people[subject]?.[channel] ?? null);
const dispatcher = new NotificationDispatcher(
  {
    store,
    outbox: new NotificationOutboxView(db, runner),
    senders: {
      email: new EmailSender({ url: config.smtpUrl, from: config.from }),
      sms: new FileOutboxSender('sms', { dir: config.outboxDir, from: config.from }),
    },
    templates,
    secrets: issuers,
    recipients: directories,
    clock: systemClock,
    logger: createLogger({ logLevel: 'info' }).child({ context: 'Notifications' }),
  },
  { leaseMs: config.leaseMs, concurrency: 1 },
);

process.stdin.setEncoding('utf8');
process.stdin.on('data', async (chunk) => {
  if (!chunk.includes('stop')) return;
  await dispatcher.stop();
  await runner.stop();
  await store.close();
  db.close();
  control('stopped');
  process.exit(0);
});

runner.start();
dispatcher.start();
await runner.waitUntilLive();
await dispatcher.wake();
await dispatcher.settled();
control('live');
