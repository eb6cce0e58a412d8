/**
 * registration-graphql: registrations per second through the full GraphQL path (issue 3).
 *
 * Boots the real application in this process (`startServer`, a fresh data folder, SQLite with
 * synchronous FULL, the file outbox, a ManualClock), declares the 2013 example election over
 * GraphQL, imports a synthetic roll of 20,000 rows (2,000 with --quick) as `urne roll import`
 * does, moves the clock an hour into the registration window and has the council raise the
 * network-burst threshold (`setRegistrationThresholds`: every request comes from 127.0.0.1, and
 * the clock does not move while we measure).
 *
 * Then 3,000 registrations (300 with --quick) with 16 in flight: `submitRegistration` over HTTP
 * (fetch → Express → Apollo → guard → validation → resolver → CommandBus → handler). Baseline, in
 * the same run and unit: as many registrations sent straight to the CommandBus with the command
 * the resolver builds (no HTTP, no GraphQL, no input validation), also 16 in flight. The two are
 * interleaved in chunks (after an untimed warm-up of each), so both see the same store size and
 * the same background work (projections, the notification dispatcher writing the outbox).
 *
 * Finally the confirmation step: once the outbox holds both messages of every registration, the
 * codes are read from the files (untimed), then each registration confirms its e-mail then its
 * phone, over GraphQL (confirmRegistrationEmail + confirmRegistrationPhone) for the ones submitted
 * over GraphQL, straight to the CommandBus (ConfirmContactCommand) for the others, interleaved the
 * same way.
 */
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { STAFF_SESSIONS, type StaffSessions } from '../../src/application/ports/sessions.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { ConfirmContactCommand, type ConfirmContactInput } from '../../src/application/registration/confirm-contact/confirm-contact.command.js';
import { SubmitRegistrationCommand, type SubmitRegistrationInput } from '../../src/application/registration/submit-registration/submit-registration.command.js';
import { CreateStaffAccountCommand, type CreatedStaffAccount } from '../../src/application/staff/create-staff-account/create-staff-account.command.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { DemoGraphqlClient, forEachConcurrently } from '../../src/infrastructure/demo/demo-graphql.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { generateRoll } from '../../src/infrastructure/reference-data/synthetic-lists.js';
import { startServer } from '../../src/main.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { collectGarbage, percentile, progress, scaled, scenario } from '../lib/scenario.js';
import { decodeBody } from '../../src/infrastructure/demo/demo-outbox.js';

const ELECTION_FILE = new URL('../../../examples/paris-2013.election.json', import.meta.url);
const CONCURRENCY = 16;
/** Submissions are not seen by the direct path's network signal: another (made-up) address. */
const DIRECT_CLIENT_ADDRESS = '10.20.30.40';

const SUBMIT = `mutation($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId status } }`;
const CONFIRM_EMAIL = `mutation($input: ConfirmRegistrationContactInput!) { confirmRegistrationEmail(input: $input) { status } }`;
const CONFIRM_PHONE = `mutation($input: ConfirmRegistrationContactInput!) { confirmRegistrationPhone(input: $input) { status } }`;

interface Person {
  lastName: string;
  firstNames: string;
  birthDate: string;
  postalAddress: string;
  email: string;
  phone: string;
  commandId: string;
}

