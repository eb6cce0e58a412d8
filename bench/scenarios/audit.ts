/**
 * audit: the throughput of `urne audit` (auditLedger) on the ledger of a whole election whose
 * round holds 20,000 valid ballots (500 with --quick), against `belenios-tool election verify`
 * on the Belenios archive of the same round (what `urne export belenios` writes), in the same run.
 *
 * The ledger: the events the application writes, in their exact shapes, appended straight to a
 * real SQLite event store (going through GraphQL for 20,000 voters would take longer than the
 * audit): ElectionDeclared (the 2013 example, as `urne demo` declares it); per voter
 * RegistrationSubmitted (personal data sealed: random bytes of the real size), EmailConfirmed,
 * PhoneConfirmed, RegistrationApproved (automatic); VotePrepared (the server's key the only
 * trustee), PublicCredentialsPublished in batches of 1,000, CredentialsIssued,
 * PublicCredentialsHandedOver, ElectionKeyPublished (electionJson, trusteesJson), VoteSealed
 * (sealOf), BallotBoxOpened; per voter one atomic cast (EmargementRecorded, BallotAccepted with a
 * ballot from the domain's booth, CredentialBound); BallotBoxClosed, EncryptedTallyComputed
 * (computeEncryptedTally), the server's PartialDecryptionAccepted, ResultComputed (combined and
 * decrypted as decryption-quorum.ts does), ResultCertified. The scenario throws unless auditLedger
 * verifies it with no finding.
 *
 * Ballots cost tens of ms each: they are built on worker threads (this file, in a worker) and
 * kept in bench/.cache/ (git-ignored), appended as they come (an interrupted build resumes), with
 * the finished ledger (bench/.cache/audit-<n>.sqlite): a second run reuses both.
 *
 * Measured: auditLedger with one verifier thread per core (events/s, ballots/s, the split
 * replay + rules / archive + ballots; no read-model database, so no projection comparison), the
 * Belenios export alone, `belenios-tool election verify` on the exported archive (the baseline).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { ballotFromJson } from '../../src/domain/belenios/ballot.js';
import { createBallot, type PlaintextBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits } from '../../src/domain/belenios/credentials.js';
import { parseElection } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { parseJsonText } from '../../src/domain/belenios/json.js';
import { computePartialDecryption, serializePartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { combineDecryptionFactors, decryptTally, serializeResult } from '../../src/domain/belenios/result.js';
import { computeEncryptedTally, serializeEncryptedTally } from '../../src/domain/belenios/tally.js';
import { provePossession, trusteePublicKeyToJson } from '../../src/domain/belenios/trustee-key.js';
import { beleniosUuid, electionJson, publicCredentialsJson, sealOf, sha256Base64, trusteesJson } from '../../src/domain/vote/belenios-setup.js';
import { ballotBoxStream, credentialBindingStream, emargementStream } from '../../src/domain/vote/vote.events.js';
import { credentialsStream, voteStream, type VoteCandidate } from '../../src/domain/vote/vote-setup.events.js';
import { auditLedger } from '../../src/infrastructure/audit/ledger-audit.js';
import { exportBeleniosArchiveToFile } from '../../src/infrastructure/belenios-export/belenios-archive-export.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import type { EventToAppend, JsonObject } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { collectGarbage, progress, scaled, scenario, type Figure } from '../lib/scenario.js';

const ELECTION = 'paris-2013';
const CACHE_VERSION = 1;
const CACHE_DIR = fileURLToPath(new URL('../../../bench/.cache/', import.meta.url));

/** As `urne demo` declares examples/paris-2013.election.json (copied from a demo run's ledger). */
const DECLARED = {
  electionId: ELECTION,
  name: 'Primaire ouverte de la droite et du centre pour la mairie de Paris 2013',
  organiser: 'Conseil Supérieur des Primaires',
  rules: {
    timeZone: 'Europe/Paris',
    sponsorship: [
      { sponsorKind: 'elected-official', minimumSponsors: 10, minimumDistinctDistricts: 3 },
      { sponsorKind: 'voter', minimumSponsors: 300, minimumDistinctDistricts: 5 },
    ],
    rounds: { count: 1, majorityPercent: 50 },
    blankVoteAllowed: true,
    revotePolicy: 'single-vote',
    registrationFee: { amountCents: 300, currency: 'EUR' },
  },
  dates: {
    sponsorshipDeadline: '2013-05-17T16:00:00.000Z',
    registrationOpensAt: '2013-05-06T08:00:00.000Z',
    registrationClosesAt: '2013-05-28T17:00:00.000Z',
    votingOpensAt: '2013-05-31T06:00:00.000Z',
    votingClosesAt: '2013-06-03T17:00:00.000Z',
    secondRoundVotingOpensAt: null,
    secondRoundVotingClosesAt: null,
  },
  declaredAt: '2013-04-22T10:00:00.000Z',
};
const CANDIDATES: VoteCandidate[] = [
  { candidateId: 'candidate-d', name: 'Franck Margain' },
  { candidateId: 'candidate-b', name: 'Jean-François Legaret' },
  { candidateId: 'candidate-a', name: 'Nathalie Kosciusko-Morizet' },
  { candidateId: 'candidate-c', name: 'Pierre-Yves Bournazel' },
];
/** Per 100 ballots: blank, then each candidate in ballot order. */
const SHARES = [3, 9, 21, 55, 12];

