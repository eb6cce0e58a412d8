/**
 * ballot-cast: ballots accepted per second end to end (castBallot over HTTP GraphQL: guard,
 * validation, session check, proofs, the ballot box's atomic append, turnout updated), with p50 and
 * p99 latency, one question of 5 candidates plus blank.
 *
 * Set-up (untimed), as in test/vote/vote.e2e.spec.ts: the real application booted in this process
 * (`startServer`, port 0, the file outbox, a ManualClock, URNE_TRUST_PROXY=1 so that each voter
 * comes from their own X-Forwarded-For address, as the sign-in rate limits count per address);
 * the 2013 example election with 5 certified candidates; a synthetic roll; 2 x (N + warm-up)
 * people registered and confirmed through the CommandBus (codes read from the outbox files); the
 * council prepares the round (server key + one trustee) and issues the credentials (access codes
 * read from the outbox); the trustee's key, the election key, the seal; the ballot box opens on
 * schedule (BallotBoxSchedule.tick()); every voter signs in to vote through the real mutations
 * (requestVotingCode, the SMS code from the outbox, signInToVote). Meanwhile the booth
 * (createBallot: it runs on the voters' devices) makes every ballot in two worker threads. The
 * set-up runs with the event store at synchronous NORMAL; the application is then restarted on the
 * same data folder at synchronous FULL, for everything measured.
 *
 * Timed, N = 2,000 ballots per path (200 with --quick), 8 in flight, after an untimed warm-up of
 * each path, in six rounds of chunks so that all three see the same ballot box and machine:
 *  (a) castBallot over HTTP GraphQL with the voter's session token; after each chunk, the time
 *      from the last answer until the `turnout` query (council) counts every voter who has cast;
 *  (b) the same kind of ballots (other voters) as the CastBallotCommand the resolver builds, sent
 *      straight to the CommandBus (no HTTP, no GraphQL);
 *  (c) verifyBallot alone over the ballots of (a)'s chunk, one at a time on the main thread, with
 *      the server's kind of BeleniosCrypto: what the proofs cost (the server checks them on its
 *      verifier threads, URNE_VERIFIER_THREADS, one per core by default).
 * Throws unless every receipt carries the booth's tracking number and every verdict is ok.
 */
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { CertifyCandidateCommand } from '../../src/application/candidacy/certify-candidate/certify-candidate.command.js';
import { DeclareCandidateCommand } from '../../src/application/candidacy/declare-candidate/declare-candidate.command.js';
import { SetBallotOrderCommand } from '../../src/application/candidacy/set-ballot-order/set-ballot-order.command.js';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { STAFF_SESSIONS, type StaffSessions } from '../../src/application/ports/sessions.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { ConfirmContactCommand, type ConfirmContactInput } from '../../src/application/registration/confirm-contact/confirm-contact.command.js';
import { SubmitRegistrationCommand, type SubmitRegistrationInput } from '../../src/application/registration/submit-registration/submit-registration.command.js';
import { CreateStaffAccountCommand, type CreatedStaffAccount } from '../../src/application/staff/create-staff-account/create-staff-account.command.js';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { CastBallotCommand, type CastBallotInput, type CastReceipt } from '../../src/application/vote/cast-ballot/cast-ballot.command.js';
import { verifyBallot } from '../../src/domain/belenios/ballot-verification.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { parseElection } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { provePossession, trusteePublicKeyToJson } from '../../src/domain/belenios/trustee-key.js';
import { voterSignInStream } from '../../src/domain/voter-sign-in/voter-sign-in.events.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { DemoGraphqlError, forEachConcurrently } from '../../src/infrastructure/demo/demo-graphql.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { generateRoll } from '../../src/infrastructure/reference-data/synthetic-lists.js';
import { startServer } from '../../src/main.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { collectGarbage, percentile, progress, scaled, scenario } from '../lib/scenario.js';
import { decodeBody } from '../../src/infrastructure/demo/demo-outbox.js';

