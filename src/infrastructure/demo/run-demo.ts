import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ManualClock } from '../../application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../application/ports/personal-data-vault.js';
import { STAFF_SESSIONS, type StaffSessions } from '../../application/ports/sessions.js';
import { ElectedOfficialsImporter } from '../../application/reference-data/import-elected-officials/import-elected-officials.js';
import { ElectoralRollImporter } from '../../application/reference-data/import-electoral-roll/import-electoral-roll.js';
import type { ImportOutcome, ImportProgress } from '../../application/reference-data/shared/versioned-csv-import.js';
import { CreateStaffAccountCommand, type CreatedStaffAccount } from '../../application/staff/create-staff-account/create-staff-account.command.js';
import { rollEntryIdFor } from '../../domain/reference-data/electoral-roll.js';
import { startServer, type RunningServer } from '../../main.js';
import { ProjectionsService } from '../../projections/projections.service.js';
import { loadConfig, ConfigError, type AppConfig } from '../config/app-config.js';
import { createEventStore } from '../event-store/create-event-store.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { createLogger } from '../logging/create-logger.js';
import { generateOfficials, generateRoll } from '../reference-data/synthetic-lists.js';
import { DemoGraphqlClient, DemoGraphqlError, forEachConcurrently } from './demo-graphql.js';
import { runRegistrations, type RegistrationOutcome } from './demo-registrations.js';
import { DemoProgress } from './demo-progress.js';
import { SingleTrustees, ThresholdGroup } from './demo-trustees.js';
import { runVote, type VoteOutcome } from './demo-vote.js';

/**
 * `urne demo`: the whole life of an election to its certified result, on synthetic reference data,
 * through the real application (GraphQL over HTTP against a server started in this process, with
 * a manual clock walked through the election's phases). Everything election-specific comes from
 * the election file (rules, thresholds, dates, blank vote, revote policy); the default file is the
 * 2013 example. The scenario's people (candidates' names, vote shares, turnout) are the 2013
 * primary's, scaled (see SCENARIO).
 */
export interface DemoOptions {
  size: number;
  dataDir: string;
  port: number;
  electionFile: string;
  registrations: number;
  officials: number;
  districts: number;
  concurrency: number;
  keepRunning: boolean;
  forceNew: boolean;
  seed: number;
  /** Stop before the vote (after registrations): for a council or trustees to run it by hand. */
  noVote?: boolean;
}

export class DemoUsageError extends Error {}

interface ElectionFile {
  electionId: string;
  sponsorship?: Array<{ sponsorKind: string; minimumSponsors: number; minimumDistinctDistricts: number }>;
  [field: string]: unknown;
}

interface Sponsor {
  kind: string;
  id: string;
  district: string;
}

interface RollPerson {
  lastName: string;
  firstNames: string;
  birthDate: string;
  address: string;
  district: string;
  rollIdentifier: string;
}

export interface DemoReport {
  stdout: string;
}

const SPONSORSHIP_MARGINS = [0.1, 0.03, 0.15, 0, 0.05];
const CANDIDATE_LETTERS = ['a', 'b', 'c', 'd', 'e', 'f'];

/**
 * The scenario's people, after the 2013 primary: the four on its ballot with their published
 * shares (NKM 58.16 %, Legaret 19.66 %, Bournazel 11.96 %, Margain 10.22 % of 20,010 candidate
 * votes), Charles Beigbeder withdrawing after certification, and a sixth, fictional candidate who
 * falls short of the sponsorship threshold. Blank ballots: the 64 ballots of 20,074 that the
 * published figures never explained. Turnout: 20,074 voted of 23,314 registered. A few voters try
 * to vote again (the election's revote policy decides).
 */
const SCENARIO = {
  candidates: [
    { name: 'Nathalie Kosciusko-Morizet', share: 58.16 },
    { name: 'Jean-François Legaret', share: 19.66 },
    { name: 'Pierre-Yves Bournazel', share: 11.96 },
    { name: 'Franck Margain', share: 10.22 },
    { name: 'Charles Beigbeder', share: 0 },
    { name: 'Candidat F (fictif)', share: 0 },
  ],
  blankShare: (64 / 20_010) * 100,
  turnout: 20_074 / 23_314,
  revoteShare: 0.01,
  /** Decryption key holders besides the server: a threshold group (Single trustees on a build without one). */
  trustees: 3,
  threshold: 2,
} as const;