// ---------------------------------------------------------------- ballots, on worker threads

interface BuildRequest {
  from: number;
  to: number;
}
interface BuiltBallot {
  i: number;
  text: string;
  trackingNumber: string;
  credential: string;
}

/** Voter i's access code: deterministic, so a resumed build is the same election. */
function accessCode(seed: string, i: number): string {
  const bytes = createHash('sha256').update(`${seed}:${i}`).digest();
  return credentialFromDigits(Array.from(bytes.subarray(0, 14), (b) => b % 58));
}

function choicesOf(i: number): PlaintextBallot {
  let slot = (i * 37) % 100;
  let choice = 0;
  while (slot >= SHARES[choice]!) slot -= SHARES[choice++]!;
  return [Array.from({ length: SHARES.length }, (_, j) => (j === choice ? 1 : 0))];
}

if (!isMainThread) {
  const { electionText, seed } = workerData as { electionText: string; seed: string };
  const crypto = nodeBeleniosCrypto();
  const election = parseElection(electionText, crypto.sha256);
  parentPort!.on('message', (request: BuildRequest) => {
    void (async () => {
      const built: BuiltBallot[] = [];
      for (let i = request.from; i < request.to; i++) {
        const ballot = await createBallot(await election, accessCode(seed, i), choicesOf(i), crypto);
        built.push({ i, text: ballot.text, trackingNumber: ballot.trackingNumber, credential: ballot.ballot.credential.toString() });
      }
      parentPort!.postMessage(built);
    })();
  });
} else {
  scenario(async (context) => {
    // --quick: 500 ballots (building them dominates a smoke run); otherwise 20,000 × the scale.
    const ballots = context.scale === 0.1 ? 500 : scaled(context, 20_000);
    const threads = availableParallelism();
    const figures: Figure[] = [];
    const prefix = `audit (${ballots.toLocaleString('en')} ballots)`;

    // ------------------------------------------------------------ the ledger (built or reused)
    mkdirSync(CACHE_DIR, { recursive: true });
    const ledgerFile = join(CACHE_DIR, `audit-${ballots}.sqlite`);
    const buildStart = performance.now();
    let built = false;
    let ballotsBuilt = 0;
    if (!existsSync(ledgerFile)) {
      built = true;
      ballotsBuilt = await buildLedger(ballots, ledgerFile, threads);
    }
    const buildSeconds = (performance.now() - buildStart) / 1000;
    process.stderr.write(
      built
        ? `ledger of ${ballots} ballots built in ${buildSeconds.toFixed(1)} s (${ballotsBuilt} ballots made in this run on ${threads} threads; cached in ${ledgerFile})\n`
        : `ledger of ${ballots} ballots reused from ${ledgerFile} (delete it to rebuild)\n`,
    );
    figures.push({ name: `audit: ledger ${built ? `built (${ballotsBuilt} ballots made in this run)` : 'reused from bench/.cache'} (build seconds, 0 when reused)`, value: built ? buildSeconds : 0, unit: 's' });
    collectGarbage();

    // ------------------------------------------------------------ urne audit
    const store = new SqliteEventStore({ file: ledgerFile });
    try {
      const logger = pino({ level: 'warn' });
      let replayEnd = 0;
      let ballotsStart = 0;
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const report = await auditLedger(store, {
        source: ledgerFile,
        verifierThreads: threads,
        logger,
        onProgress: (step, done, total) => {
          if (step === 'replay' && total !== null) replayEnd = performance.now();
          if (step === 'ballots' && ballotsStart === 0) ballotsStart = performance.now();
          progress(`audit: ${step} ${done}${total !== null ? ` / ${total}` : ''}`);
        },
      });
      const seconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      if (!report.verified) throw new Error(`the audit refused the bench ledger: ${JSON.stringify(report.firstFailure)}`);
      const round = report.rounds[0]!.report;
      if (round.counts.ballots !== ballots) throw new Error(`the audit counted ${round.counts.ballots} ballots, expected ${ballots}`);
      const replaySeconds = (replayEnd - start) / 1000;
      process.stderr.write(`audit: verified, ${report.events} events, ${round.counts.ballots} ballots, ${seconds.toFixed(1)} s (replay + rules ${replaySeconds.toFixed(1)} s)\n`);

      // ---------------------------------------------------------- the archive, and belenios-tool
      const archiveDir = join(context.dir, 'archive');
      mkdirSync(archiveDir);
      const exportStart = performance.now();
      const summary = await exportBeleniosArchiveToFile(store, { electionId: ELECTION, round: 1 }, join(archiveDir, 'export.bel'));
      const exportSeconds = (performance.now() - exportStart) / 1000;
      renameSync(join(archiveDir, 'export.bel'), join(archiveDir, `${summary.uuid}.bel`));

      let tool: { seconds: number; cpuSeconds: number | null } | null = null;
      const which = spawnSync('belenios-tool', ['--version'], { encoding: 'utf8' });
      if (which.error) process.stderr.write('belenios-tool not found: its part is skipped\n');
      else {
        progress(`belenios-tool election verify on ${ballots} ballots`, true);
        const toolStart = performance.now();
        // its CPU time through GNU time when there is one (steadier than wall time on a shared machine)
        const timeFile = join(context.dir, 'belenios-tool.time');
        const gnuTime = existsSync('/usr/bin/time');
        const command = gnuTime ? ['/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'belenios-tool', 'election', 'verify', '--dir', archiveDir]] as const : ['belenios-tool', ['election', 'verify', '--dir', archiveDir]] as const;
        const verdict = spawnSync(command[0], [...command[1]], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, BELENIOS_USE_URANDOM: '1' } });
        const toolSeconds = (performance.now() - toolStart) / 1000;
        const output = `${verdict.stdout}${verdict.stderr}`;
        if (verdict.status !== 0 || !output.includes('all checks passed')) throw new Error(`belenios-tool refused the exported archive: ${output.slice(-2000)}`);
        const times = gnuTime && existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) : [];
        tool = { seconds: toolSeconds, cpuSeconds: times.length === 2 && times.every(Number.isFinite) ? times[0]! + times[1]! : null };
      }

      const auditSeconds = seconds;
      figures.push(
        { name: `audit: urne audit, events/s (${report.events.toLocaleString('en')} events)`, value: report.events / auditSeconds, unit: 'events/s' },
        {
          name: `audit: urne audit, ballots/s (whole audit; ${threads} verifier threads)`,
          value: ballots / auditSeconds,
          unit: 'ballots/s',
          ...(tool ? { baseline: ballots / tool.seconds } : {}),
        },
        { name: `audit: urne audit, total`, value: auditSeconds, unit: 's', ...(tool ? { baseline: tool.seconds } : {}) },
        { name: 'audit: split, replay + rules', value: replaySeconds, unit: 's' },
        { name: 'audit: split, archive rebuilt + every ballot, tally, decryption, result verified', value: auditSeconds - replaySeconds, unit: 's' },
        { name: 'audit: split, of which before the first ballot (archive export + set-up checks)', value: ballotsStart > 0 ? (ballotsStart - replayEnd) / 1000 : 0, unit: 's' },
        { name: 'audit: process CPU / wall during the audit', value: (cpu.user + cpu.system) / 1e6 / auditSeconds, unit: 'cores' },
        {
          name: 'audit: CPU time per ballot (urne audit, every thread / belenios-tool)',
          value: (cpu.user + cpu.system) / 1e3 / ballots,
          unit: 'ms',
          ...(tool?.cpuSeconds ? { baseline: (tool.cpuSeconds * 1e3) / ballots } : {}),
        },
        { name: 'audit: replay + rules, events/s', value: report.events / replaySeconds, unit: 'events/s' },
        { name: 'audit: Belenios archive export (urne export belenios)', value: exportSeconds, unit: 's' },
        { name: 'audit: Belenios archive size', value: summary.bytes / (1024 * 1024), unit: 'MB' },
      );
      if (tool) figures.push({ name: 'audit: belenios-tool election verify, same archive', value: tool.seconds, unit: 's' });
      const extrapolated = (auditSeconds * 20_000) / ballots;
      figures.push({ name: `audit: target, full audit of 20,000 ballots < 300 s (${ballots === 20_000 ? 'measured' : `extrapolated linearly from ${ballots}`})`, value: extrapolated, unit: 's' });
      process.stderr.write(`${prefix}: ${extrapolated <= 300 ? 'meets' : 'MISSES'} the 5-minute target (${extrapolated.toFixed(0)} s for 20,000${ballots === 20_000 ? '' : ', extrapolated'})\n`);
    } finally {
      await store.close();
    }
    return { figures };
  });
}

