import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NotificationRequests } from '../../src/application/notifications/notification-requests.js';
import { TemplateRegistry } from '../../src/application/notifications/templates.js';
import { collect } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { findInFiles, person, sqliteFiles, waitForEvent, type TestPerson } from './support/harness.js';
import { SmtpTestServer, type ReceivedMail } from './support/smtp-test-server.js';

const WORKER = fileURLToPath(new URL('./support/dispatcher-worker.mjs', import.meta.url));
const LEASE_MS = 1_500;

/** The dispatcher in a child OS process, on the built code; its stdout is JSON lines (logs and control messages). */
class DispatcherProcess {
  readonly logs: string[] = [];
  private readonly controls: string[] = [];
  private readonly waiters: Array<() => void> = [];
  private stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(config: object) {
    this.child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { worker?: string };
      if (message.worker === undefined) this.logs.push(line);
      else this.controls.push(message.worker);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.waiters.splice(0).forEach((wake) => wake());
        resolve({ code, signal });
      }),
    );
  }

  async waitFor(control: string): Promise<void> {
    while (!this.controls.includes(control)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`dispatcher exited before "${control}": ${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  kill(): Promise<unknown> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  async stop(): Promise<void> {
    this.child.stdin.write('stop\n');
    await this.waitFor('stopped');
    const { code } = await this.exited;
    if (code !== 0) throw new Error(`dispatcher exited with ${code}: ${this.stderr}`);
  }
}

describe('the notification dispatcher killed with SIGKILL between DispatchStarted and the outcome', () => {
  let dir: string;
  let store: SqliteEventStore;
  let requests: NotificationRequests;
  let smtp: SmtpTestServer;
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let firstReceived: (mail: ReceivedMail) => void = () => undefined;
  const firstArrived = new Promise<ReceivedMail>((resolve) => (firstReceived = resolve));
  const people: TestPerson[] = [person(), person(), person(), person()];
  const ids = people.map(() => randomUUID());
  const processes: DispatcherProcess[] = [];

  const startDispatcher = () => {
    const dispatcher = new DispatcherProcess({
      eventsFile: join(dir, 'events.sqlite'),
      readModelsFile: join(dir, 'read-models.sqlite'),
      outboxDir: join(dir, 'outbox'),
      smtpUrl: smtp.url,
      from: 'Primaire <no-reply@primaire.example>',
      leaseMs: LEASE_MS,
      people: Object.fromEntries(people.map((someone) => [someone.subject, { email: someone.email, sms: someone.phone }])),
    });
    processes.push(dispatcher);
    return dispatcher;
  };
  const request = (index: number) =>
    requests.request({ notificationId: ids[index]!, channel: 'email', template: 'registration-email-confirmation', recipient: { subject: people[index]!.subject } });
  const types = async (index: number) => (await collect(store.readStream(`notification-${ids[index]}`))).map((event) => event.type);
  /** Every message the server received for the notification, whatever the attempt. */
  const receivedFor = (index: number) => smtp.received.filter((mail) => String(mail.parsed.headers.get('x-urne-notification')).startsWith(`${ids[index]}:`));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-outbox-crash-'));
    store = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    requests = new NotificationRequests(store, new TemplateRegistry());
    // The server receives the first message in full, then keeps its "250 OK" to itself: the
    // dispatcher has sent, and is killed before it can learn so and record it.
    smtp = await new SmtpTestServer({
      holdAnswer: (mail) => {
        if (smtp.received.length !== 1) return undefined;
        firstReceived(mail);
        return held;
      },
    }).start();
  });

  afterAll(async () => {
    await Promise.all(processes.map((dispatcher) => dispatcher.kill()));
    releaseHeld();
    await smtp.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never sends a message twice: the interrupted one is recorded as uncertain, the pending ones are sent exactly once after the restart', async () => {
    // 1. A dispatcher takes the first notification and sends it; the server holds its answer.
    await request(0);
    const first = startDispatcher();
    const mail = await firstArrived;
    expect(mail.parsed.headers.get('x-urne-notification')).toBe(`${ids[0]}:1`);
    expect(await types(0)).toEqual(['NotificationRequested', 'NotificationDispatchStarted']);

    // 2. More requests arrive while it is stuck (it sends one message at a time); then it dies.
    for (const index of [1, 2, 3]) await request(index);
    await first.kill();
    expect(await types(0)).toEqual(['NotificationRequested', 'NotificationDispatchStarted']);
    expect(smtp.received).toHaveLength(1);

    // 3. A new dispatcher on the same files: it sends the pending ones, and once the dead one's
    //    lease has run out it records the interrupted attempt as uncertain, without sending it again.
    const second = startDispatcher();
    await second.waitFor('live');
    for (const index of [1, 2, 3]) await waitForEvent(store, ids[index]!, 'NotificationSent');
    const interrupted = await waitForEvent(store, ids[0]!, 'NotificationDeliveryUncertain');
    expect(interrupted.at(-1)!.data).toEqual({ notificationId: ids[0], attempt: 1, reason: 'lease-expired' });
    await second.stop();

    // 4. A third start, after a clean stop, finds nothing to do.
    const third = startDispatcher();
    await third.waitFor('live');
    await third.stop();

    expect(receivedFor(0)).toHaveLength(1);
    for (const index of [1, 2, 3]) {
      expect(receivedFor(index)).toHaveLength(1);
      expect(receivedFor(index)[0]!.rcptTo).toEqual([people[index]!.email]);
      expect(await types(index)).toEqual(['NotificationRequested', 'NotificationDispatchStarted', 'NotificationSent']);
    }
    expect(smtp.received).toHaveLength(4);
    expect(await types(0)).toEqual(['NotificationRequested', 'NotificationDispatchStarted', 'NotificationDeliveryUncertain']);

    // No code and no address anywhere in the log, the read models, or the dispatchers' log lines.
    const codes = smtp.received.map((received) => /saisissez ce code : (K[0-9A-F]{12})/.exec(received.parsed.text ?? '')?.[1]);
    expect(codes.every((code) => code !== undefined)).toBe(true);
    expect(new Set(codes).size).toBe(4);
    const secrets = [...(codes as string[]), ...people.map((someone) => someone.email!)];
    expect(findInFiles([...sqliteFiles(join(dir, 'events.sqlite')), ...sqliteFiles(join(dir, 'read-models.sqlite'))], secrets)).toEqual([]);
    const logs = processes.flatMap((dispatcher) => dispatcher.logs).join('\n');
    expect(logs).toContain('"msg":"notification sent"');
    expect(logs).toContain('"msg":"notification delivery uncertain: its dispatcher stopped during the attempt; it will not be resent automatically"');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