function hasOffset(value: string): boolean {
  return /(Z|[+-]\d\d:?\d\d)$/i.test(value);
}

/** A local date-time read as UTC: close enough (within a day) to place the clock before every date. */
function roughInstant(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const time = Date.parse(hasOffset(value) ? value : `${value}Z`);
  return Number.isNaN(time) ? null : time;
}

/** mulberry32, seeded: the same demo every run. */
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

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Lines of one of our synthetic CSV files (`;`-separated; the generators quote nothing we read here). */
function readCsvRows(file: string): string[][] {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.slice(1).filter((line) => line.length > 0).map((line) => line.split(';'));
}

const fmt = (n: number) => n.toLocaleString('en');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function loadDemoConfig(dataDir: string, port: number): AppConfig {
  try {
    return loadConfig({
      ...process.env,
      URNE_DATA_DIR: dataDir,
      URNE_PORT: String(port),
      URNE_EVENT_STORE: process.env.URNE_EVENT_STORE ?? 'sqlite',
      // Demo data is disposable: commit faster unless told otherwise.
      URNE_SQLITE_SYNCHRONOUS: process.env.URNE_SQLITE_SYNCHRONOUS ?? 'NORMAL',
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new DemoUsageError(error.message);
    throw error;
  }
}

/** Refuses a data folder whose event store already holds events (or picks a fresh sub-folder with forceNew). */
async function chooseDataDir(options: DemoOptions, logger: Logger): Promise<string> {
  const base = resolve(options.dataDir);
  const config = loadDemoConfig(base, options.port);
  if (config.eventStore === 'sqlite' && !existsSync(join(base, 'events.sqlite'))) return base;
  const store = await createEventStore(config, logger);
  let head: bigint | null;
  try {
    head = await store.headPosition();
  } finally {
    await store.close();
  }
  if (head === null) return base;
  if (!options.forceNew)
    throw new DemoUsageError(
      `${options.dataDir} already holds an event store with events (up to position ${head}): the demo needs an empty one. Give another --data-dir, delete that folder, or add --force-new to create a fresh sub-folder in it.`,
    );
  return join(base, `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const started = Date.now();
  const logger = createLogger({ logLevel: 'warn' }, process.stderr);
  const progress = new DemoProgress();

  const election = JSON.parse(readFileSync(options.electionFile, 'utf8')) as ElectionFile;
  if (typeof election.electionId !== 'string') throw new DemoUsageError(`${options.electionFile}: no electionId`);
  const electionId = election.electionId;
  const rules = election.sponsorship ?? [];

  // The plan first, so that a roll too small is refused before anything is written.
  const plan = planSponsorships(rules);
  const votersNeeded = plan.filter((p) => p.kind === 'voter').reduce((sum, p) => sum + p.count, 0);
  const officialsNeeded = plan.filter((p) => p.kind === 'elected-official').reduce((sum, p) => sum + p.count, 0);
  const officialsSize = Math.max(options.officials, Math.ceil(officialsNeeded * 1.5));
  if (votersNeeded + 4 > options.size)
    throw new DemoUsageError(`--size ${options.size} is too small: the scenario needs ${fmt(votersNeeded)} voter sponsors and 4 more people (the fraud scenario); give --size ${votersNeeded + 4} or more`);
  // Sponsors do not register here: on a small roll, fewer registrations.
  const registrationCount = Math.min(options.registrations, options.size - votersNeeded - 4);
  if (registrationCount < options.registrations)
    progress.note(`--size ${fmt(options.size)} leaves room for ${fmt(registrationCount)} registrations (not ${fmt(options.registrations)}) once ${fmt(votersNeeded)} sponsors are taken`);
  const registrationPeople = registrationCount + 4;

  const dataDir = await chooseDataDir(options, logger);
  await mkdir(dataDir, { recursive: true });
  const config = loadDemoConfig(dataDir, options.port);
  const times: Array<[string, number]> = [];
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const at = Date.now();
    progress.step(label);
    try {
      return await work();
    } finally {
      times.push([label, Date.now() - at]);
      progress.done(label, Date.now() - at);
    }
  };

  // Before every date of the election: the sponsorship window opens at the declaration.
  const dateFields = Object.entries(election).filter(([key]) => /(At|Deadline)$/.test(key)).map(([, value]) => roughInstant(value)).filter((v): v is number => v !== null);
  if (dateFields.length === 0) throw new DemoUsageError(`${options.electionFile}: no dates`);
  const clock = new ManualClock(new Date(Math.min(...dateFields) - 14 * 24 * 3600_000));

  const server: RunningServer = await timed('boot the application', () => startServer(config, { logger, clock }));
  const { app } = server;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  try {
    const store = app.get<EventStore>(EVENT_STORE);
    const vault = app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    const anonymous = new DemoGraphqlClient(server.graphqlUrl);

    // Sessions expire on the (demo) clock: a fresh one after each move of the clock.
    const signIn = async (account: CreatedStaffAccount) => anonymous.withToken((await app.get<StaffSessions>(STAFF_SESSIONS).create(account)).token);
    // Staff: a council member, an operator and the trustees, created as `urne staff add` does, with a session each.
    const { council, operator, trustees } = await timed('create staff accounts', async () => {
      const create = async (role: 'council' | 'operator' | 'trustee', name: string = role) => {
        const account: CreatedStaffAccount = await app
          .get(CommandBus)
          .execute(new CreateStaffAccountCommand(randomUUID(), { username: `demo-${name}-${randomUUID().slice(0, 8)}`, role, password: `demo-${randomUUID()}` }, 'system:demo'));
        return { account, client: await signIn(account) };
      };
      const made = { council: await create('council'), operator: await create('operator'), trustees: [] as Array<Awaited<ReturnType<typeof create>>> };
      for (let i = 1; i <= SCENARIO.trustees; i++) made.trustees.push(await create('trustee', `trustee-${i}`));
      return made;
    });

    // 1. The election, as the council declares it.
    const declaredAt = clock.now().toISOString();
    const declared = await timed('declare the election', async () => {
      const { electionId: _id, ...rest } = election;
      const input = { electionId, ...rest, commandId: `demo-declare-${electionId}` };
      const data = await council.client.request<{ declareElection: { id: string; phase: string; dates: Record<string, string | null> } }>(
        `mutation($input: DeclareElectionInput!) { declareElection(input: $input) { id phase dates { sponsorshipDeadline registrationOpensAt registrationClosesAt votingOpensAt votingClosesAt } } }`,
        { input },
      );
      return data.declareElection;
    });

    // 2. Reference data: a synthetic roll and list of officials, imported as `urne roll import` does.
    const inputDir = join(dataDir, 'demo-input');
    const rollFile = join(inputDir, 'electoral-roll.csv');
    const officialsFile = join(inputDir, 'elected-officials.csv');
    await timed(`generate a synthetic roll (${fmt(options.size)} rows, ${options.districts} districts)`, async () => {
      await generateRoll(rollFile, { size: options.size, arrondissements: options.districts, seed: options.seed, onProgress: (rows) => progress.count('rows', rows, options.size) });
      await generateOfficials(officialsFile, { size: officialsSize, arrondissements: options.districts, seed: options.seed });
    });
    const onImport = (phase: ImportProgress) => progress.count(`${phase.phase} rows`, phase.rows, phase.totalRows ?? undefined);
    const rollOutcome: ImportOutcome = await timed('import the electoral roll', () =>
      new ElectoralRollImporter(store, vault).import({ electionId, file: rollFile, sourceName: 'synthetic-electoral-roll.csv', actor: council.account.staffId }, { onProgress: onImport }),
    );
    const officialsOutcome: ImportOutcome = await timed('import the elected officials', () =>
      new ElectedOfficialsImporter(store).import({ electionId, file: officialsFile, sourceName: 'synthetic-elected-officials.csv', actor: council.account.staffId }, { onProgress: onImport }),
    );
    await timed('wait for the read models to catch up', () => waitForProjections(app.get(ProjectionsService), store));

    // 3. Candidates and sponsorships through the GraphQL mutations.
    const rollRows = readCsvRows(rollFile);
    const next = seeded(options.seed);
    const people: RollPerson[] = shuffle(
      rollRows.map((r) => ({ lastName: r[0]!, firstNames: r[1]!, birthDate: r[2]!, address: r[3]!, district: r[4]!, rollIdentifier: r[6]! })),
      next,
    );
    const blindIndex = (purpose: string, value: string) => vault.blindIndex(purpose, value);
    const voterSponsors: Sponsor[] = people.slice(0, votersNeeded).map((p) => ({ kind: 'voter', id: rollEntryIdFor(blindIndex, electionId, p.rollIdentifier), district: p.district }));
    const registrants = people.slice(votersNeeded, votersNeeded + registrationPeople);
    const officialSponsors: Sponsor[] = shuffle(
      readCsvRows(officialsFile)
        .filter((r) => (r[4] ?? '') !== '')
        .map((r) => ({ kind: 'elected-official', id: r[0]!, district: r[4]! })),
      next,
    );
    if (officialSponsors.length < officialsNeeded) throw new DemoUsageError(`--officials ${options.officials} is too small: the scenario needs ${officialsNeeded} officials with a district`);

    const candidateIds = CANDIDATE_LETTERS.map((letter) => `demo-candidate-${letter}`);
    await timed('declare six candidates', async () => {
      for (const [i, candidateId] of candidateIds.entries()) {
        await council.client.request(`mutation($input: DeclareCandidateInput!) { declareCandidate(input: $input) { candidateId } }`, {
          input: { electionId, candidateId, name: SCENARIO.candidates[i]!.name, party: null, commandId: `demo-declare-${candidateId}` },
        });
      }
    });

    const forms: Array<{ candidateId: string; sponsor: Sponsor }> = [];
    const pools: Record<string, Sponsor[]> = { voter: voterSponsors, 'elected-official': officialSponsors };
    const taken: Record<string, number> = {};
    for (const entry of plan) {
      const pool = pools[entry.kind] ?? [];
      const from = taken[entry.kind] ?? 0;
      for (const sponsor of pool.slice(from, from + entry.count)) forms.push({ candidateId: candidateIds[entry.candidate]!, sponsor });
      taken[entry.kind] = from + entry.count;
    }
    // Interleave candidates, as forms arrive in real life.
    shuffle(forms, next);
    const refusedSponsorships = new Map<string, number>();
    await timed(`record ${fmt(forms.length)} sponsorships (${options.concurrency} in flight)`, () =>
      forEachConcurrently(
        forms,
        options.concurrency,
        async ({ candidateId, sponsor }) => {
          try {
            await operator.client.request(`mutation($input: RecordSponsorshipInput!) { recordSponsorship(input: $input) { givenAt } }`, {
              input: { electionId, candidateId, sponsorKind: sponsor.kind, sponsorId: sponsor.id, commandId: `demo-sponsor-${sponsor.kind}-${sponsor.id}` },
            });
          } catch (error) {
            if (!(error instanceof DemoGraphqlError)) throw error;
            refusedSponsorships.set(error.code, (refusedSponsorships.get(error.code) ?? 0) + 1);
          }
        },
        (done) => progress.count('sponsorships', done, forms.length),
      ),
    );
    const refusedTotal = [...refusedSponsorships.values()].reduce((a, b) => a + b, 0);
    if (refusedTotal > 0) throw new Error(`${refusedTotal} sponsorships were refused: ${[...refusedSponsorships].map(([code, n]) => `${code} x${n}`).join(', ')}`);

    // 4. After the sponsorship deadline: certify, withdraw, set the ballot order.
    const dates = declared.dates;
    const afterSponsorship = Math.max(Date.parse(dates.sponsorshipDeadline!), Date.parse(dates.registrationOpensAt!)) + 3600_000;
    clock.set(new Date(Math.min(afterSponsorship, Date.parse(dates.registrationClosesAt!) - 3600_000)));
    council.client = await signIn(council.account);
    operator.client = await signIn(operator.account);
    const certified: string[] = [];
    const notQualified: Array<{ candidateId: string; message: string }> = [];
    await timed('certify the qualified candidates', async () => {
      for (const candidateId of candidateIds) {
        try {
          await council.client.request(`mutation($input: CertifyCandidateInput!) { certifyCandidate(input: $input) { candidateId } }`, {
            input: { electionId, candidateId, commandId: `demo-certify-${candidateId}` },
          });
          certified.push(candidateId);
        } catch (error) {
          if (error instanceof DemoGraphqlError && error.code === 'NotQualified') notQualified.push({ candidateId, message: error.message });
          else throw error;
        }
      }
    });
    const withdrawn = certified[certified.length - 1];
    if (withdrawn)
      await timed('withdraw one certified candidate', () =>
        council.client.request(`mutation($input: WithdrawCandidateInput!) { withdrawCandidate(input: $input) { candidateId } }`, {
          input: { electionId, candidateId: withdrawn, reason: 'Withdrew after certification and endorsed another candidate (demo)', commandId: `demo-withdraw-${withdrawn}` },
        }),
      );
    const onBallot = shuffle(certified.filter((id) => id !== withdrawn), next);
    await timed(`set the ballot order of ${onBallot.length} candidates`, () =>
      council.client.request(`mutation($input: SetBallotOrderInput!) { setBallotOrder(input: $input) { candidateIds } }`, {
        input: { electionId, candidateIds: onBallot, reason: 'Public draw (demo, seeded)', commandId: `demo-ballot-order-${electionId}` },
      }),
    );

    // 5. Registrations, when this build has them.
    let registrations: RegistrationOutcome | { skipped: string };
    const schema = await anonymous.request<{ __schema: { mutationType: { fields: Array<{ name: string }> } } }>(`{ __schema { mutationType { fields { name } } } }`);
    const mutations = new Set(schema.__schema.mutationType.fields.map((f) => f.name));
    if (!mutations.has('submitRegistration')) registrations = { skipped: 'this build has no submitRegistration mutation' };
    else if (registrationCount === 0) registrations = { skipped: '--registrations 0' };
    else
      registrations = await timed(`submit ${fmt(registrationCount)} registrations and confirm their e-mail and phone`, () =>
        runRegistrations({ client: anonymous, council: () => signIn(council.account), clock, closesAt: Date.parse(dates.registrationClosesAt!), electionId, people: registrants, count: registrationCount, outboxDir: join(dataDir, 'outbox'), concurrency: options.concurrency, progress }).catch(
          (error: unknown) => ({ skipped: `failed: ${error instanceof Error ? error.message : String(error)}` }),
        ),
      );

    const registrationsAt = clock.now().toISOString();

    // 6. The vote, to the certified result: the approved voters (as many as turnout says) vote.
    let vote: VoteOutcome | { skipped: string };
    if ('skipped' in registrations) vote = { skipped: registrations.skipped.startsWith('failed') ? 'the registrations failed' : 'no registrations' };
    else if (options.noVote) vote = { skipped: '--no-vote' };
    else if (!mutations.has('castBallot')) vote = { skipped: 'this build has no castBallot mutation' };
    else {
      const approved = shuffle(
        registrations.registrants.filter((r) => r.status === 'approved'),
        next,
      );
      const votersCount = Math.round(approved.length * SCENARIO.turnout);
      if (votersCount === 0) vote = { skipped: 'no approved registration' };
      else {
        const demoTrustees = trustees.map((t) => ({ username: t.account.username, client: () => signIn(t.account) }));
        const shares = Object.fromEntries(candidateIds.map((id, i) => [id, SCENARIO.candidates[i]!.share]));
        vote = await runVote({
          app,
          anonymous,
          council: () => signIn(council.account),
          trustees: mutations.has('submitThresholdCertificate') ? new ThresholdGroup(electionId, demoTrustees, SCENARIO.threshold) : new SingleTrustees(electionId, demoTrustees.slice(0, 2)),
          clock,
          electionId,
          dates: { registrationClosesAt: dates.registrationClosesAt!, votingOpensAt: dates.votingOpensAt!, votingClosesAt: dates.votingClosesAt! },
          registrants: approved,
          voters: votersCount,
          revoters: Math.max(2, Math.round(votersCount * SCENARIO.revoteShare)),
          shares: { candidates: shares, blank: SCENARIO.blankShare },
          outbox: registrations.outbox,
          concurrency: options.concurrency,
          progress,
          random: next,
          catchUp: () => waitForProjections(app.get(ProjectionsService), store, ['turnout']),
          timed,
        });
      }
    }

    // 7. What the read models say now.
    council.client = await signIn(council.account);
    await waitForProjections(app.get(ProjectionsService), store);
    const read = await council.client.request<{
      sponsorshipProgress: { candidates: Array<{ candidateId: string; name: string; qualified: boolean; kinds: Array<{ sponsorKind: string; sponsors: number; distinctDistricts: number }> }> };
      candidates: { candidates: Array<{ candidateId: string; name: string; status: string; ballotPosition: number | null }> };
    }>(
      `query($id: String!) { sponsorshipProgress(electionId: $id) { candidates { candidateId name qualified kinds { sponsorKind sponsors distinctDistricts } } } candidates(electionId: $id) { candidates { candidateId name status ballotPosition } } }`,
      { id: electionId },
    );
    const head = await store.headPosition();
    const qualified = read.sponsorshipProgress.candidates.filter((c) => c.qualified);
    const ballot = read.candidates.candidates.filter((c) => c.ballotPosition !== null).sort((a, b) => a.ballotPosition! - b.ballotPosition!);
    const totalMs = Date.now() - started;

    const lines: string[] = [];
    const url = server.graphqlUrl;
    lines.push(`urne demo: ${electionId} on a synthetic roll of ${fmt(options.size)} people, in ${seconds(totalMs)}`);
    lines.push(`data folder: ${dataDir}`);
    lines.push('');
    lines.push('created');
    lines.push(`  election ${electionId}, declared at ${declaredAt} (demo clock: sponsorships then; certification, ballot order and registrations until ${registrationsAt}; the vote from ${dates.votingOpensAt} to ${dates.votingClosesAt})`);
    lines.push(`  electoral roll: ${fmt(rollOutcome.rows)} entries (version ${rollOutcome.version}); elected officials: ${fmt(officialsOutcome.rows)} (version ${officialsOutcome.version})`);
    lines.push(`  staff: council ${council.account.username}, operator ${operator.account.username}, trustees ${trustees.map((t) => t.account.username).join(', ')}`);
    lines.push(`  candidates: ${candidateIds.length} declared`);
    lines.push(`  sponsorships: ${fmt(forms.length)} recorded (${fmt(forms.filter((f) => f.sponsor.kind === 'voter').length)} voters, ${fmt(forms.filter((f) => f.sponsor.kind !== 'voter').length)} elected officials)`);
    for (const c of read.sponsorshipProgress.candidates)
      lines.push(`    ${c.candidateId.padEnd(20)} ${c.qualified ? 'qualified    ' : 'not qualified'} ${c.kinds.map((k) => `${k.sponsorKind} ${k.sponsors} from ${k.distinctDistricts} districts`).join(', ')}`);
    lines.push(`  qualified candidates: ${qualified.length}; certified: ${certified.length}${notQualified.length ? `; refused certification (NotQualified): ${notQualified.map((n) => n.candidateId).join(', ')}` : ''}`);
    lines.push(`  withdrawn: ${withdrawn ?? 'none'}`);
    lines.push(`  on the ballot: ${ballot.length} (${ballot.map((c) => `${c.ballotPosition}. ${c.name}`).join(', ')})`);
    if ('skipped' in registrations)
      lines.push(registrations.skipped.startsWith('failed') ? `  registrations: ${registrations.skipped} (the rest of the demo stands)` : `  registrations: skipped (${registrations.skipped})`);
    else {
      lines.push(`  registrations: ${fmt(registrations.submitted)} submitted, ${fmt(registrations.emailConfirmed)} e-mails and ${fmt(registrations.phoneConfirmed)} phones confirmed with the codes from the outbox`);
      lines.push(`    statuses: ${Object.entries(registrations.statuses).map(([s, n]) => `${s} ${fmt(n)}`).join(', ') || 'none'}`);
      lines.push(`    fraud scenario: one person registered ${registrations.fraud.submitted} others with his own e-mail and phone: ${registrations.fraud.flagged} flagged${registrations.fraud.detail ? ` (${registrations.fraud.detail})` : ''}`);
    }
    if (!('skipped' in registrations)) lines.push(`    council review queue: ${fmt(registrations.reviewQueue)} registrations`);
    if ('skipped' in vote) lines.push(`  vote: skipped (${vote.skipped})`);
    else lines.push(...voteSummary(vote, electionId));
    lines.push(`  log head position: ${head === null ? 'empty' : fmt(Number(head))}${store.kind === 'sqlite' ? ' (= events in the log)' : ''}`);
    lines.push('');
    lines.push('time per step');
    for (const [label, ms] of times) lines.push(`  ${seconds(ms).padStart(8)}  ${label}`);
    lines.push(`  ${seconds(totalMs).padStart(8)}  total`);
    lines.push('');
    lines.push('what to look at');
    lines.push(`  GraphQL: ${url}${options.keepRunning ? '' : ' (stopped now: run again with --keep-running to keep it up)'}`);
    // Example queries (public), each tried once here so that what is printed works.
    const examples = [
      `{ sponsorshipProgress(electionId: "${electionId}") { candidates { candidateId qualified kinds { sponsorKind sponsors distinctDistricts } } } }`,
      `{ candidates(electionId: "${electionId}") { ballotOrderReason candidates { ballotPosition name status withdrawalReason } } }`,
      `{ electionTimeline(electionId: "${electionId}") { entries { occurredAt type summary } } }`,
      `{ ledgerStatistics { position totalEvents rows { category type events } } }`,
      ...('skipped' in vote
        ? []
        : [
            `{ voteRound(electionId: "${electionId}") { stage seal tallied result { candidates { name votes percentOfCandidateVotes } blank countedBallots candidateVotes certified winner } } }`,
            `{ ballotTracker(electionId: "${electionId}", trackingNumber: "${vote.example.trackingNumber}") { counted } }`,
          ]),
    ];
    for (const query of examples) {
      const outcome = await anonymous.request(query).then(
        () => '',
        (error: unknown) => ` (fails now: ${error instanceof DemoGraphqlError ? error.code : String(error)})`,
      );
      lines.push(`    curl -s ${url} -H 'content-type: application/json' -d '${JSON.stringify({ query }).replace(/'/g, "'\\''")}'${outcome}`);
    }
    if (!('skipped' in vote)) {
      lines.push(`  next: the round's public record as a Belenios archive, verified by belenios-tool (or any Belenios verifier):`);
      lines.push(`    URNE_DATA_DIR=${dataDir} urne export belenios --election ${electionId} --round 1 --out ${electionId}-1.bel`);
      lines.push(`    mkdir ${electionId}-1 && cp ${electionId}-1.bel ${electionId}-1/${vote.beleniosUuid}.bel && belenios-tool election verify --dir ${electionId}-1`);
    }
    lines.push(`  read models: URNE_DATA_DIR=${dataDir} urne projections list`);
    lines.push(`  election: URNE_DATA_DIR=${dataDir} urne election show ${electionId}`);
    lines.push(`  messages sent (e-mails .eml, SMS .txt): ${join(dataDir, 'outbox')}`);
    lines.push(`  staff sessions: sign in again with \`urne staff reset-password\` on the accounts above (the demo's passwords are not kept)`);

    if (options.keepRunning) {
      process.stdout.write(`${lines.join('\n')}\n\nserving on ${server.baseUrl} until Ctrl-C\n`);
      await new Promise<void>((resolveSignal) => {
        process.once('SIGINT', () => resolveSignal());
        process.once('SIGTERM', () => resolveSignal());
      });
      await stop();
      return { stdout: '' };
    }
    await stop();
    return { stdout: `${lines.join('\n')}\n` };
  } finally {
    await stop().catch(() => undefined);
  }
}