// ---------------------------------------------------------------- building the ledger

interface CacheHeader {
  version: number;
  ballots: number;
  uuid: string;
  seed: string;
  serverPrivateKey: string;
  serverKey: string;
}

/** Ballots are kept as they come (resumable); returns how many were made in this run. */
async function buildBallots(ballots: number, threads: number): Promise<{ header: CacheHeader; built: BuiltBallot[]; made: number }> {
  const file = join(CACHE_DIR, `audit-${ballots}.ballots.jsonl`);
  const crypto = nodeBeleniosCrypto();
  let header: CacheHeader;
  const have = new Map<number, BuiltBallot>();
  if (existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
    header = JSON.parse(lines[0]!) as CacheHeader;
    for (const line of lines.slice(1)) {
      try {
        const ballot = JSON.parse(line) as BuiltBallot;
        have.set(ballot.i, ballot);
      } catch {
        // a line cut by an interrupted run
      }
    }
    if (header.version !== CACHE_VERSION) throw new Error(`${file} is from another version of this scenario: delete it`);
  } else {
    const serverPrivateKey = crypto.randomExponent(BELENIOS_2048);
    const serverKey = JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, serverPrivateKey, crypto)));
    header = { version: CACHE_VERSION, ballots, uuid: beleniosUuid(crypto.randomDigits(14, 58)), seed: randomBytes(16).toString('hex'), serverPrivateKey: serverPrivateKey.toString(), serverKey };
    writeFileSync(file, `${JSON.stringify(header)}\n`);
  }
  const missing = Array.from({ length: ballots }, (_, i) => i).filter((i) => !have.has(i));
  if (missing.length > 0) {
    const electionText = electionOf(header);
    const workers = Array.from({ length: threads }, () => new Worker(fileURLToPath(import.meta.url), { workerData: { electionText, seed: header.seed } }));
    const chunks: number[][] = [];
    for (let k = 0; k < missing.length; k += 25) chunks.push(missing.slice(k, k + 25));
    const start = performance.now();
    let made = 0;
    try {
      await Promise.all(
        workers.map(async (worker) => {
          for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
            const indexes = chunk;
            const answer = await new Promise<BuiltBallot[]>((resolve, reject) => {
              worker.once('message', resolve);
              worker.once('error', reject);
              // chunks are contiguous ranges of missing indexes only when nothing was cached in them
              worker.postMessage({ from: indexes[0]!, to: indexes.at(-1)! + 1 } satisfies BuildRequest);
            });
            worker.removeAllListeners('error');
            const wanted = answer.filter((b) => indexes.includes(b.i));
            appendFileSync(file, wanted.map((b) => `${JSON.stringify(b)}\n`).join(''));
            for (const b of wanted) have.set(b.i, b);
            made += wanted.length;
            const rate = made / ((performance.now() - start) / 1000);
            progress(`building ballots: ${have.size} / ${ballots} (${rate.toFixed(0)}/s on ${threads} threads)`);
          }
        }),
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
    return { header, built: Array.from({ length: ballots }, (_, i) => have.get(i)!), made };
  }
  return { header, built: Array.from({ length: ballots }, (_, i) => have.get(i)!), made: 0 };
}

