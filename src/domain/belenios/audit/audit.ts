import { DomainError } from '../../shared/decider.js';
import { ArchiveError, readArchive, type ArchiveEventRecord, type BeleniosEventType, type ReadArchive } from '../archive/archive.js';
import type { Ballot } from '../ballot.js';
import { verifyBallot, type BallotVerification } from '../ballot-verification.js';
import { parseElection, type Election } from '../election.js';
import { isGroupElement } from '../groups.js';
import { BeleniosFormatError, field, parseJsonText, readArray, readInt, readObject, readString, readWeight } from '../json.js';
import { partialDecryptionFromJson, verifyPartialDecryption, type PartialDecryption } from '../partial-decryption.js';
import type { VerifyCrypto } from '../proofs.js';
import { combineDecryptionFactors, decryptTally, resultFromJson, ResultError, verifyResult, type ElectionResult, type TrusteeFactors } from '../result.js';
import { computeEncryptedTally, encryptedTallyFromJson, type EncryptedTally } from '../tally.js';
import { electionPublicKey, trusteesFromJson, validateTrustees, type Trustees } from '../trustees.js';

/**
 * An auditor's verification of a whole Belenios 2.0 archive (`<uuid>.bel`), ours or one made by
 * belenios-tool: the archive's bytes in, a verdict out. Checks, in order, stopping at the first
 * failure (which names the event: height, type, hash, and the reason):
 *
 * 1. integrity: tar structure, every member named by its SHA-256, the event chain and heights
 *    (readArchive);
 * 2. setup: one Setup event first; election, trustees and public credentials present; the
 *    election parses; every trustee proof and Pedersen parameter checks; the election public key
 *    is the product of the trustees' sub-keys; credentials distinct group members;
 * 3. every Ballot: accepted by verifyBallot (canonical, this election, group elements, proofs,
 *    signature), its credential in the list (its weight the list's); revotes replace (last(B));
 * 4. EndBallots before any EncryptedTally, no ballot after it;
 * 5. the encrypted tally, num_tallied and total_weight equal the recomputation from last(B);
 * 6. every PartialDecryption: its owner a trustee of the list, its proofs valid for that key;
 * 7. the Result: the combination of the factors (Single ones, and a Lagrange combination of at
 *    least `threshold` shares of each Pedersen group) and the published counts are the discrete
 *    logarithms (beta = F * g^count, 0 <= count <= total weight). Without a Result but with enough
 *    partial decryptions, the result is computed (discrete logarithms) and reported unpublished.
 */
export type AuditStage = 'setup' | 'voting' | 'closed' | 'tallied' | 'decrypting' | 'result';

export type AuditFailureCode =
  /** The archive itself: see `archiveCode` (BadHash, BrokenChain, NotTar…). */
  | 'ArchiveIntegrity'
  | 'MissingSetup'
  | 'InvalidSetup'
  | 'InvalidTrustees'
  | 'WrongElectionKey'
  | 'InvalidCredentials'
  | 'UnexpectedEvent'
  | 'UnsupportedEvent'
  | 'InvalidBallot'
  | 'UnknownCredential'
  | 'BallotAfterEndBallots'
  | 'MissingEndBallots'
  | 'WrongEncryptedTally'
  | 'InvalidPartialDecryption'
  | 'MissingPartialDecryptions'
  | 'WrongResult';

/** Where a failure is: an event of the archive. */
export interface AuditEventRef {
  readonly height: number;
  readonly type: BeleniosEventType;
  readonly hash: string;
  /** For a Ballot: its position among the ballots (1-based) and its tracking number. */
  readonly ballot?: { readonly index: number; readonly trackingNumber?: string };
}