const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${(Math.round((1000 * part) / whole) / 10).toFixed(1)} %`);

/** The vote's lines of the summary: the ceremony, the casting, the turnout, the certified result. */
function voteSummary(vote: VoteOutcome, electionId: string): string[] {
  const lines: string[] = [];
  const { result } = vote;
  lines.push(`  vote: round 1 of ${electionId}, a Belenios 2.0 election (uuid ${vote.beleniosUuid})`);
  lines.push(`    decryption key: shared by ${vote.trustees}; decrypted by the server and ${vote.decryptedBy.join(', ')}`);
  lines.push(`    credentials: ${fmt(vote.credentials.voters)} access codes sent by e-mail; public credential list ${vote.credentials.fingerprint}`);
  lines.push(`    seal: ${vote.seal} (re-checked by the tally)`);
  lines.push(`    ballot box: opened ${vote.openedAt ?? '?'}, closed ${vote.closedAt ?? '?'} (by the schedule, on the demo clock)`);
  lines.push(
    `    voters: ${fmt(vote.voters)} signed in (e-mail + SMS code from the outbox), built a ballot with their access code and cast it: ${vote.waves.count} waves ${vote.waves.spacingMinutes} min apart, booths on ${vote.boothThreads ? `${vote.boothThreads} worker thread${vote.boothThreads === 1 ? '' : 's'}` : 'the main thread'}`,
  );
  if (vote.capped) lines.push(`    note: ${vote.capped}`);
  const refused = Object.entries(vote.revotes.refused).map(([code, n]) => `${n} refused (${code})`);
  lines.push(`    revotes (policy ${vote.revotePolicy}): ${vote.revotes.tried} voters voted again: ${[...(vote.revotes.replaced ? [`${vote.revotes.replaced} replaced their ballot`] : []), ...refused].join(', ') || 'none'}`);
  lines.push(`    ballots accepted into the box: ${fmt(vote.ballotsAccepted)}`);
  lines.push(`    turnout (council's turnout query) ${vote.turnout.map((t, i) => `${i === vote.turnout.length - 1 ? 'at closing' : t.at.slice(0, 16).replace('T', ' ') + 'Z'}: ${fmt(t.voted)} of ${fmt(t.registered)} (${t.turnoutPercent ?? '-'} %)`).join('; ')}`);
  lines.push(`  result (${result.certified ? 'certified by the council' : 'NOT certified'}): ${fmt(result.countedBallots)} ballots counted = ${fmt(vote.emargements)} émargements (voters who voted)`);
  const width = Math.max(...result.candidates.map((c) => c.name.length));
  for (const [i, c] of result.candidates.entries())
    lines.push(
      `    ${i + 1}. ${c.name.padEnd(width)} ${fmt(c.votes).padStart(7)} votes  ${`${c.percentOfCandidateVotes.toFixed(1)} %`.padStart(7)} of ${fmt(result.candidateVotes)} candidate votes  ${`${c.percentOfBallots.toFixed(1)} %`.padStart(7)} of ${fmt(result.countedBallots)} ballots`,
    );
  if (!vote.blankAllowed) lines.push(`       blank ballots: not allowed by this election`);
  else lines.push(`       ${'blank'.padEnd(width)} ${fmt(result.blank).padStart(7)} ${result.blank === 1 ? 'vote ' : 'votes'}  ${''.padStart(7)}    ${' '.repeat(fmt(result.candidateVotes).length)}                  ${percent(result.blank, result.countedBallots).padStart(7)} of ${fmt(result.countedBallots)} ballots`);
  const winner = result.candidates.find((c) => c.candidateId === result.winner);
  lines.push(`    ${winner ? `winner: ${winner.name} (${winner.percentOfCandidateVotes.toFixed(1)} % of candidate votes)` : 'no winner'}${result.secondRoundNeeded ? '; a second round is needed' : '; no second round'}`);
  lines.push(`    the counts are what the simulated voters cast (checked by the demo against its own record of their choices)`);
  lines.push(`    a ballot to look up: tracking number ${vote.example.trackingNumber} (ballotTracker: ${vote.example.counted === null ? 'not found' : vote.example.counted ? 'counted' : 'replaced, not counted'})`);
  return lines;
}