const ELECTION_FILE = new URL('../../../examples/paris-2013.election.json', import.meta.url);
const CONCURRENCY = 8;
/** Set-up requests (registrations, sign-ins) in flight. */
const SETUP_CONCURRENCY = 32;
const CANDIDATES = [
  ['nkm', 'Nathalie Kosciusko-Morizet'],
  ['pierre', 'Pierre-Yves Bournazel'],
  ['jean', 'Jean-François Legaret'],
  ['franck', 'Franck Margain'],
  ['charles', 'Charles Beigbeder'],
] as const;

const CAST = `mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber replacedEarlierBallot } }`;
const TURNOUT = `query ($e: String!) { turnout(electionId: $e) { registered voted } }`;
const ROUND = 'stage missing electionJson seal';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Outbox file names: `<stamp>-<template>-<notification id>-<attempt>.<eml|txt>`; every notification id here holds the registration id. */
const TEMPLATES = {
  email: new RegExp(`-registration-email-confirmation-(${UUID})\\.`),
  phone: new RegExp(`-registration-phone-confirmation-(${UUID})\\.`),
  access: new RegExp(`-access-code-access-.*?(${UUID})-\\d+\\.eml$`),
  voting: new RegExp(`-voting-sign-in-code-votingcode\\.(${UUID})\\.`),
} as const;
type Template = keyof typeof TEMPLATES;
const CODE_IN: Record<Template, RegExp> = {
  email: /code[^\d\n]{0,20}(\d{6,8})/i,
  phone: /code[^\d\n]{0,20}(\d{6,8})/i,
  access: /pour voter[^:]*: ([1-9A-HJ-NP-Za-km-z]{3}(?:-[1-9A-HJ-NP-Za-km-z]{3}){4})/,
  voting: /: (\d{6,8})/,
};

interface Voter {
  person: { lastName: string; firstNames: string; birthDate: string; postalAddress: string; email: string; phone: string; commandId: string };
  /** Their own client address (X-Forwarded-For; the registration's network signal). */
  address: string;
  registrationId?: string;
  accessCode?: string;
  token?: string;
  sessionId?: string;
  ballot?: { text: string; trackingNumber: string };
}


/** The file outbox, read as the voters would read their mail and SMS: template → registration id → code (latest). */
class Outbox {
  private readonly seen = new Set<string>();
  readonly codes: Record<Template, Map<string, string>> = { email: new Map(), phone: new Map(), access: new Map(), voting: new Map() };