function electionOf(header: CacheHeader): string {
  const publicKey = BigInt((JSON.parse(header.serverKey) as { public_key: string }).public_key);
  return electionJson({ uuid: header.uuid, title: DECLARED.name, description: `${DECLARED.name} — premier tour / first round`, publicKey, candidates: CANDIDATES, blankAllowed: true });
}

async function buildLedger(ballots: number, ledgerFile: string, threads: number): Promise<number> {
  const { header, built, made } = await buildBallots(ballots, threads);
  const crypto = nodeBeleniosCrypto();
  const partial = `${ledgerFile}.partial`;
  for (const suffix of ['', '-wal', '-shm', '-notify']) rmSync(`${partial}${suffix}`, { force: true });
  const store = new SqliteEventStore({ file: partial, synchronous: 'NORMAL' });
  const staff = `staff:${randomUUID()}`;
  let clock = Date.parse('2013-05-06T08:00:00.000Z');
  const envelope = (type: string, data: JsonObject, at: string, actor: string, correlationId: string = randomUUID(), causationId?: string): EventToAppend => ({
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId, ...(causationId !== undefined ? { causationId } : {}), actor, schemaVersion: 1, occurredAt: at },
  });
  const base = { electionId: ELECTION, round: 1 } as const;
  const round = 1 as const;
  try {
    progress('writing the ledger: declaration and registrations', true);
    await store.appendToStream(`election-${ELECTION}`, [envelope('ElectionDeclared', DECLARED as unknown as JsonObject, DECLARED.declaredAt, staff, 'bench-declare', 'bench-declare')], { expectedState: 'no_stream' });

    // registrations: in the window, both contacts confirmed, approved automatically
    const registrations: { id: string; district: string }[] = [];
    const step = Math.floor((Date.parse(DECLARED.dates.registrationClosesAt) - clock) / (ballots + 1));
    const sealedBytes = (n: number) => randomBytes(n).toString('base64url');
    for (let i = 0; i < ballots; i++) {
      const id = randomUUID();
      const district = String((i % 20) + 1);
      const at = new Date((clock += step)).toISOString();
      const stream = `registration-${id}`;
      const submitted = {
        registrationId: id,
        electionId: ELECTION,
        rollEntryId: `roll_${sealedBytes(16)}`,
        district,
        personalData: { sealed: 'v1', subject: stream, iv: sealedBytes(12), data: sealedBytes(190) },
        emailIndex: sealedBytes(32),
        phoneIndex: sealedBytes(32),
        paymentIndex: null,
        networkIndex: sealedBytes(32),
        disposableEmail: false,
        rollMatches: 1,
        signals: [
          { kind: 'email-reused', count: 1, limit: 2 },
          { kind: 'phone-reused', count: 1, limit: 2 },
          { kind: 'network-burst', count: 1, limit: 20 },
        ],
        at,
      };
      const phoneCorrelation = randomUUID();
      await store.appendToStream(
        stream,
        [
          envelope('RegistrationSubmitted', submitted, at, 'anonymous'),
          envelope('EmailConfirmed', { registrationId: id, at }, at, 'anonymous'),
          envelope('PhoneConfirmed', { registrationId: id, at }, at, 'anonymous', phoneCorrelation, phoneCorrelation),
          envelope('RegistrationApproved', { registrationId: id, electionId: ELECTION, district, by: 'automatic', at }, at, 'system:registration', phoneCorrelation, `${phoneCorrelation}:approve`),
        ],
        { expectedState: 'no_stream' },
      );
      registrations.push({ id, district });
      if (i % 500 === 0) progress(`writing the ledger: registrations ${i} / ${ballots}`);
    }

    // the round's set-up: the server's key is the only trustee
    const setupAt = '2013-05-28T18:00:00.000Z';
    const vote = voteStream(ELECTION, round);
    await store.appendToStream(
      vote,
      [
        envelope(
          'VotePrepared',
          { ...base, beleniosUuid: header.uuid, title: DECLARED.name, candidates: CANDIDATES as unknown as JsonObject[], blankAllowed: true, revotePolicy: 'single-vote', credentialRecovery: 'keep', trustees: { singles: [], thresholdGroup: null }, serverKey: header.serverKey, at: '2013-05-17T21:04:00.000Z' },
          '2013-05-17T21:04:00.000Z',
          staff,
        ),
      ],
      { expectedState: 'no_stream' },
    );
    const publicCredentials = publicCredentialsJson(built.map((b) => BigInt(b.credential)));
    const sorted = JSON.parse(publicCredentials) as string[];
    const credentials = credentialsStream(ELECTION, round);
    const credentialEvents: EventToAppend[] = [];
    for (let start = 0, batch = 0; start < sorted.length; start += 1000, batch++) {
      credentialEvents.push(envelope('PublicCredentialsPublished', { ...base, batch, credentials: sorted.slice(start, start + 1000) }, setupAt, staff, 'bench-credentials', `${credentials}:publish-${batch}`));
    }
    const voterIds = registrations.map((r) => r.id).sort();
    for (let start = 0, batch = 0; start < voterIds.length; start += 1000, batch++) {
      const registrationIds = voterIds.slice(start, start + 1000);
      credentialEvents.push(envelope('CredentialsIssued', { ...base, batch, registrationIds, notificationIds: registrationIds.map((id) => `credential.${ELECTION}.1.${id}`), at: setupAt }, setupAt, staff, 'bench-credentials'));
    }
    // one event per append, at exact revisions, as the issue-credentials handler does (an append holds at most 1 MiB)
    for (const [revision, event] of credentialEvents.entries()) await store.appendToStream(credentials, [event], { expectedState: revision === 0 ? 'no_stream' : BigInt(revision - 1) });
    const trustees = trusteesJson([header.serverKey], null);
    const election = electionOf(header);
    const publicKey = (JSON.parse(election) as { public_key: string }).public_key;
    const { fingerprints, seal } = await sealOf(crypto.sha256, { election, candidates: CANDIDATES, publicCredentials, trustees, code: createHash('sha256').update('urne bench').digest('hex') });
    await store.appendToStream(
      vote,
      [
        envelope('PublicCredentialsHandedOver', { ...base, count: sorted.length, fingerprint: await sha256Base64(crypto.sha256, publicCredentials), stream: credentials, at: setupAt }, setupAt, staff, 'bench-credentials'),
        envelope('ElectionKeyPublished', { ...base, election, trustees, publicKey, at: setupAt }, setupAt, staff, 'bench-publish'),
        envelope('VoteSealed', { ...base, fingerprints: fingerprints as unknown as JsonObject, seal, at: setupAt }, setupAt, staff, 'bench-seal'),
      ],
      { expectedState: 0n },
    );

    // the vote: one atomic cast per voter, as the castBallot handler writes it
    const box = ballotBoxStream(ELECTION, round);
    const opensAt = Date.parse(DECLARED.dates.votingOpensAt);
    let boxRevision = (await store.appendToStream(box, [envelope('BallotBoxOpened', { ...base, beleniosUuid: header.uuid, sealFingerprint: seal, at: DECLARED.dates.votingOpensAt }, DECLARED.dates.votingOpensAt, 'system:schedule')], { expectedState: 'no_stream' })).nextExpectedRevision;
    const voteStep = Math.floor((Date.parse(DECLARED.dates.votingClosesAt) - opensAt) / (ballots + 1));
    for (const [i, ballot] of built.entries()) {
      const voter = registrations[i]!;
      const at = new Date(opensAt + (i + 1) * voteStep).toISOString();
      const correlationId = randomUUID();
      const credentialHash = createHash('sha256').update(ballot.credential).digest('hex').slice(0, 32);
      const result = await store.appendToStreams([
        { stream: emargementStream(ELECTION, round, voter.id), events: [envelope('EmargementRecorded', { ...base, registrationId: voter.id, district: voter.district, revote: false, at }, at, `voter:${voter.id}`, correlationId)], expectedState: 'no_stream' },
        { stream: box, events: [envelope('BallotAccepted', { ...base, ballot: ballot.text, trackingNumber: ballot.trackingNumber, credential: ballot.credential, replaces: null, at }, at, 'voter', correlationId)], expectedState: boxRevision },
        { stream: credentialBindingStream(ELECTION, round, credentialHash), events: [envelope('CredentialBound', { ...base, voter: createHash('sha256').update(`pseudonym:${voter.id}`).digest('base64url'), at }, at, 'voter', correlationId)], expectedState: 'no_stream' },
      ]);
      boxRevision = result.streams[1]!.nextExpectedRevision;
      if (i % 500 === 0) progress(`writing the ledger: casts ${i} / ${ballots}`);
    }
    const closesAt = DECLARED.dates.votingClosesAt;
    await store.appendToStream(box, [envelope('BallotBoxClosed', { ...base, by: 'schedule', acceptedBallots: ballots, countedBallots: ballots, at: closesAt }, closesAt, 'system:schedule')], { expectedState: boxRevision });

    // tally, the server's partial decryption, result, certification
    progress('writing the ledger: tally and result', true);
    const tallyAt = '2013-06-03T17:01:00.000Z';
    const parsed = await parseElection(election, crypto.sha256);
    const computed = computeEncryptedTally(parsed, built.map((b) => ballotFromJson(parseJsonText(b.text, 'ballot'))), () => 1n, crypto.modExp);
    const decryption = await computePartialDecryption(parsed, computed.tally, BigInt(header.serverPrivateKey), crypto);
    const combined = combineDecryptionFactors(parsed.group, computed.tally, [{ kind: 'Single', factors: decryption.decryptionFactors }], crypto.modExp);
    const result = decryptTally(parsed.group, computed.tally, combined, computed.totalWeight, crypto.modExp);
    const row = result[0]!.map(Number);
    const counts = CANDIDATES.map((candidate, index) => ({ candidateId: candidate.candidateId, votes: row[index + 1]! }));
    const expected = SHARES.map((_, j) => built.filter((_, i) => choicesOf(i)[0]![j] === 1).length);
    if (row.join() !== expected.join()) throw new Error(`the bench election's result ${row.join()} is not the ballots' ${expected.join()}`);
    const winner = counts.reduce((best, c) => (c.votes > best.votes ? c : best));
    const countedVotes = counts.reduce((total, c) => total + c.votes, 0);
    await store.appendToStream(
      vote,
      [
        envelope('EncryptedTallyComputed', { ...base, encryptedTally: serializeEncryptedTally(computed.tally), numTallied: computed.numTallied, totalWeight: computed.totalWeight.toString(), seal, at: tallyAt }, tallyAt, staff, 'bench-tally:tally', 'bench-tally:tally'),
        envelope('PartialDecryptionAccepted', { ...base, trusteeId: 'server', owner: 1, partialDecryption: serializePartialDecryption(decryption), at: tallyAt }, tallyAt, staff, 'bench-tally:server-decryption', 'bench-tally:server-decryption'),
        envelope('ResultComputed', { ...base, result: serializeResult(result), counts, blank: row[0]!, countedBallots: computed.numTallied, at: tallyAt }, tallyAt, staff, 'bench-tally:result', 'bench-tally:result'),
        envelope('ResultCertified', { ...base, winner: winner.votes * 2 > countedVotes ? winner.candidateId : null, secondRoundNeeded: winner.votes * 2 <= countedVotes, at: tallyAt }, tallyAt, staff, 'bench-certify', 'bench-certify'),
      ],
      { expectedState: 3n },
    );
  } finally {
    await store.close();
  }
  for (const suffix of ['-wal', '-shm', '-notify']) rmSync(`${partial}${suffix}`, { force: true });
  renameSync(partial, ledgerFile);
  return made;
}