export interface AuditFailure {
  readonly code: AuditFailureCode;
  /** Which check failed (see AuditCheckName). */
  readonly check: AuditCheckName;
  readonly reason: string;
  readonly event?: AuditEventRef;
  /** For ArchiveIntegrity: the ArchiveError code (BadHash, NotTar…) and its details. */
  readonly archiveCode?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type AuditCheckName = 'archive' | 'setup' | 'ballots' | 'endBallots' | 'encryptedTally' | 'partialDecryptions' | 'result';

export interface AuditCheck {
  readonly name: AuditCheckName;
  readonly status: 'passed' | 'failed' | 'not reached' | 'not applicable';
  /** What was checked, for a person. */
  readonly summary: string;
}

export interface AuditAnswerCount {
  readonly answer: string;
  readonly count: string;
}

export interface AuditQuestionResult {
  readonly question: string;
  /** Present when the question allows a blank vote. */
  readonly blank?: string;
  readonly answers: readonly AuditAnswerCount[];
}

export interface AuditResult {
  /** True when a Result event holds it (verified); false when computed from the partial decryptions. */
  readonly published: boolean;
  readonly questions: readonly AuditQuestionResult[];
  /** As belenios-tool writes it: counts per question and choice (blank first). */
  readonly raw: readonly (readonly string[])[];
}

export interface AuditReport {
  readonly verified: boolean;
  readonly stage: AuditStage | null;
  readonly election?: { readonly uuid: string; readonly name: string; readonly group: string; readonly fingerprint: string };
  readonly counts: {
    readonly events: number;
    readonly credentials: number;
    readonly trustees: { readonly single: number; readonly pedersen: readonly { readonly threshold: number; readonly members: number }[] };
    readonly ballots: number;
    /** Ballots replaced by a later ballot with the same credential. */
    readonly replacedBallots: number;
    readonly tallied: number;
    readonly totalWeight: string;
    readonly partialDecryptions: number;
  };
  readonly checks: readonly AuditCheck[];
  readonly failure?: AuditFailure;
  readonly result?: AuditResult;
  /** The hash of the last event: the archive's head. */
  readonly lastEventHash?: string;
  /** Not failures: what belenios-tool would also object to in the file's form (not its content). */
  readonly warnings: readonly string[];
}

/** Exponentiations (fixedBase serves g and y) and SHA-256: nodeBeleniosCrypto() on a server. */
export type AuditCrypto = VerifyCrypto;

export interface AuditProgress {
  readonly phase: 'ballots';
  readonly done: number;
  readonly total: number;
}

export interface AuditOptions {
  /** Verifies one ballot (e.g. on worker threads); default verifyBallot on the calling thread. */
  readonly verifyBallot?: (election: Election, ballotText: string) => Promise<BallotVerification>;
  /** Ballots verified ahead of the one being checked (useful with a parallel verifyBallot); default 1. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: AuditProgress) => void;
  /** How often onProgress is called (ballots); default 100. */
  readonly progressEvery?: number;
}

class Failed extends Error {
  constructor(readonly failure: AuditFailure) {
    super(failure.reason);
  }
}

const CHECK_ORDER: readonly AuditCheckName[] = ['archive', 'setup', 'ballots', 'endBallots', 'encryptedTally', 'partialDecryptions', 'result'];

/** The whole audit: reads the archive (integrity) and checks its content. */
export async function auditArchive(bytes: Uint8Array, crypto: AuditCrypto, options: AuditOptions = {}): Promise<AuditReport> {
  let archive: ReadArchive;
  try {
    archive = await readArchive(bytes, crypto.sha256);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    const failure: AuditFailure = { code: 'ArchiveIntegrity', check: 'archive', reason: error.message, archiveCode: error.code, details: error.details };
    return new Auditor(undefined, crypto, options).report(failure);
  }
  return auditReadArchive(archive, crypto, options);
}

/** The content checks of an archive already read (and so checked for integrity) by readArchive. */
export async function auditReadArchive(archive: ReadArchive, crypto: AuditCrypto, options: AuditOptions = {}): Promise<AuditReport> {
  const auditor = new Auditor(archive, crypto, options);
  try {
    await auditor.run();
  } catch (error) {
    if (error instanceof Failed) return auditor.report(error.failure);
    throw error;
  }
  return auditor.report(undefined);
}

interface Setup {
  election: Election;
  trustees: Trustees;
  /** Weight of each public credential. */
  weights: Map<bigint, bigint>;
}

/** An owner (1-based, over the flattened trustees) → its trustees item and key. */
interface TrusteeSlot {
  item: number;
  kind: 'Single' | 'Pedersen';
  /** For Pedersen: the 1-based index in the group. */
  member: number;
  publicKey: bigint;
}

class Auditor {
  private readonly summaries = new Map<AuditCheckName, string>();
  private readonly applicable = new Set<AuditCheckName>(['archive', 'setup']);
  private stage: AuditStage | null = null;
  private setup: Setup | undefined;
  private ballots = 0;
  private replacedBallots = 0;
  private accepted: Ballot[] = [];
  private tallied = 0;
  private totalWeight = 0n;
  private partialDecryptions = 0;
  private result: AuditResult | undefined;
  private readonly warnings: string[] = [];