  constructor(private readonly dir: string) {}

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (this.seen.has(name) || name.endsWith('.partial')) continue;
      this.seen.add(name);
      for (const template of Object.keys(TEMPLATES) as Template[]) {
        const registrationId = TEMPLATES[template].exec(name)?.[1];
        if (!registrationId) continue;
        const raw = await readFile(join(this.dir, name), 'utf8');
        const code = CODE_IN[template].exec(name.endsWith('.eml') ? decodeBody(raw) : raw)?.[1];
        if (!code) throw new Error(`no code in ${name}`);
        this.codes[template].set(registrationId, code);
      }
    }
  }

  private polling: Promise<void> | null = null;

  /** The code of the `template` message to this registration, once it is in the outbox (one scan every 100 ms, shared by every waiter). */
  async code(template: Template, registrationId: string, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const code = this.codes[template].get(registrationId);
      if (code !== undefined) return code;
      if (performance.now() > deadline) throw new Error(`no ${template} message for registration ${registrationId} in the outbox after ${timeoutMs / 1000} s`);
      this.polling ??= new Promise((resolve) => setTimeout(resolve, 100)).then(() => this.scan()).finally(() => (this.polling = null));
      await this.polling;
    }
  }

  /** Waits until every one of `registrationIds` has a `template` message; returns their codes. */
  async waitFor(template: Template, registrationIds: readonly string[], timeoutMs: number): Promise<string[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await this.scan();
      const missing = registrationIds.filter((id) => !this.codes[template].has(id)).length;
      progress(`waiting for the outbox: ${(registrationIds.length - missing).toLocaleString('en')} / ${registrationIds.length.toLocaleString('en')} ${template} messages`);
      if (missing === 0) return registrationIds.map((id) => this.codes[template].get(id)!);
      if (performance.now() > deadline) throw new Error(`${missing} of ${registrationIds.length} ${template} messages missing from the outbox after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** GraphQL over HTTP with an optional bearer token and X-Forwarded-For (the server trusts one proxy hop). */
async function gql<T>(url: string, query: string, variables: Record<string, unknown>, options: { token?: string; address?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.address) headers['x-forwarded-for'] = options.address;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`, { cause: error });
  }
  const text = await response.text();
  let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new DemoGraphqlError(`HTTP_${response.status}`, `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (body.errors && body.errors.length > 0) throw new DemoGraphqlError(body.errors[0]!.extensions?.code ?? 'GRAPHQL_ERROR', body.errors[0]!.message);
  if (!body.data) throw new DemoGraphqlError(`HTTP_${response.status}`, `no data in the answer (HTTP ${response.status})`);
  return body.data;
}

interface PathStats {
  latencies: number[];
  seconds: number;
  cpuMicros: number;
}

/** Runs `items` with CONCURRENCY in flight, adding each one's latency (ms), the wall time and the process CPU time to `stats`. */
async function timedRun<T>(items: readonly T[], stats: PathStats, work: (item: T) => Promise<void>, onDone: () => void): Promise<void> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await forEachConcurrently(items, CONCURRENCY, async (item) => {
    const at = performance.now();
    await work(item);
    stats.latencies.push(performance.now() - at);
    onDone();
  });
  stats.seconds += (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  stats.cpuMicros += used.user + used.system;
}

/** The booth in worker threads (this same file): each makes its share of the ballots, BOOTH_CONCURRENCY at a time (PBKDF2 runs on libuv's pool). */
const BOOTH_THREADS = 2;
const BOOTH_CONCURRENCY = 4;
interface BoothJob {
  electionJson: string;
  items: Array<{ accessCode: string; choice: number }>;
}
type MadeBallot = { text: string; trackingNumber: string };

async function runBooth(electionJson: string, items: BoothJob['items']): Promise<MadeBallot[]> {
  const share = Math.ceil(items.length / BOOTH_THREADS);
  const parts = await Promise.all(
    Array.from({ length: BOOTH_THREADS }, (_, t) => {
      const workerData: BoothJob = { electionJson, items: items.slice(t * share, (t + 1) * share) };
      return new Promise<MadeBallot[]>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`a booth thread exited with ${code}`)));
      });
    }),
  );
  return parts.flat();
}

async function boothThread(job: BoothJob): Promise<void> {
  const crypto = nodeBeleniosCrypto();
  const election = await parseElection(job.electionJson, crypto.sha256);
  const made: MadeBallot[] = new Array(job.items.length);
  await forEachConcurrently(job.items, BOOTH_CONCURRENCY, async ({ accessCode, choice }, i) => {
    const row = [0, 0, 0, 0, 0, 0];
    row[choice] = 1;
    const created = await createBallot(election, accessCode, [row], crypto);
    made[i] = { text: created.text, trackingNumber: created.trackingNumber };
  });
  parentPort!.postMessage(made);
}

if (!isMainThread) void boothThread(workerData as BoothJob);
else scenario(async (context) => {
  const count = scaled(context, 2_000);
  const warmUp = Math.min(CONCURRENCY * 2, Math.floor(count / 10));
  const chunk = Math.max(CONCURRENCY * 4, Math.ceil(count / 6));
  const voterCount = 2 * (count + warmUp);
  const rollSize = Math.max(1_000, 3 * voterCount);

  // The outbox sender prints one line per message on stderr: thousands here. Keep them out of the driver's log.
  const writeStderr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((text: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof text === 'string' && /^urne: (e-mail|SMS) "/.test(text)) return true;
    return (writeStderr as (...args: unknown[]) => boolean)(text, ...rest);
  }) as typeof process.stderr.write;

  const dataDir = join(context.dir, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_EVENT_STORE: 'sqlite', URNE_TRUST_PROXY: '1' };
  delete env.URNE_SMTP_URL;
  delete env.URNE_SMS_GATEWAY_URL;
  /** The set-up runs with the event store at synchronous NORMAL (a quarter of its time is commits otherwise); the measured part at FULL, after a restart. */
  const configFor = (synchronous: 'NORMAL' | 'FULL') => loadConfig({ ...env, URNE_SQLITE_SYNCHRONOUS: synchronous });
  const config = configFor('FULL');
  const logger = createLogger({ logLevel: 'error' }, process.stderr);
  const election = JSON.parse(readFileSync(ELECTION_FILE, 'utf8')) as DeclareElectionInput;
  const electionId = election.electionId;
  const clock = new ManualClock('2013-04-15T10:00:00.000Z');
  const setupStart = performance.now();
  const phases: string[] = [];
  let phaseStart = setupStart;
  const phase = (name: string) => {
    const now = performance.now();
    phases.push(`${name} ${((now - phaseStart) / 1000).toFixed(1)} s`);
    phaseStart = now;
  };

  progress('booting the application', true);
  let server = await startServer(configFor('NORMAL'), { logger, clock });
  try {
    let app = server.app;
    let graphqlUrl = server.graphqlUrl;
    let store = app.get<EventStore>(EVENT_STORE);
    let bus = app.get(CommandBus);
    let projections = app.get(ProjectionsService);
    const vault = app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    const outbox = new Outbox(config.outboxDir);
    const catchUp = async () => {
      const head = await store.headPosition();
      if (head === null) return;
      const names = (await projections.statuses()).map((status) => status.name);
      await Promise.all(names.map((name) => projections.runner(name)?.waitForPosition(head)));
    };
    const staff = async (role: 'council' | 'trustee') => {
      const account: CreatedStaffAccount = await bus.execute(
        new CreateStaffAccountCommand(randomUUID(), { username: `bench-${role}-${randomUUID().slice(0, 8)}`, role, password: `bench-${randomUUID()}` }, 'system:bench'),
      );
      return { account, token: async () => (await app.get<StaffSessions>(STAFF_SESSIONS).create(account)).token };
    };
    const council = await staff('council');
    const trustee = await staff('trustee');

    // The election, without sponsorship (candidates are certified directly), 5 candidates in ballot order.
    progress('declaring the election and its candidates', true);
    await bus.execute(new DeclareElectionCommand({ ...election, sponsorship: [] } as DeclareElectionInput, `bench-declare-${electionId}`, 'system:bench'));
    for (const [candidateId, name] of CANDIDATES) {
      await bus.execute(new DeclareCandidateCommand({ electionId, candidateId, name }, `bench-declare-${candidateId}`, 'system:bench'));
      await bus.execute(new CertifyCandidateCommand({ electionId, candidateId }, `bench-certify-${candidateId}`, 'system:bench'));
    }
    await bus.execute(new SetBallotOrderCommand({ electionId, candidateIds: CANDIDATES.map(([id]) => id), reason: 'public draw' }, 'bench-order', 'system:bench'));

    const rollFile = join(context.dir, 'roll.csv');
    await generateRoll(rollFile, { size: rollSize, arrondissements: 20, seed: 2013, onProgress: (rows) => progress(`generating the roll: ${rows.toLocaleString('en')} rows`) });
    const imported = await new ElectoralRollImporter(store, vault).import(
      { electionId, file: rollFile, sourceName: 'roll.csv', actor: council.account.staffId },
      { onProgress: (p) => progress(`roll import: ${p.phase} ${p.rows.toLocaleString('en')} / ${rollSize.toLocaleString('en')} rows`) },
    );
    if (imported.status !== 'imported' || imported.rows !== rollSize) throw new Error(`the roll import gave ${JSON.stringify(imported)}`);
    progress('waiting for the read models', true);
    await catchUp();
    phase('boot + election + roll');

    // Registration: distinct people of the roll, each with their own e-mail, phone and address.
    clock.set('2013-05-10T09:00:00.000Z');
    await gql(graphqlUrl, `mutation($input: RegistrationThresholdsInput!) { setRegistrationThresholds(input: $input) }`, {
      input: { electionId, maxPerEmail: 2, maxPerPhone: 2, maxPerPaymentFingerprint: 3, maxPerNetworkPerHour: 1_000_000, commandId: `bench-thresholds-${electionId}` },
    }, { token: await council.token() });
    const seen = new Set<string>();
    const voters: Voter[] = [];
    for (const line of readFileSync(rollFile, 'utf8').split('\n').slice(1)) {
      const r = line.split(';');
      if (r.length < 4) continue;
      const identity = `${r[0]}|${r[1]}|${r[2]}`.toLowerCase();
      if (seen.has(identity)) continue; // a homonym born the same day: one of them only
      seen.add(identity);
      const n = voters.length + 1;
      voters.push({
        person: {
          lastName: r[0]!,
          firstNames: r[1]!,
          birthDate: r[2]!,
          postalAddress: r[3]!,
          email: `bench-voter-${n}@example.org`,
          phone: `+33 6 ${String(10_000_000 + n).slice(-8).replace(/(\d\d)(?=\d)/g, '$1 ')}`,
          commandId: `bench-registration-${n}`,
        },
        address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      });
      if (voters.length === voterCount) break;
    }
    if (voters.length < voterCount) throw new Error(`only ${voters.length} distinct people on the roll`);
    // Each person submits, reads both codes, confirms both: a pipeline, SETUP_CONCURRENCY people at a time.
    const timeoutMs = Math.max(60_000, voterCount * 50);
    const statuses: Record<string, number> = {};
    await forEachConcurrently(voters, SETUP_CONCURRENCY, async (voter) => {
      const { registrationId } = await bus.execute(new SubmitRegistrationCommand({ electionId, ...voter.person } as SubmitRegistrationInput, voter.address, 'anonymous'));
      voter.registrationId = registrationId;
      const email = await outbox.code('email', registrationId, timeoutMs);
      await bus.execute(new ConfirmContactCommand({ registrationId, code: email } as ConfirmContactInput, 'email', 'anonymous'));
      const phone = await outbox.code('phone', registrationId, timeoutMs);
      const { status } = await bus.execute(new ConfirmContactCommand({ registrationId, code: phone } as ConfirmContactInput, 'phone', 'anonymous'));
      statuses[status] = (statuses[status] ?? 0) + 1;
    }, (done) => progress(`registering (submit, codes from the outbox, confirmations): ${done.toLocaleString('en')} / ${voterCount.toLocaleString('en')}`));
    const ids = voters.map((voter) => voter.registrationId!);
    if (statuses.approved !== voterCount) throw new Error(`registration statuses ${JSON.stringify(statuses)}: every voter should be approved`);
    phase('registrations');

    // The round: prepared, credentials issued (access codes by e-mail), trustee key, election key, seal.
    clock.set('2013-05-29T08:00:00.000Z');
    await catchUp();
    const asCouncil = async <T>(query: string, input: Record<string, unknown>) => gql<T>(graphqlUrl, query, { input }, { token: await council.token() });
    progress('preparing the round', true);
    await asCouncil(`mutation ($input: PrepareVoteInput!) { prepareVote(input: $input) { ${ROUND} } }`, { electionId, singleTrustees: [trustee.account.username], credentialRecovery: 'keep' });
    progress(`issuing ${voterCount.toLocaleString('en')} credentials`, true);
    const issued = await asCouncil<{ issueCredentials: { voters: number } }>(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`, { electionId });
    if (issued.issueCredentials.voters !== voterCount) throw new Error(`credentials issued to ${issued.issueCredentials.voters} voters, not ${voterCount}`);
    phase('issueCredentials');
    const crypto = nodeBeleniosCrypto();
    const trusteeKey = crypto.randomExponent(BELENIOS_2048);
    const key = JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, trusteeKey, crypto)));
    await gql(graphqlUrl, `mutation ($input: SubmitTrusteeKeyInput!) { submitTrusteeKey(input: $input) { ${ROUND} } }`, { input: { electionId, key } }, { token: await trustee.token() });
    const published = await asCouncil<{ publishElectionKey: { electionJson: string } }>(`mutation ($input: VoteRoundInput!) { publishElectionKey(input: $input) { ${ROUND} } }`, { electionId });
    await asCouncil(`mutation ($input: VoteRoundInput!) { sealVote(input: $input) { ${ROUND} } }`, { electionId });
    phase('keys + seal');
    const belenios = await parseElection(published.publishElectionKey.electionJson, crypto.sha256);
    const question = belenios.questions[0]!;
    if (question.answers.length !== 5 || question.blank !== true) throw new Error(`the question has ${question.answers.length} answers, blank ${question.blank}: expected 5 plus blank`);
    const accessCodes = await outbox.waitFor('access', ids, timeoutMs);
    voters.forEach((voter, i) => (voter.accessCode = accessCodes[i]));
    // The booth, on the voters' devices (worker threads, while the voters sign in): blank, then each candidate in turn.
    const boothStart = performance.now();
    const booth = runBooth(published.publishElectionKey.electionJson, voters.map((voter, i) => ({ accessCode: voter.accessCode!, choice: i % 6 })));
    booth.catch(() => undefined); // awaited below
    phase('round set-up + credentials');

    // The ballot box opens on schedule; every voter signs in through the real mutations.
    clock.set('2013-05-31T07:00:00.000Z');
    await app.get(BallotBoxSchedule).tick();
    await catchUp();
    await forEachConcurrently(voters, SETUP_CONCURRENCY, async (voter) => {
      await gql(graphqlUrl, `mutation ($input: RequestVotingCodeInput!) { requestVotingCode(input: $input) }`, { input: { electionId, email: voter.person.email } }, { address: voter.address });
      const code = await outbox.code('voting', voter.registrationId!, timeoutMs);
      const signed = await gql<{ signInToVote: { token: string } }>(
        graphqlUrl,
        `mutation ($input: SignInToVoteInput!) { signInToVote(input: $input) { token } }`,
        { input: { electionId, email: voter.person.email, code } },
        { address: voter.address },
      );
      voter.token = signed.signInToVote.token;
      // The session id CastBallotCommand carries (the resolver reads it from the token): from the VoterSignedIn just recorded.
      for await (const event of store.readStream(voterSignInStream(voter.registrationId!), { direction: 'backwards', maxCount: 1 })) {
        voter.sessionId = (event.data as { sessionId: string }).sessionId;
      }
    }, (done) => progress(`signing in to vote: ${done.toLocaleString('en')} / ${voterCount.toLocaleString('en')}`));
    phase('sign-ins');

    // The same data folder, the event store now at synchronous FULL: what is measured runs on this server.
    progress('restarting the application (synchronous FULL)', true);
    await catchUp();
    await app.close();
    server = await startServer(config, { logger, clock });
    app = server.app;
    // The client's connections sit idle while the other paths run (seconds): Node's default keep-alive of 5 s
    // would have the server close them just as the client reuses one ("fetch failed"). Idle time is not measured.
    app.getHttpServer().keepAliveTimeout = 600_000;
    graphqlUrl = server.graphqlUrl;
    store = app.get<EventStore>(EVENT_STORE);
    bus = app.get(CommandBus);
    projections = app.get(ProjectionsService);
    await catchUp();
    phase('restart');

    progress('waiting for the booth', true);
    (await booth).forEach((ballot, i) => (voters[i]!.ballot = ballot));
    const boothSeconds = (performance.now() - boothStart) / 1000;
    phase('booth (rest)');
    process.stderr.write(`set-up: ${phases.join(', ')}\n`);
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const viaGraphql = voters.slice(0, count + warmUp);
    const viaBus = voters.slice(count + warmUp);
    const receipt = (voter: Voter, got: { trackingNumber: string; replacedEarlierBallot: boolean }) => {
      if (got.trackingNumber !== voter.ballot!.trackingNumber || got.replacedEarlierBallot) throw new Error(`unexpected receipt ${JSON.stringify(got)}`);
    };
    const castGraphql = async (voter: Voter) => {
      const data = await gql<{ castBallot: CastReceipt }>(graphqlUrl, CAST, { input: { electionId, ballot: voter.ballot!.text } }, { token: voter.token!, address: voter.address });
      receipt(voter, data.castBallot);
    };
    const castDirect = async (voter: Voter) => {
      const input = { electionId, round: 1, ballot: voter.ballot!.text } as CastBallotInput;
      receipt(voter, await bus.execute(new CastBallotCommand(input, voter.registrationId!, voter.sessionId!)));
    };
    const councilToken = await council.token();
    let cast = 0;
    /** From the last cast's answer until `turnout` counts every voter who has cast (each poll is a round trip). */
    const turnoutDelay = async (): Promise<number> => {
      const start = performance.now();
      for (;;) {
        const { turnout } = await gql<{ turnout: { registered: number; voted: number } }>(graphqlUrl, TURNOUT, { e: electionId }, { token: councilToken });
        if (turnout.registered !== voterCount) throw new Error(`turnout counts ${turnout.registered} registered voters, not ${voterCount}`);
        if (turnout.voted >= cast) return performance.now() - start;
        if (performance.now() - start > 60_000) throw new Error(`turnout shows ${turnout.voted} voters a minute after ${cast} cast`);
      }
    };

    progress('warming up', true);
    const loadBefore = loadavg()[0]!;
    await forEachConcurrently(viaGraphql.slice(0, warmUp), CONCURRENCY, castGraphql);
    await forEachConcurrently(viaBus.slice(0, warmUp), CONCURRENCY, castDirect);
    cast = 2 * warmUp;
    await turnoutDelay();
    collectGarbage();

    const graphql: PathStats = { latencies: [], seconds: 0, cpuMicros: 0 };
    const direct: PathStats = { latencies: [], seconds: 0, cpuMicros: 0 };
    const delays: number[] = [];
    const onCast = () => {
      cast++;
      progress(`casting: ${(cast - 2 * warmUp).toLocaleString('en')} / ${(2 * count).toLocaleString('en')} ballots (GraphQL and CommandBus, ${CONCURRENCY} in flight)`);
    };
    // (c) verification alone: the ballots of (a), one at a time on this thread, with the server's kind of crypto
    // (a fresh instance: the server's remembers the membership checks of the ballots it has just verified), after
    // each pair of chunks, so that it sees the same machine.
    const verifier = nodeBeleniosCrypto();
    const verifyChunk = async (chunkVoters: readonly Voter[]) => {
      for (const voter of chunkVoters) {
        const verified = await verifyBallot(belenios, voter.ballot!.text, verifier);
        if (!verified.ok) throw new Error(`verifyBallot refused a ballot the server accepted: ${verified.reason}`);
      }
    };
    await verifyChunk(viaGraphql.slice(0, warmUp));
    collectGarbage();
    let verifySeconds = 0;
    let verifyMicros = 0;

    // Over (a) only: the direct path has no I/O between ballots, so it holds the event loop for a whole chunk.
    // Event-loop delay: how late a 10 ms timer fires, sampled only while (a) runs (microseconds).
    const loopDelay = createHistogram();
    const sampleLoopDelay = () => {
      let expected = performance.now() + 10;
      const timer = setInterval(() => {
        const now = performance.now();
        loopDelay.record(Math.max(1, Math.round((now - expected) * 1000)));
        expected = now + 10;
      }, 10);
      return () => clearInterval(timer);
    };
    for (let start = warmUp; start < count + warmUp; start += chunk) {
      const end = Math.min(start + chunk, count + warmUp);
      const stopSampling = sampleLoopDelay();
      await timedRun(viaGraphql.slice(start, end), graphql, castGraphql, onCast);
      stopSampling();
      delays.push(await turnoutDelay());
      await timedRun(viaBus.slice(start, end), direct, castDirect, onCast);
      await turnoutDelay(); // the next chunk starts on a caught-up read model
      progress(`verifyBallot alone: ballots ${start - warmUp + 1} to ${end - warmUp} of ${count.toLocaleString('en')}`, true);
      const cpu = process.cpuUsage();
      const at = performance.now();
      await verifyChunk(viaGraphql.slice(start, end));
      verifySeconds += (performance.now() - at) / 1000;
      const used = process.cpuUsage(cpu);
      verifyMicros += used.user + used.system;
    }

    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const gl = sorted(graphql.latencies);
    const dl = sorted(direct.latencies);
    const graphqlRate = count / graphql.seconds;
    const directRate = count / direct.seconds;
    const verifyRate = count / verifySeconds;
    const cpuMs = (stats: PathStats) => stats.cpuMicros / 1000 / count;
    const coresBusy = (stats: PathStats) => stats.cpuMicros / 1e6 / stats.seconds;
    const verifyCpuMs = verifyMicros / 1000 / count;
    process.stderr.write(
      `${count} ballots per path, ${CONCURRENCY} in flight, ${config.verifierThreads} verifier threads; set-up ${setupSeconds.toFixed(0)} s (${voterCount} voters; booth ${boothSeconds.toFixed(1)} s on ${BOOTH_THREADS} threads); ` +
        `process CPU per ballot: GraphQL ${cpuMs(graphql).toFixed(2)} ms, CommandBus ${cpuMs(direct).toFixed(2)} ms, verifyBallot alone ${verifyCpuMs.toFixed(2)} ms (${((100 * verifyCpuMs) / cpuMs(graphql)).toFixed(0)} % of GraphQL's); ` +
        `cores busy: GraphQL ${coresBusy(graphql).toFixed(2)}, CommandBus ${coresBusy(direct).toFixed(2)}; ` +
        `turnout delays (ms) ${delays.map((d) => d.toFixed(1)).join(', ')}; load average ${loadBefore.toFixed(1)} before casting, ${loadavg()[0]!.toFixed(1)} after verifying (${availableParallelism()} CPUs)\n`,
    );
    const label = `${CONCURRENCY} in flight, FULL, 5 candidates + blank`;
    return {
      figures: [
        { name: `ballot-cast: castBallot/s over HTTP GraphQL (${label})`, value: graphqlRate, unit: 'ballots/s', baseline: directRate },
        { name: 'ballot-cast: castBallot latency p50 (GraphQL)', value: percentile(gl, 50), unit: 'ms' },
        { name: 'ballot-cast: castBallot latency p99 (GraphQL)', value: percentile(gl, 99), unit: 'ms' },
        { name: 'ballot-cast: CastBallotCommand latency p50 (CommandBus)', value: percentile(dl, 50), unit: 'ms' },
        { name: 'ballot-cast: CastBallotCommand latency p99 (CommandBus)', value: percentile(dl, 99), unit: 'ms' },
        { name: 'ballot-cast: turnout updated after the last cast, max over chunks', value: Math.max(...delays), unit: 'ms' },
        { name: 'ballot-cast: turnout updated after the last cast, median over chunks', value: percentile(sorted(delays), 50), unit: 'ms' },
        { name: 'ballot-cast: verifyBallot alone, 1 thread (the same ballots)', value: verifyRate, unit: 'ballots/s' },
        { name: 'ballot-cast: castBallot over GraphQL against verifyBallot alone', value: graphqlRate, unit: 'ballots/s', baseline: verifyRate },
        { name: 'ballot-cast: process CPU per ballot (GraphQL)', value: cpuMs(graphql), unit: 'ms' },
        { name: 'ballot-cast: process CPU per ballot (CommandBus)', value: cpuMs(direct), unit: 'ms' },
        { name: 'ballot-cast: process CPU per ballot (verifyBallot alone)', value: verifyCpuMs, unit: 'ms' },
        { name: 'ballot-cast: verifyBallot share of the CPU per ballot (GraphQL)', value: (100 * verifyCpuMs) / cpuMs(graphql), unit: '%' },
        { name: 'ballot-cast: CPU cores busy while casting (GraphQL)', value: coresBusy(graphql), unit: 'cores' },
        { name: 'ballot-cast: event-loop delay p99 while casting (GraphQL)', value: loopDelay.percentile(99) / 1000, unit: 'ms' },
        { name: 'ballot-cast: verifier threads (URNE_VERIFIER_THREADS, auto: one per core)', value: config.verifierThreads, unit: 'threads' },
        { name: 'ballot-cast: ballots per path', value: count, unit: 'ballots' },
      ],
    };
  } finally {
    await server.app.close();
  }
});