/** mulberry32, seeded: the same people every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/** Waits until the outbox holds `expected` confirmation messages, then reads every code: registrationId → codes. */
async function readOutboxCodes(dir: string, expected: number, timeoutMs: number): Promise<Map<string, { email?: string; phone?: string }>> {
  const deadline = performance.now() + timeoutMs;
  const pattern = /registration-(email|phone)-confirmation-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(email|phone)\./;
  let names: string[] = [];
  for (;;) {
    try {
      names = readdirSync(dir).filter((name) => !name.endsWith('.partial') && pattern.test(name));
    } catch {
      names = [];
    }
    progress(`waiting for the outbox: ${names.length.toLocaleString('en')} / ${expected.toLocaleString('en')} messages`);
    if (names.length >= expected) break;
    if (performance.now() > deadline) throw new Error(`the outbox holds ${names.length} of the ${expected} confirmation messages after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const codes = new Map<string, { email?: string; phone?: string }>();
  for (const name of names) {
    const [, , registrationId, channel] = pattern.exec(name)!;
    const raw = await readFile(join(dir, name), 'utf8');
    const code = /code[^\d\n]{0,20}(\d{6,8})/i.exec(channel === 'email' ? decodeBody(raw) : raw)?.[1];
    if (!code) throw new Error(`no code in ${name}`);
    const entry = codes.get(registrationId!) ?? {};
    entry[channel as 'email' | 'phone'] = code;
    codes.set(registrationId!, entry);
  }
  return codes;
}

/** Runs `items` with CONCURRENCY in flight, recording each one's latency (ms); returns the wall time (s). */
async function timedRun<T>(items: readonly T[], latencies: number[], work: (item: T) => Promise<void>, onDone: () => void): Promise<number> {
  const start = performance.now();
  await forEachConcurrently(items, CONCURRENCY, async (item) => {
    const at = performance.now();
    await work(item);
    latencies.push(performance.now() - at);
    onDone();
  });
  return (performance.now() - start) / 1000;
}

scenario(async (context) => {
  const rollSize = scaled(context, 20_000);
  const count = scaled(context, 3_000);
  const warmUp = Math.min(CONCURRENCY * 2, Math.floor(count / 10));
  const chunk = Math.max(CONCURRENCY * 4, Math.ceil(count / 6));
  if (2 * (count + warmUp) > rollSize) throw new Error(`a roll of ${rollSize} rows is too small for 2 x ${count + warmUp} registrations`);

  // The outbox sender prints one line per message on stderr: thousands here. Keep them out of the driver's log.
  const writeStderr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunkOut: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunkOut === 'string' && /^urne: (e-mail|SMS) "registration-/.test(chunkOut)) return true;
    return (writeStderr as (...args: unknown[]) => boolean)(chunkOut, ...rest);
  }) as typeof process.stderr.write;

  const dataDir = join(context.dir, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_EVENT_STORE: 'sqlite', URNE_SQLITE_SYNCHRONOUS: 'FULL' };
  delete env.URNE_SMTP_URL;
  delete env.URNE_SMS_GATEWAY_URL;
  const config = loadConfig(env);
  const logger = createLogger({ logLevel: 'error' }, process.stderr);
  const election = JSON.parse(readFileSync(ELECTION_FILE, 'utf8')) as { electionId: string; [field: string]: unknown };
  const electionId = election.electionId;
  // Before every date of the election (the declaration must precede them).
  const clock = new ManualClock(new Date(Date.parse('2013-05-06T10:00:00Z') - 30 * 24 * 3600_000));

  progress('booting the application', true);
  const server = await startServer(config, { logger, clock });
  const { app } = server;
  try {
    const store = app.get<EventStore>(EVENT_STORE);
    const vault = app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    const commandBus = app.get(CommandBus);
    const anonymous = new DemoGraphqlClient(server.graphqlUrl);
    const council: CreatedStaffAccount = await commandBus.execute(
      new CreateStaffAccountCommand(randomUUID(), { username: `bench-council-${randomUUID().slice(0, 8)}`, role: 'council', password: `bench-${randomUUID()}` }, 'system:bench'),
    );
    const signIn = async () => anonymous.withToken((await app.get<StaffSessions>(STAFF_SESSIONS).create(council)).token);

    // The floor of the HTTP path in this process: a trivial query, same client, same concurrency, idle server.
    const bareLatencies: number[] = [];
    const bareItems = Array.from({ length: count + warmUp }, (_, i) => i);
    await forEachConcurrently(bareItems.slice(0, warmUp), CONCURRENCY, async () => void (await anonymous.request('{ __typename }')));
    const bareSeconds = await timedRun(bareItems.slice(warmUp), bareLatencies, async () => void (await anonymous.request('{ __typename }')), () => progress('bare GraphQL round trips'));

    progress('declaring the election', true);
    const { electionId: _id, ...rest } = election;
    const declared = await (await signIn()).request<{ declareElection: { dates: { registrationOpensAt: string; registrationClosesAt: string } } }>(
      `mutation($input: DeclareElectionInput!) { declareElection(input: $input) { dates { registrationOpensAt registrationClosesAt } } }`,
      { input: { electionId, ...rest, commandId: `bench-declare-${electionId}` } },
    );

    const rollFile = join(context.dir, 'roll.csv');
    await generateRoll(rollFile, { size: rollSize, arrondissements: 20, seed: 2013, onProgress: (rows) => progress(`generating the roll: ${rows.toLocaleString('en')} rows`) });
    const imported = await new ElectoralRollImporter(store, vault).import(
      { electionId, file: rollFile, sourceName: 'roll.csv', actor: council.staffId },
      { onProgress: (p) => progress(`roll import: ${p.phase} ${p.rows.toLocaleString('en')} / ${rollSize.toLocaleString('en')} rows`) },
    );
    if (imported.status !== 'imported' || imported.rows !== rollSize) throw new Error(`the roll import gave ${JSON.stringify(imported)}`);
    progress('waiting for the read models', true);
    const projections = app.get(ProjectionsService);
    const head = await store.headPosition();
    if (head !== null) await Promise.all(['electoral-roll', 'registration-signals'].map((name) => projections.runner(name)?.waitForPosition(head)));

    // An hour into the registration window; the clock stays there (codes do not expire meanwhile).
    const opensAt = Date.parse(declared.declareElection.dates.registrationOpensAt);
    if (opensAt + 3600_000 >= Date.parse(declared.declareElection.dates.registrationClosesAt)) throw new Error('the registration window is too short');
    clock.set(new Date(opensAt + 3600_000));
    await (await signIn()).request(`mutation($input: RegistrationThresholdsInput!) { setRegistrationThresholds(input: $input) }`, {
      input: { electionId, maxPerEmail: 2, maxPerPhone: 2, maxPerPaymentFingerprint: 3, maxPerNetworkPerHour: 1_000_000, commandId: `bench-thresholds-${electionId}` },
    });

    // Distinct people of the roll, in a seeded order; each with their own e-mail and phone.
    const rows = readFileSync(rollFile, 'utf8').split('\n').slice(1).filter((line) => line.length > 0).map((line) => line.split(';'));
    const next = seeded(2013);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const seen = new Set<string>();
    const people: Person[] = [];
    for (const r of rows) {
      const identity = `${r[0]}|${r[1]}|${r[2]}`.toLowerCase();
      if (seen.has(identity)) continue; // a homonym born the same day: one of them only
      seen.add(identity);
      const n = people.length + 1;
      people.push({
        lastName: r[0]!,
        firstNames: r[1]!,
        birthDate: r[2]!,
        postalAddress: r[3]!,
        email: `bench-${n}@example.org`,
        phone: `+33 6 ${String(10_000_000 + n).slice(-8).replace(/(\d\d)(?=\d)/g, '$1 ')}`,
        commandId: `bench-registration-${n}`,
      });
      if (people.length === 2 * (count + warmUp)) break;
    }
    if (people.length < 2 * (count + warmUp)) throw new Error(`only ${people.length} distinct people on the roll`);
    const viaGraphql = people.slice(0, count + warmUp);
    const viaBus = people.slice(count + warmUp);

    const statuses: Record<string, number> = {};
    const registrationIds = new Map<Person, string>();
    const submitGraphql = async (person: Person) => {
      const { commandId, ...fields } = person;
      const data = await anonymous.request<{ submitRegistration: { registrationId: string; status: string } }>(SUBMIT, { input: { electionId, ...fields, commandId } });
      registrationIds.set(person, data.submitRegistration.registrationId);
      statuses[data.submitRegistration.status] = (statuses[data.submitRegistration.status] ?? 0) + 1;
    };
    const submitDirect = async (person: Person) => {
      const input = { electionId, ...person } as SubmitRegistrationInput;
      const result = await commandBus.execute(new SubmitRegistrationCommand(input, DIRECT_CLIENT_ADDRESS, 'anonymous'));
      registrationIds.set(person, result.registrationId);
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    };

    // Untimed warm-up of both paths (JIT, connections, caches).
    progress('warming up', true);
    await forEachConcurrently(viaGraphql.slice(0, warmUp), CONCURRENCY, submitGraphql);
    await forEachConcurrently(viaBus.slice(0, warmUp), CONCURRENCY, submitDirect);
    collectGarbage();

    // Interleaved chunks: GraphQL, direct, GraphQL, direct...
    const graphqlLatencies: number[] = [];
    const directLatencies: number[] = [];
    let graphqlSeconds = 0;
    let directSeconds = 0;
    let submitted = 0;
    const onSubmitted = () => {
      submitted++;
      progress(`submitting: ${submitted.toLocaleString('en')} / ${(2 * count).toLocaleString('en')} registrations (GraphQL and direct, ${CONCURRENCY} in flight)`);
    };
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    for (let start = warmUp; start < count + warmUp; start += chunk) {
      graphqlSeconds += await timedRun(viaGraphql.slice(start, Math.min(start + chunk, count + warmUp)), graphqlLatencies, submitGraphql, onSubmitted);
      directSeconds += await timedRun(viaBus.slice(start, Math.min(start + chunk, count + warmUp)), directLatencies, submitDirect, onSubmitted);
    }
    loopDelay.disable();
    const flagged = statuses['in-review'] ?? 0;
    if (flagged > (2 * (count + warmUp)) / 100) throw new Error(`${flagged} registrations were flagged (statuses ${JSON.stringify(statuses)}): the thresholds did not apply`);

    // Confirmation: codes from the outbox (untimed), then e-mail + phone for every registration.
    const total = 2 * (count + warmUp);
    const codes = await readOutboxCodes(config.outboxDir, 2 * total, Math.max(120_000, total * 50));
    const codesOf = (person: Person) => {
      const id = registrationIds.get(person)!;
      const entry = codes.get(id);
      if (!entry?.email || !entry.phone) throw new Error(`no codes in the outbox for registration ${id}`);
      return { registrationId: id, email: entry.email, phone: entry.phone };
    };
    const confirmedStatuses: Record<string, number> = {};
    const confirmGraphql = async (person: Person) => {
      const { registrationId, email, phone } = codesOf(person);
      await anonymous.request(CONFIRM_EMAIL, { input: { registrationId, code: email } });
      const data = await anonymous.request<{ confirmRegistrationPhone: { status: string } }>(CONFIRM_PHONE, { input: { registrationId, code: phone } });
      confirmedStatuses[data.confirmRegistrationPhone.status] = (confirmedStatuses[data.confirmRegistrationPhone.status] ?? 0) + 1;
    };
    const confirmDirect = async (person: Person) => {
      const { registrationId, email, phone } = codesOf(person);
      await commandBus.execute(new ConfirmContactCommand({ registrationId, code: email } as ConfirmContactInput, 'email', 'anonymous'));
      const result = await commandBus.execute(new ConfirmContactCommand({ registrationId, code: phone } as ConfirmContactInput, 'phone', 'anonymous'));
      confirmedStatuses[result.status] = (confirmedStatuses[result.status] ?? 0) + 1;
    };
    progress('warming up the confirmations', true);
    await forEachConcurrently(viaGraphql.slice(0, warmUp), CONCURRENCY, confirmGraphql);
    await forEachConcurrently(viaBus.slice(0, warmUp), CONCURRENCY, confirmDirect);
    collectGarbage();
    const confirmGraphqlLatencies: number[] = [];
    const confirmDirectLatencies: number[] = [];
    let confirmGraphqlSeconds = 0;
    let confirmDirectSeconds = 0;
    let confirmed = 0;
    const onConfirmed = () => {
      confirmed++;
      progress(`confirming: ${confirmed.toLocaleString('en')} / ${(2 * count).toLocaleString('en')} registrations (e-mail + phone)`);
    };
    for (let start = warmUp; start < count + warmUp; start += chunk) {
      confirmGraphqlSeconds += await timedRun(viaGraphql.slice(start, Math.min(start + chunk, count + warmUp)), confirmGraphqlLatencies, confirmGraphql, onConfirmed);
      confirmDirectSeconds += await timedRun(viaBus.slice(start, Math.min(start + chunk, count + warmUp)), confirmDirectLatencies, confirmDirect, onConfirmed);
    }
    process.stderr.write(`registration statuses after submission: ${JSON.stringify(statuses)}; after confirmation: ${JSON.stringify(confirmedStatuses)}\n`);

    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const gl = sorted(graphqlLatencies);
    const dl = sorted(directLatencies);
    const cgl = sorted(confirmGraphqlLatencies);
    const cdl = sorted(confirmDirectLatencies);
    const label = `${CONCURRENCY} in flight, FULL`;
    return {
      figures: [
        { name: `registration-graphql: submitRegistration/s over HTTP GraphQL (${label})`, value: count / graphqlSeconds, unit: 'registrations/s', baseline: count / directSeconds },
        { name: 'registration-graphql: submitRegistration latency p50 (GraphQL)', value: percentile(gl, 50), unit: 'ms' },
        { name: 'registration-graphql: submitRegistration latency p99 (GraphQL)', value: percentile(gl, 99), unit: 'ms' },
        { name: 'registration-graphql: SubmitRegistrationCommand latency p50 (CommandBus)', value: percentile(dl, 50), unit: 'ms' },
        { name: 'registration-graphql: SubmitRegistrationCommand latency p99 (CommandBus)', value: percentile(dl, 99), unit: 'ms' },
        { name: `registration-graphql: confirmations/s over GraphQL, e-mail + phone (${label})`, value: count / confirmGraphqlSeconds, unit: 'registrations/s', baseline: count / confirmDirectSeconds },
        { name: 'registration-graphql: confirmation latency p50 (GraphQL, both mutations)', value: percentile(cgl, 50), unit: 'ms' },
        { name: 'registration-graphql: confirmation latency p99 (GraphQL, both mutations)', value: percentile(cgl, 99), unit: 'ms' },
        { name: 'registration-graphql: confirmation latency p50 (CommandBus, both commands)', value: percentile(cdl, 50), unit: 'ms' },
        { name: 'registration-graphql: event-loop delay p99 while submitting', value: loopDelay.percentile(99) / 1e6, unit: 'ms' },
        { name: 'registration-graphql: event-loop delay max while submitting', value: loopDelay.max / 1e6, unit: 'ms' },
        { name: `registration-graphql: bare GraphQL round trips/s ({ __typename }, ${CONCURRENCY} in flight, idle server)`, value: count / bareSeconds, unit: 'requests/s' },
        { name: 'registration-graphql: bare GraphQL round trip latency p50', value: percentile(sorted(bareLatencies), 50), unit: 'ms' },
        { name: 'registration-graphql: registrations per path', value: count, unit: 'registrations' },
        { name: 'registration-graphql: roll rows', value: rollSize, unit: 'rows' },
      ],
    };
  } finally {
    await app.close();
  }
});