  constructor(
    private readonly archive: ReadArchive | undefined,
    private readonly crypto: AuditCrypto,
    private readonly options: AuditOptions,
  ) {
    if (archive) {
      this.summaries.set('archive', `${archive.members.length + 1} members named by their SHA-256, ${archive.events.length} events chained by parent and height`);
      if (archive.endMarker) this.warnings.push('the archive ends with a tar end-of-archive marker (belenios-tool refuses one)');
      else if (!archive.canonical) this.warnings.push('the tar headers are not exactly those belenios-tool writes (belenios-tool refuses such a file)');
    }
  }

  async run(): Promise<void> {
    const archive = this.archive!;
    const events = archive.events;
    const first = events[0];
    if (!first || first.event.type !== 'Setup') this.fail('MissingSetup', 'setup', first ? `the first event is ${first.event.type}, not Setup` : 'the archive has no event (no Setup)', first);
    this.setup = await this.checkSetup(first);
    this.stage = 'setup';

    const ballotEvents = events.filter((e) => e.event.type === 'Ballot');
    const verdicts = this.ballotVerdicts(ballotEvents);
    let endBallots: ArchiveEventRecord | undefined;
    let encryptedTally: { record: ArchiveEventRecord; tally: EncryptedTally } | undefined;
    const decryptions = new Map<number, { record: ArchiveEventRecord; decryption: PartialDecryption }>();
    let resultRecord: ArchiveEventRecord | undefined;
    const replaced = new Set<bigint>();

    for (const record of events.slice(1)) {
      const type = record.event.type;
      if (resultRecord) this.fail('UnexpectedEvent', 'result', `a ${type} event after the Result`, record);
      switch (type) {
        case 'Setup':
          this.fail('UnexpectedEvent', 'setup', 'a second Setup event', record);
          break;
        case 'Ballot': {
          this.applicable.add('ballots');
          this.ballots++;
          if (endBallots) this.fail('BallotAfterEndBallots', 'endBallots', `a ballot after EndBallots (height ${endBallots.event.height})`, record, { index: this.ballots });
          const verdict = await verdicts(this.ballots - 1);
          const ballot = this.checkBallot(record, verdict);
          if (replaced.has(ballot.credential)) this.replacedBallots++;
          replaced.add(ballot.credential);
          this.accepted.push(ballot);
          this.stage = 'voting';
          const every = this.options.progressEvery ?? 100;
          if (this.ballots % every === 0 || this.ballots === ballotEvents.length) this.options.onProgress?.({ phase: 'ballots', done: this.ballots, total: ballotEvents.length });
          break;
        }
        case 'EndBallots':
          this.applicable.add('endBallots');
          if (endBallots) this.fail('UnexpectedEvent', 'endBallots', `a second EndBallots (the first at height ${endBallots.event.height})`, record);
          if (record.event.payload !== undefined) this.fail('UnexpectedEvent', 'endBallots', 'EndBallots has a payload', record);
          endBallots = record;
          this.stage = 'closed';
          break;
        case 'EncryptedTally':
          this.applicable.add('encryptedTally');
          if (!endBallots) this.fail('MissingEndBallots', 'endBallots', 'an EncryptedTally without an EndBallots event before it (the ballot box was never closed)', record);
          if (encryptedTally) this.fail('UnexpectedEvent', 'encryptedTally', 'a second EncryptedTally', record);
          encryptedTally = { record, tally: await this.checkEncryptedTally(record) };
          this.stage = 'tallied';
          break;
        case 'PartialDecryption': {
          this.applicable.add('partialDecryptions');
          if (!encryptedTally) this.fail('UnexpectedEvent', 'partialDecryptions', 'a PartialDecryption before the EncryptedTally', record);
          const { owner, decryption } = await this.checkPartialDecryption(record, encryptedTally.tally);
          const earlier = decryptions.get(owner);
          if (earlier) this.fail('InvalidPartialDecryption', 'partialDecryptions', `trustee ${owner} already published a partial decryption (height ${earlier.record.event.height})`, record);
          decryptions.set(owner, { record, decryption });
          this.partialDecryptions++;
          this.stage = 'decrypting';
          break;
        }
        case 'Result':
          this.applicable.add('result');
          if (!encryptedTally) this.fail('UnexpectedEvent', 'result', 'a Result before the EncryptedTally', record);
          resultRecord = record;
          break;
        case 'Shuffle':
        case 'EndShuffles':
          this.fail('UnsupportedEvent', 'encryptedTally', `${type} events belong to non-homomorphic questions, which this verifier does not support`, record);
      }
    }
    if (this.ballots > 0) {
      this.summaries.set('ballots', `${this.ballots} ballots valid (canonical, this election, group elements, proofs, signature), each credential in the list; ${this.replacedBallots} replaced by a revote, ${this.ballots - this.replacedBallots} in last(B)`);
    }
    if (endBallots) this.summaries.set('endBallots', encryptedTally ? 'EndBallots present before the EncryptedTally, no ballot after it' : 'EndBallots present, no ballot after it');
    if (encryptedTally) {
      if (decryptions.size > 0) this.summaries.set('partialDecryptions', `${decryptions.size} partial decryption${decryptions.size === 1 ? '' : 's'}, each by a trustee of the list, every proof valid`);
      this.result = await this.checkResult(encryptedTally.tally, decryptions, resultRecord, encryptedTally.record);
      if (resultRecord) this.stage = 'result';
    }
  }

