import type { INestApplication } from '@nestjs/common';
import type { ManualClock } from '../../application/ports/clock.js';
import { BallotBoxSchedule } from '../../application/vote/ballot-box-schedule.js';
import { parseElection } from '../../domain/belenios/election.js';
import { encryptedTallyFromJson } from '../../domain/belenios/tally.js';
import { nodeBeleniosCrypto } from '../crypto/node-belenios-crypto.js';
import { DemoBooths } from './demo-booth.js';
import { DemoGraphqlError, forEachConcurrently, type DemoGraphqlClient } from './demo-graphql.js';
import { OUTBOX_TEMPLATES, type OutboxReader } from './demo-outbox.js';
import type { DemoProgress } from './demo-progress.js';
import type { RegisteredPerson } from './demo-registrations.js';
import type { DemoTrusteeSide } from './demo-trustees.js';

/**
 * The vote of the demo, through GraphQL as staff and voters would: the council prepares the round,
 * issues the credentials (access codes by e-mail) once registration has closed; the trustees send
 * their keys; the council publishes the election key and seals; the schedule opens the ballot box;
 * the simulated voters sign in (e-mail + SMS code), build their ballot in a booth with their access
 * code and cast it, in waves on the demo clock; a few try to vote again (the election's revote
 * policy decides); the council reads the turnout as it goes; the schedule closes the box; the
 * council computes the tally; the trustees decrypt; the council certifies.
 */

/** Per-address sign-in limits (30 code requests an hour): each wave of voters in an hour of its own. */
const WAVE = 25;
const ROUND_RESULT = `stage seal tallied decryptedBy beleniosUuid publicCredentials publicCredentialsFingerprint result { candidates { candidateId name votes percentOfCandidateVotes percentOfBallots } blank countedBallots candidateVotes certified winner secondRoundNeeded }`;
const M = (name: string, inputType = 'VoteRoundInput', fields = 'stage') => `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${fields} } }`;
const CAST = `mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber replacedEarlierBallot } }`;
const TURNOUT = `query ($e: String!) { turnout(electionId: $e) { registered voted turnoutPercent ballotBoxOpenedAt ballotBoxClosedAt byHour { hourStart votes } } }`;

/** Shares of the ballots (any scale): per candidate id, and blank. */
export interface VoteShares {
  candidates: Record<string, number>;
  blank: number;
}

export interface VoteStepOptions {
  app: INestApplication;
  anonymous: DemoGraphqlClient;
  council: () => Promise<DemoGraphqlClient>;
  trustees: DemoTrusteeSide;
  clock: ManualClock;
  electionId: string;
  dates: { registrationClosesAt: string; votingOpensAt: string; votingClosesAt: string };
  /** Approved registrations; the first `voters` of them vote (they are in random order already). */
  registrants: RegisteredPerson[];
  voters: number;
  revoters: number;
  shares: VoteShares;
  outbox: OutboxReader;
  concurrency: number;
  progress: DemoProgress;
  random: () => number;
  /** Waits for the read models (turnout) to apply everything written so far. */
  catchUp: () => Promise<void>;
  timed: <T>(label: string, work: () => Promise<T>) => Promise<T>;
}

export interface TurnoutReading {
  at: string;
  registered: number;
  voted: number;
  turnoutPercent: number | null;
}

export interface VoteOutcome {
  beleniosUuid: string;
  trustees: string;
  decryptedBy: string[];
  credentials: { voters: number; fingerprint: string };
  seal: string;
  openedAt: string | null;
  closedAt: string | null;
  revotePolicy: string;
  blankAllowed: boolean;
  voters: number;
  ballotsAccepted: number;
  revotes: { tried: number; replaced: number; refused: Record<string, number> };
  turnout: TurnoutReading[];
  byHour: Array<{ hourStart: string; votes: number }>;
  waves: { count: number; spacingMinutes: number };
  capped: string | null;
  boothThreads: number;
  example: { trackingNumber: string; counted: boolean | null };
  result: {
    candidates: Array<{ candidateId: string; name: string; votes: number; percentOfCandidateVotes: number; percentOfBallots: number }>;
    blank: number;
    countedBallots: number;
    candidateVotes: number;
    certified: boolean;
    winner: string | null;
    secondRoundNeeded: boolean;
  };
  emargements: number;
}

interface Voter extends RegisteredPerson {
  accessCode: string;
  /** Index in ballot order, or 'blank'. */
  choice: number | 'blank';
  trackingNumber?: string;
}