/**
 * Sponsors per candidate and kind: candidates 1 to 5 get each threshold with a margin; the sixth
 * falls short on the most demanding rule (the others met), so five qualify and one does not.
 */
function planSponsorships(rules: NonNullable<ElectionFile['sponsorship']>): Array<{ candidate: number; kind: string; count: number }> {
  const plan: Array<{ candidate: number; kind: string; count: number }> = [];
  const hardest = [...rules].sort((a, b) => b.minimumSponsors - a.minimumSponsors)[0];
  for (let candidate = 0; candidate < 6; candidate++) {
    for (const rule of rules) {
      if (rule.minimumSponsors <= 0) continue;
      let count: number;
      if (candidate < 5) count = rule.minimumSponsors + Math.max(candidate === 3 ? 0 : 1, Math.ceil(rule.minimumSponsors * SPONSORSHIP_MARGINS[candidate]!));
      else count = rule === hardest ? Math.max(0, Math.floor(rule.minimumSponsors * 0.85)) : rule.minimumSponsors + 1;
      plan.push({ candidate, kind: rule.sponsorKind, count });
    }
  }
  return plan;
}

/** The read models the demo's commands and summary rely on. */
const NEEDED_READ_MODELS = ['electoral-roll', 'elected-officials', 'sponsorship-progress'];

async function waitForProjections(projections: ProjectionsService, store: EventStore, names: readonly string[] = NEEDED_READ_MODELS, timeoutMs = 120_000): Promise<void> {
  const head = await store.headPosition();
  if (head === null) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolveLate) => (timer = setTimeout(() => resolveLate('late'), timeoutMs)));
  try {
    const waits = names.map((name) => projections.runner(name)?.waitForPosition(head) ?? Promise.resolve());
    if ((await Promise.race([Promise.all(waits).then(() => 'ok' as const), late])) === 'late') throw new Error(`the read models did not reach position ${head} within ${seconds(timeoutMs)}`);
  } finally {
    clearTimeout(timer);
  }
}