  private async checkSetup(record: ArchiveEventRecord): Promise<Setup> {
    const data = this.archive!.data;
    const fail = (code: AuditFailureCode, reason: string): never => this.fail(code, 'setup', reason, record);
    let refs: { election: string; trustees: string; credentials: string };
    let election: Election;
    let trustees: Trustees;
    let credentialsJson: unknown;
    try {
      const json = readObject(parseJsonText(record.payloadText ?? '', 'setup'), 'setup');
      refs = { election: readString(field(json, 'election', 'setup'), 'setup.election'), trustees: readString(field(json, 'trustees', 'setup'), 'setup.trustees'), credentials: readString(field(json, 'credentials', 'setup'), 'setup.credentials') };
    } catch (error) {
      return fail('InvalidSetup', `the Setup payload is not {"election","trustees","credentials"}: ${message(error)}`);
    }
    const text = (what: keyof typeof refs) => data.get(refs[what]) ?? fail('InvalidSetup', `the ${what} ${refs[what]} named by the Setup is not in the archive`);
    try {
      election = await parseElection(text('election'), this.crypto.sha256);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return fail('InvalidSetup', `the election: ${error.message}`);
    }
    try {
      trustees = trusteesFromJson(parseJsonText(text('trustees'), 'trustees'));
      credentialsJson = parseJsonText(text('credentials'), 'public credentials');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return fail('InvalidSetup', error.message);
    }
    const { group } = election;
    try {
      await validateTrustees(group, trustees, this.crypto);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return fail('InvalidTrustees', error.message);
    }
    const key = electionPublicKey(group, trustees, this.crypto);
    if (key !== election.publicKey) fail('WrongElectionKey', `the election public key is not the product of the trustees' sub-keys (expected ${key})`);
    const weights = new Map<bigint, bigint>();
    try {
      for (const [index, entry] of readArray(credentialsJson, 'public_credentials').entries()) {
        const [credential, weight] = readString(entry, `public_credentials[${index}]`).split(',');
        if (!credential || !/^[0-9]+$/.test(credential) || (weight && !/^[0-9]+$/.test(weight))) throw new BeleniosFormatError(`public credential ${index + 1} is not "credential[,weight[,login]]" in base 10`);
        const value = BigInt(credential);
        if (weights.has(value)) throw new BeleniosFormatError(`public credential ${index + 1} appears twice (${credential})`);
        if (!isGroupElement(group, value, this.crypto.modExp)) throw new BeleniosFormatError(`public credential ${index + 1} is not an element of the group ${group.name}`);
        weights.set(value, weight ? BigInt(weight) : 1n);
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return fail('InvalidCredentials', error.message);
    }
    const singles = trustees.filter((t) => t.kind === 'Single').length;
    const groups = trustees.flatMap((t) => (t.kind === 'Pedersen' ? [`${t.parameters.threshold}-of-${t.parameters.verificationKeys.length}`] : []));
    const total = [...weights.values()].reduce((a, b) => a + b, 0n);
    this.summaries.set(
      'setup',
      `election "${election.name}" (${election.uuid}, ${group.name}, ${election.questions.length} question${election.questions.length === 1 ? '' : 's'}); ` +
        `${singles} Single trustee${singles === 1 ? '' : 's'}${groups.length ? ` and ${groups.length} threshold group${groups.length === 1 ? '' : 's'} (${groups.join(', ')})` : ''}, every proof valid; ` +
        `election key = product of the sub-keys; ${weights.size} public credentials distinct, in the group${total !== BigInt(weights.size) ? ` (total weight ${total})` : ''}`,
    );
    return { election, trustees, weights };
  }

  /** The verdict of ballot k (0-based), verifying up to `concurrency` ballots ahead. */
  private ballotVerdicts(ballotEvents: readonly ArchiveEventRecord[]): (k: number) => Promise<BallotVerification> {
    const { election } = this.setup!;
    const verify = this.options.verifyBallot ?? ((e: Election, text: string) => verifyBallot(e, text, this.crypto));
    const ahead = Math.max(1, Math.floor(this.options.concurrency ?? 1));
    const started = new Map<number, Promise<BallotVerification>>();
    let next = 0;
    return (k) => {
      while (next < ballotEvents.length && next < k + ahead) {
        const promise = verify(election, ballotEvents[next]!.payloadText ?? '');
        promise.catch(() => undefined); // awaited below; an audit that stops early leaves no unhandled rejection
        started.set(next++, promise);
      }
      const promise = started.get(k)!;
      started.delete(k);
      return promise;
    };
  }

  private checkBallot(record: ArchiveEventRecord, verdict: BallotVerification): Ballot {
    const index = this.ballots;
    if (!verdict.ok) this.fail('InvalidBallot', 'ballots', `${verdict.reason === 'NonCanonical' ? 'not canonical' : 'invalid'}: ${verdict.detail}`, record, { index }, { reason: verdict.reason });
    const ref = { index, trackingNumber: verdict.trackingNumber };
    if (!this.setup!.weights.has(verdict.ballot.credential)) this.fail('UnknownCredential', 'ballots', `its credential ${verdict.credential} is not in the public credentials`, record, ref);
    return verdict.ballot;
  }

  private async checkEncryptedTally(record: ArchiveEventRecord): Promise<EncryptedTally> {
    const { election, weights } = this.setup!;
    const fail = (reason: string, details?: Record<string, unknown>): never => this.fail('WrongEncryptedTally', 'encryptedTally', reason, record, undefined, details);
    let tally: EncryptedTally;
    let numTallied: number;
    let totalWeight: bigint;
    try {
      const sized = readObject(parseJsonText(record.payloadText ?? '', 'sized_encrypted_tally'), 'sized_encrypted_tally');
      numTallied = readInt(field(sized, 'num_tallied', 'sized_encrypted_tally'), 'num_tallied');
      totalWeight = readWeight(field(sized, 'total_weight', 'sized_encrypted_tally'), 'total_weight');
      const hash = readString(field(sized, 'encrypted_tally', 'sized_encrypted_tally'), 'encrypted_tally');
      const text = this.archive!.data.get(hash);
      if (text === undefined) return fail(`the encrypted tally ${hash} is not in the archive`);
      tally = encryptedTallyFromJson(election, parseJsonText(text, 'encrypted_tally'));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return fail(error.message);
    }
    const computed = computeEncryptedTally(election, this.accepted, (credential) => weights.get(credential)!, this.crypto.modExp);
    if (numTallied !== computed.numTallied) fail(`num_tallied is ${numTallied}, but last(B) holds ${computed.numTallied} ballots`, { published: numTallied, computed: computed.numTallied });
    if (totalWeight !== computed.totalWeight) fail(`total_weight is ${totalWeight}, but the weights of last(B) add up to ${computed.totalWeight}`, { published: String(totalWeight), computed: String(computed.totalWeight) });
    for (const [i, row] of computed.tally.entries()) {
      for (const [j, c] of row.entries()) {
        const published = tally[i]![j]!;
        if (published.alpha !== c.alpha || published.beta !== c.beta) fail(`the ciphertext of question ${i + 1}, choice ${j + 1} is not the product of the ballots of last(B)`, { question: i + 1, choice: j + 1 });
      }
    }
    this.tallied = computed.numTallied;
    this.totalWeight = computed.totalWeight;
    this.summaries.set('encryptedTally', `the encrypted tally equals the product of the ${computed.numTallied} ballots of last(B) (num_tallied ${numTallied}, total_weight ${totalWeight})`);
    return tally;
  }

  /** Owners, 1-based, in the order of the trustees structure (a Pedersen group counts each member). */
  private trusteeSlots(): TrusteeSlot[] {
    return this.setup!.trustees.flatMap((t, item): TrusteeSlot[] =>
      t.kind === 'Single'
        ? [{ item, kind: 'Single', member: 1, publicKey: t.key.publicKey }]
        : t.parameters.verificationKeys.map((key, k) => ({ item, kind: 'Pedersen', member: k + 1, publicKey: key.publicKey })),
    );
  }

  private async checkPartialDecryption(record: ArchiveEventRecord, tally: EncryptedTally): Promise<{ owner: number; decryption: PartialDecryption }> {
    const { election } = this.setup!;
    const fail = (reason: string, details?: Record<string, unknown>): never => this.fail('InvalidPartialDecryption', 'partialDecryptions', reason, record, undefined, details);
    let owner: number;
    let decryption: PartialDecryption;
    try {
      const owned = readObject(parseJsonText(record.payloadText ?? '', 'owned partial decryption'), 'owned partial decryption');
      owner = readInt(field(owned, 'owner', 'owned'), 'owner');
      const hash = readString(field(owned, 'payload', 'owned'), 'payload');
      const text = this.archive!.data.get(hash);
      if (text === undefined) return fail(`the partial decryption ${hash} is not in the archive`);
      decryption = partialDecryptionFromJson(parseJsonText(text, 'partial decryption'));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return fail(error.message);
    }
    const slots = this.trusteeSlots();
    const slot = slots[owner - 1];
    if (!slot) return fail(`its owner ${owner} is not a trustee (the trustees are numbered 1 to ${slots.length})`, { owner });
    if (!(await verifyPartialDecryption(election, tally, slot.publicKey, decryption, this.crypto))) {
      fail(`the partial decryption of trustee ${owner} does not verify against that trustee's key (${slot.kind}${slot.kind === 'Pedersen' ? ` member ${slot.member}` : ''}): wrong shape, factor or proof`, { owner });
    }
    return { owner, decryption };
  }

  private async checkResult(
    tally: EncryptedTally,
    decryptions: ReadonlyMap<number, { record: ArchiveEventRecord; decryption: PartialDecryption }>,
    resultRecord: ArchiveEventRecord | undefined,
    tallyRecord: ArchiveEventRecord,
  ): Promise<AuditResult | undefined> {
    const { election, trustees } = this.setup!;
    const { group } = election;
    const slots = this.trusteeSlots();
    const missing: string[] = [];
    const items: TrusteeFactors[] = trustees.map((t, item): TrusteeFactors => {
      const mine = slots.map((slot, i) => ({ slot, owner: i + 1 })).filter(({ slot }) => slot.item === item);
      if (t.kind === 'Single') {
        const owner = mine[0]!.owner;
        const found = decryptions.get(owner);
        if (!found) missing.push(`trustee ${owner} (Single)`);
        return { kind: 'Single', factors: found?.decryption.decryptionFactors ?? [] };
      }
      const shares = mine.flatMap(({ slot, owner }) => {
        const found = decryptions.get(owner);
        return found ? [{ index: slot.member, factors: found.decryption.decryptionFactors }] : [];
      });
      if (shares.length < t.parameters.threshold) {
        missing.push(`${t.parameters.threshold - shares.length} more of trustees ${mine[0]!.owner}–${mine.at(-1)!.owner} (Pedersen, ${shares.length} of ${t.parameters.threshold} needed)`);
      }
      return { kind: 'Pedersen', shares };
    });
    if (missing.length > 0) {
      if (resultRecord) this.fail('MissingPartialDecryptions', 'result', `a Result without enough partial decryptions: missing ${missing.join(', ')}`, resultRecord);
      this.summaries.set('result', `no result yet: partial decryptions missing from ${missing.join(', ')}`);
      return undefined;
    }
    let combined: bigint[][];
    try {
      combined = combineDecryptionFactors(group, tally, items, this.crypto.modExp);
    } catch (error) {
      if (!(error instanceof ResultError)) throw error;
      return this.fail('WrongResult', 'result', error.message, resultRecord ?? tallyRecord);
    }
    const pedersen = trustees.filter((t) => t.kind === 'Pedersen').length;
    const how = `the decryption factors combined (${trustees.length - pedersen} Single${pedersen ? `, Lagrange over each threshold group's shares` : ''})`;
    if (!resultRecord) {
      let counts: bigint[][];
      try {
        counts = decryptTally(group, tally, combined, this.totalWeight, this.crypto.modExp);
      } catch (error) {
        if (!(error instanceof ResultError)) throw error;
        return this.fail('WrongResult', 'result', `the partial decryptions do not decrypt the tally: ${error.message}`, tallyRecord);
      }
      this.applicable.add('result');
      this.summaries.set('result', `no Result published yet; computed from ${how}: discrete logarithms found within the total weight ${this.totalWeight}`);
      return this.describeResult(counts, false);
    }
    let result: ElectionResult;
    try {
      result = resultFromJson(parseJsonText(resultRecord.payloadText ?? '', 'result'));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return this.fail('WrongResult', 'result', error.message, resultRecord);
    }
    if (!verifyResult(group, tally, combined, result, this.totalWeight, this.crypto.modExp)) {
      const detail = describeMismatch(group, tally, combined, result, this.totalWeight, this.crypto.modExp);
      this.fail('WrongResult', 'result', `the published result is not the decryption of the tally: ${detail}`, resultRecord);
    }
    this.summaries.set('result', `the published result is the decryption of the tally by ${how}: beta = F · g^count for every count, each within the total weight ${this.totalWeight}`);
    return this.describeResult(result, true);
  }

  private describeResult(counts: ElectionResult, published: boolean): AuditResult {
    const questions = this.setup!.election.questions.map((question, i): AuditQuestionResult => {
      const row = counts[i]!.map(String);
      const offset = question.blank ? 1 : 0;
      return {
        question: question.question,
        ...(question.blank ? { blank: row[0]! } : {}),
        answers: question.answers.map((answer, j) => ({ answer, count: row[j + offset]! })),
      };
    });
    return { published, questions, raw: counts.map((row) => row.map(String)) };
  }

  private fail(
    code: AuditFailureCode,
    check: AuditCheckName,
    reason: string,
    record: ArchiveEventRecord | undefined,
    ballot?: { index: number; trackingNumber?: string },
    details?: Record<string, unknown>,
  ): never {
    const event: AuditEventRef | undefined = record ? { height: record.event.height, type: record.event.type, hash: record.hash, ...(ballot ? { ballot } : {}) } : undefined;
    throw new Failed({ code, check, reason, ...(event ? { event } : {}), ...(details ? { details } : {}) });
  }

  report(failure: AuditFailure | undefined): AuditReport {
    if (failure) this.applicable.add(failure.check);
    const failedAt = failure ? CHECK_ORDER.indexOf(failure.check) : -1;
    const checks = CHECK_ORDER.map((name, i): AuditCheck => {
      const status = failure && i === failedAt ? 'failed' : failure && i > failedAt ? 'not reached' : this.applicable.has(name) ? 'passed' : 'not applicable';
      const summary = status === 'failed' ? failure!.reason : status === 'not reached' ? '' : (this.summaries.get(name) ?? (status === 'passed' ? 'passed' : notApplicable(name, this.stage)));
      return { name, status, summary };
    });
    const trustees = this.setup?.trustees ?? [];
    const last = this.archive?.events.at(-1);
    return {
      verified: failure === undefined,
      stage: this.stage,
      ...(this.setup ? { election: { uuid: this.setup.election.uuid, name: this.setup.election.name, group: this.setup.election.group.name, fingerprint: this.setup.election.fingerprint } } : {}),
      counts: {
        events: this.archive?.events.length ?? 0,
        credentials: this.setup?.weights.size ?? 0,
        trustees: {
          single: trustees.filter((t) => t.kind === 'Single').length,
          pedersen: trustees.flatMap((t) => (t.kind === 'Pedersen' ? [{ threshold: t.parameters.threshold, members: t.parameters.verificationKeys.length }] : [])),
        },
        ballots: this.ballots,
        replacedBallots: this.replacedBallots,
        tallied: this.tallied,
        totalWeight: String(this.totalWeight),
        partialDecryptions: this.partialDecryptions,
      },
      checks,
      ...(failure ? { failure } : {}),
      ...(this.result && !failure ? { result: this.result } : {}),
      ...(last ? { lastEventHash: last.hash } : {}),
      warnings: this.warnings,
    };
  }
}

function notApplicable(name: AuditCheckName, stage: AuditStage | null): string {
  const at = stage ? ` (stage: ${stage})` : '';
  switch (name) {
    case 'ballots':
      return `no ballot${at}`;
    case 'endBallots':
      return `the ballot box is not closed${at}`;
    case 'encryptedTally':
      return `not tallied yet${at}`;
    case 'partialDecryptions':
      return `no partial decryption yet${at}`;
    case 'result':
      return `no result yet${at}`;
    default:
      return '';
  }
}

/** Says which count of a result fails, for a person. */
function describeMismatch(group: Election['group'], tally: EncryptedTally, combined: readonly (readonly bigint[])[], result: ElectionResult, totalWeight: bigint, modExp: AuditCrypto['modExp']): string {
  if (result.length !== tally.length || !tally.every((row, i) => result[i]!.length === row.length)) return 'it does not have the shape of the election questions';
  for (const [i, row] of tally.entries()) {
    for (const [j, c] of row.entries()) {
      const count = result[i]![j]!;
      if (count > totalWeight) return `question ${i + 1}, choice ${j + 1}: ${count} is more than the total weight ${totalWeight}`;
      if (c.beta !== (combined[i]![j]! * modExp(group.g, count, group.p)) % group.p) return `question ${i + 1}, choice ${j + 1}: ${count} is not the decrypted count`;
    }
  }
  return 'mismatch';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