/** Exact counts for `total` ballots in proportion to the shares (largest remainders). */
export function apportion(shares: readonly number[], total: number): number[] {
  const sum = shares.reduce((a, b) => a + b, 0);
  if (sum <= 0) return shares.map(() => 0);
  const exact = shares.map((share) => (share / sum) * total);
  const counts = exact.map(Math.floor);
  const order = exact.map((value, i) => ({ i, rest: value - Math.floor(value) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  const missing = total - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) counts[order[k % order.length]!.i]! += 1;
  return counts;
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export async function runVote(options: VoteStepOptions): Promise<VoteOutcome> {
  const { electionId, clock, progress, timed, council } = options;
  const crypto = nodeBeleniosCrypto();
  const input = { electionId };
  const schedule = options.app.get(BallotBoxSchedule);
  const round = async () =>
    (await options.anonymous.request<{ voteRound: Record<string, any> }>(`query ($e: String!) { voteRound(electionId: $e) { ${ROUND_RESULT} electionJson trusteesJson encryptedTallyJson revotePolicy candidates { candidateId name } } }`, { e: electionId })).voteRound;

  // 1. The round: the server's key and the trustees' (a threshold group, or each key needed); credentials kept for re-sending.
  const { trustees } = options;
  const group = trustees.plan.thresholdGroup;
  await timed(`prepare the vote: the server and ${group ? `a threshold group (${group.threshold} of ${group.trustees.length})` : `${trustees.plan.singleTrustees.length} trustees`} will hold the decryption key`, () =>
    council().then((c) => c.request(M('prepareVote', 'PrepareVoteInput'), { input: { ...input, ...trustees.plan, credentialRecovery: 'keep', commandId: `demo-prepare-${electionId}` } })),
  );

  // Every wave of voters in an hour of its own (the per-address limits): the window holds so many.
  const opensAt = Date.parse(options.dates.votingOpensAt);
  const closesAt = Date.parse(options.dates.votingClosesAt);
  const maxWaves = Math.floor((closesAt - opensAt) / (61 * 60_000)) - 1;
  const capacity = Math.max(0, (maxWaves - 1) * WAVE);
  let capped: string | null = null;
  if (options.voters > capacity) {
    capped = `the voting window holds ${maxWaves} waves of ${WAVE} sign-ins from the demo's one address: ${capacity} of the ${options.voters} voters vote`;
    progress.note(capped);
  }
  const voting = options.registrants.slice(0, Math.min(options.voters, capacity));
  if (voting.length === 0) throw new Error(`no voter can vote: ${capped ?? 'no approved registration'}`);

  // 2. Once registration has closed: one credential per approved voter, its access code by e-mail.
  clock.set(new Date(Date.parse(options.dates.registrationClosesAt) + 3600_000));
  const credentials = await timed('issue the credentials: an access code by e-mail to every approved voter', async () => {
    const issued = await (await council()).request<{ issueCredentials: { voters: number; fingerprint: string } }>(
      `mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters newlyGenerated notificationsRequested fingerprint } }`,
      { input: { ...input, commandId: `demo-credentials-${electionId}` } },
    );
    return issued.issueCredentials;
  });
  const accessCodes = await timed(`read ${voting.length} access codes from the outbox`, async () => {
    const codes: string[] = [];
    await forEachConcurrently(voting, options.concurrency, async (voter, i) => void (codes[i] = await options.outbox.take(OUTBOX_TEMPLATES.accessCode, voter.email)), (done) => progress.count('access codes', done, voting.length));
    return codes;
  });

  // 3. The key ceremony (the trustees' side in demo-trustees.ts); the election key; the seal.
  await timed(`key ceremony (${trustees.plan.thresholdGroup ? 'certificates, polynomials, voutputs' : 'trustee keys'}), the election key, the seal`, async () => {
    await trustees.ceremony();
    await (await council()).request(M('publishElectionKey'), { input: { ...input, commandId: `demo-publish-${electionId}` } });
    await (await council()).request(M('sealVote'), { input: { ...input, commandId: `demo-seal-${electionId}` } });
  });
  const sealed = await round();
  const electionJson = sealed.electionJson as string;
  const trusteesJson = sealed.trusteesJson as string;
  const election = await parseElection(electionJson, crypto.sha256);
  const ballotOrder = (sealed.candidates as Array<{ candidateId: string; name: string }>).map((c) => c.candidateId);
  const revotePolicy = sealed.revotePolicy as string;

  // The voters' choices: exact counts in proportion to the shares, in random order.
  const blankAllowed = election.questions[0]!.blank === true;
  const weights = [...ballotOrder.map((id) => options.shares.candidates[id] ?? 0), blankAllowed ? options.shares.blank : 0];
  const counts = apportion(weights, voting.length);
  // At least one blank ballot when the election allows them, so that the count shows one.
  if (blankAllowed && counts[ballotOrder.length] === 0 && voting.length >= 20) {
    counts[ballotOrder.length] = 1;
    counts[counts.indexOf(Math.max(...counts))]! -= 1;
  }
  const choices: Array<number | 'blank'> = shuffle(
    counts.flatMap((count, i) => Array<number | 'blank'>(count).fill(i === ballotOrder.length ? 'blank' : i)),
    options.random,
  );
  const voters: Voter[] = voting.map((person, i) => ({ ...person, accessCode: accessCodes[i]!, choice: choices[i]! }));
  const row = (choice: number | 'blank') => [[blankAllowed ? (choice === 'blank' ? 1 : 0) : null, ...ballotOrder.map((_, i) => (i === choice ? 1 : 0))].filter((v): v is number => v !== null)];

  // 4. Voting: the schedule opens the box; waves of voters, one hour of the demo clock apart at least.
  const revoters = shuffle([...voters], options.random).slice(0, Math.min(options.revoters, WAVE, voters.length));
  const waves: Array<Array<{ voter: Voter; revote: boolean }>> = [];
  for (let start = 0; start < voters.length; start += WAVE) waves.push(voters.slice(start, start + WAVE).map((voter) => ({ voter, revote: false })));
  if (revoters.length > 0) waves.push(revoters.map((voter) => ({ voter, revote: true })));
  const spacing = Math.max(61 * 60_000, Math.floor((closesAt - opensAt) / (waves.length + 1)));
  clock.set(new Date(opensAt));
  await schedule.tick();

  const booths = DemoBooths.start(electionJson);
  const turnout: TurnoutReading[] = [];
  const readTurnout = async () => {
    await options.catchUp();
    const read = (await (await council()).request<{ turnout: TurnoutReading & { ballotBoxOpenedAt: string | null; ballotBoxClosedAt: string | null; byHour: Array<{ hourStart: string; votes: number }> } }>(TURNOUT, { e: electionId })).turnout;
    return read;
  };
  const revotes = { tried: 0, replaced: 0, refused: {} as Record<string, number> };
  const lastChoice = new Map<Voter, number | 'blank'>();
  let accepted = 0;
  const totalCasts = voters.length + revoters.length;
  try {
    await timed(`${voters.length} voters sign in and cast encrypted ballots, ${revoters.length} try again (${waves.length} waves, ${options.concurrency} in flight, ${booths.threads || 'no'} booth thread${booths.threads === 1 ? '' : 's'})`, async () => {
      let done = 0;
      const readAt = new Set([Math.floor(waves.length / 4), Math.floor(waves.length / 2), Math.floor((3 * waves.length) / 4)].filter((w) => w > 0));
      for (const [w, wave] of waves.entries()) {
        clock.set(new Date(opensAt + Math.floor(spacing / 2) + w * spacing));
        if (readAt.has(w)) {
          const read = await readTurnout();
          turnout.push({ at: clock.now().toISOString(), registered: read.registered, voted: read.voted, turnoutPercent: read.turnoutPercent });
          progress.note(`turnout at ${clock.now().toISOString()}: ${read.voted} of ${read.registered} (${read.turnoutPercent ?? '-'} %)`);
        }
        await forEachConcurrently(wave, options.concurrency, async ({ voter, revote }) => {
          const choice = revote ? (voter.choice === 0 ? 1 : 0) : voter.choice;
          const ballot = booths.build(voter.accessCode, row(choice));
          ballot.catch(() => undefined);
          await options.anonymous.request(`mutation ($input: RequestVotingCodeInput!) { requestVotingCode(input: $input) }`, { input: { electionId, email: voter.email } });
          const code = await options.outbox.take(OUTBOX_TEMPLATES.votingCode, voter.phone);
          const signed = await options.anonymous.request<{ signInToVote: { token: string } }>(`mutation ($input: SignInToVoteInput!) { signInToVote(input: $input) { token } }`, { input: { electionId, email: voter.email, code } });
          const { text, trackingNumber } = await ballot;
          try {
            const cast = await options.anonymous.withToken(signed.signInToVote.token).request<{ castBallot: { trackingNumber: string; replacedEarlierBallot: boolean } }>(CAST, { input: { electionId, ballot: text } });
            if (cast.castBallot.trackingNumber !== trackingNumber) throw new Error(`the receipt's tracking number ${cast.castBallot.trackingNumber} is not the booth's ${trackingNumber}`);
            accepted++;
            lastChoice.set(voter, choice);
            if (revote) {
              revotes.tried++;
              if (cast.castBallot.replacedEarlierBallot) revotes.replaced++;
            } else voter.trackingNumber = trackingNumber;
          } catch (error) {
            if (!revote || !(error instanceof DemoGraphqlError)) throw error;
            revotes.tried++;
            revotes.refused[error.code] = (revotes.refused[error.code] ?? 0) + 1;
          }
          progress.count('ballots cast', ++done, totalCasts);
        });
      }
    });
  } finally {
    await booths.stop();
  }

  // 5. The schedule closes the box at the end of the window; the tally; the trustees' decryptions.
  clock.set(new Date(closesAt + 60_000));
  await schedule.tick();
  const closing = await readTurnout();
  if (closing.ballotBoxClosedAt === null) await (await council()).request(M('closeBallotBox'), { input: { ...input, commandId: `demo-close-${electionId}` } });
  const final = closing.ballotBoxClosedAt === null ? await readTurnout() : closing;
  turnout.push({ at: final.ballotBoxClosedAt ?? clock.now().toISOString(), registered: final.registered, voted: final.voted, turnoutPercent: final.turnoutPercent });

  const tallied = await timed('compute the encrypted tally (seal re-checked) and the server’s partial decryption', async () =>
    (await (await council()).request<{ computeTally: { encryptedTallyJson: string; tallied: number } }>(M('computeTally', 'VoteRoundInput', 'encryptedTallyJson tallied'), { input: { ...input, commandId: `demo-tally-${electionId}` } })).computeTally,
  );
  const decryptedBy = await timed(`the trustees decrypt their share of the tally (${trustees.plan.thresholdGroup ? `${trustees.plan.thresholdGroup.threshold} of ${trustees.plan.thresholdGroup.trustees.length}` : 'all'})`, () =>
    trustees.decrypt(election, encryptedTallyFromJson(election, JSON.parse(tallied.encryptedTallyJson)), trusteesJson),
  );
  await timed('certify the result (émargements = counted ballots)', () => council().then((c) => c.request(M('certifyResult'), { input: { ...input, commandId: `demo-certify-result-${electionId}` } })));
  const certified = await round();
  const result = certified.result as VoteOutcome['result'] | null;
  if (!result) throw new Error(`no result after the decryptions (stage ${certified.stage as string})`);

  // What the voters did, against what the count says.
  const expected = new Map<string, number>();
  let expectedBlank = 0;
  for (const choice of lastChoice.values()) {
    if (choice === 'blank') expectedBlank++;
    else expected.set(ballotOrder[choice]!, (expected.get(ballotOrder[choice]!) ?? 0) + 1);
  }
  const got = result.candidates.map((c) => `${c.candidateId} ${c.votes}`).join(', ') + `, blank ${result.blank}`;
  const want = ballotOrder.map((id) => `${id} ${expected.get(id) ?? 0}`).join(', ') + `, blank ${expectedBlank}`;
  if (got !== want || result.countedBallots !== lastChoice.size) throw new Error(`the result (${got}; ${result.countedBallots} counted) is not what the ${lastChoice.size} voters cast (${want})`);

  const example = voters.find((v) => v.trackingNumber && !revoters.includes(v)) ?? voters.find((v) => v.trackingNumber)!;
  const tracker = await options.anonymous.request<{ ballotTracker: { counted: boolean } | null }>(`query ($e: String!, $t: String!) { ballotTracker(electionId: $e, trackingNumber: $t) { counted } }`, { e: electionId, t: example.trackingNumber! });
  return {
    beleniosUuid: certified.beleniosUuid as string,
    trustees: trustees.description,
    decryptedBy,
    credentials: { voters: credentials.voters, fingerprint: credentials.fingerprint },
    seal: certified.seal as string,
    openedAt: final.ballotBoxOpenedAt,
    closedAt: final.ballotBoxClosedAt,
    revotePolicy,
    blankAllowed,
    voters: lastChoice.size,
    ballotsAccepted: accepted,
    revotes,
    turnout,
    byHour: final.byHour,
    waves: { count: waves.length, spacingMinutes: Math.round(spacing / 60_000) },
    capped,
    boothThreads: booths.threads,
    example: { trackingNumber: example.trackingNumber!, counted: tracker.ballotTracker?.counted ?? null },
    result,
    emargements: final.voted,
  };
}
