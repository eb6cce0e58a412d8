import { createHash } from 'node:crypto';
import { BeleniosArchiveWriter } from '../../domain/belenios/archive/archive.js';
import type { Sha256 } from '../../domain/belenios/trustee-key.js';
import { electionStreamName } from '../../domain/election/election.events.js';
import { ballotBoxStream, type Round } from '../../domain/vote/vote.events.js';
import { credentialsStream, voteStream } from '../../domain/vote/vote-setup.events.js';
import { StreamNotFoundError } from '../event-store/event-store.errors.js';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { writeAtomically } from '../files/write-atomically.js';

/**
 * One round's public record as a Belenios 2.0 archive (`<uuid>.bel`), rebuilt from our events, for
 * `belenios-tool election verify`. Deterministic: the header timestamp is the instant the election
 * key was published, every text is the exact JSON recorded in the events, so two exports of the
 * same state are identical and an export made later extends an earlier one byte for byte.
 *
 * Members, in order (Belenios 2.0 specification, 4.4; what belenios-tool's `archive add-event` writes):
 * - BELENIOS header, timestamp = ElectionKeyPublished.at in Unix seconds;
 * - election, trustees, public_credentials (JSON list of the credentials, batches in order),
 *   setup_data `{"election":H,"trustees":H,"credentials":H}`, Setup event;
 * - each accepted ballot, in acceptance order: ballot, Ballot event;
 * - once the box is closed: EndBallots event (no payload);
 * - once tallied: encrypted_tally, sized_encrypted_tally
 *   `{"num_tallied":n,"total_weight":w,"encrypted_tally":H}`, EncryptedTally event;
 * - each accepted partial decryption: partial_decryption, owned `{"owner":n,"payload":H}`,
 *   PartialDecryption event;
 * - the result: result, Result event.
 *
 * All streams are read up to one position of the global log taken at the start, so the archive is
 * a consistent snapshot even while ballots keep coming in.
 */

export interface ExportTarget {
  electionId: string;
  round: number;
}

export type BeleniosExportStage = 'setup' | 'voting' | 'closed' | 'tallied' | 'decrypting' | 'result';

export interface BeleniosExportSummary {
  electionId: string;
  round: number;
  /** The Belenios election uuid: an auditor names the file `<uuid>.bel`. */
  uuid: string;
  /** The header timestamp (Unix seconds). */
  timestamp: string;
  stage: BeleniosExportStage;
  ballots: number;
  partialDecryptions: number;
  /** Belenios events written (Setup, Ballot…). */
  events: number;
  /** Hash of the last event: the archive's head, as belenios-tool reports it. */
  lastEventHash: string;
  bytes: number;
}

export interface ExportProgress {
  ballots: number;
  /** Events in the ballot box stream at the start (an upper bound on the ballots). */
  ballotBoxEvents: number;
}

export interface ExportOptions {
  onProgress?: (progress: ExportProgress) => void;
  /** Called once the record is read and checked, before the first byte is written (e.g. to name a download `<uuid>.bel`). */
  onStart?: (info: { uuid: string; timestamp: number }) => void;
  /** Defaults to node:crypto's SHA-256. */
  sha256?: Sha256;
}

export type BeleniosExportErrorCode = 'UnknownElection' | 'UnknownRound' | 'NotKeyed' | 'Inconsistent';

export class BeleniosExportError extends Error {
  override readonly name = 'BeleniosExportError';
  constructor(
    readonly code: BeleniosExportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Receives the archive's bytes in order. */
export type ArchiveSink = (chunk: Uint8Array) => Promise<void> | void;

export const nodeSha256: Sha256 = (text) => Promise.resolve(new Uint8Array(createHash('sha256').update(text, 'utf8').digest()));

interface RoundRecord {
  uuid: string;
  election: string;
  trustees: string;
  keyPublishedAt: string;
  credentialCount: number | null;
  tally: { encryptedTally: string; numTallied: number; totalWeight: string } | null;
  partialDecryptions: { owner: number; partialDecryption: string }[];
  result: string | null;
}

/** Writes the archive to `sink`, chunk by chunk (memory stays bounded whatever the number of ballots). */
export async function exportBeleniosArchive(store: EventStore, target: ExportTarget, sink: ArchiveSink, options: ExportOptions = {}): Promise<BeleniosExportSummary> {
  const { electionId, round } = target;
  const sha256 = options.sha256 ?? nodeSha256;
  if (!/^[A-Za-z0-9_.:@-]{1,200}$/.test(electionId)) throw new BeleniosExportError('UnknownElection', `no election "${electionId}" (not an election id)`);
  if (!Number.isSafeInteger(round) || round < 1) throw new BeleniosExportError('UnknownRound', `no round ${round} (rounds are 1 and 2)`);
  const head = (await store.headPosition()) ?? -1n;
  const upToHead = async function* (stream: string): AsyncGenerator<RecordedEvent> {
    for await (const event of store.readStream(stream)) {
      if (event.position > head) return;
      yield event;
    }
  };

  const record = await readRoundRecord(store, target, upToHead);
  const credentials = await readPublicCredentials(upToHead(credentialsStream(electionId, round as Round)), target, record.credentialCount);

  const writer = new BeleniosArchiveWriter(sha256);
  let bytes = 0;
  let events = 0;
  let lastEventHash = '';
  const emit = async (chunk: Uint8Array) => {
    bytes += chunk.length;
    await sink(chunk);
  };
  const data = async (text: string) => {
    const chunk = await writer.addData(text);
    await emit(chunk.bytes);
    return chunk.hash;
  };
  const event = async (type: Parameters<BeleniosArchiveWriter['addEvent']>[0]['type'], payloadHash?: string) => {
    const chunk = await writer.addEvent(payloadHash === undefined ? { type } : { type, payloadHash });
    events++;
    lastEventHash = chunk.hash;
    await emit(chunk.bytes);
  };

  const timestamp = unixSeconds(record.keyPublishedAt);
  options.onStart?.({ uuid: record.uuid, timestamp });
  await emit(writer.start(timestamp));
  const setupData = JSON.stringify({ election: await data(record.election), trustees: await data(record.trustees), credentials: await data(credentials) });
  await event('Setup', await data(setupData));

  let stage: BeleniosExportStage = 'setup';
  let ballots = 0;
  const box = ballotBoxStream(electionId, round as Round);
  const ballotBoxEvents = await streamLength(store, box);
  let closed = false;
  try {
    for await (const recorded of upToHead(box)) {
      if (recorded.type === 'BallotBoxOpened') stage = 'voting';
      else if (recorded.type === 'BallotAccepted') {
        if (closed) throw new BeleniosExportError('Inconsistent', `${box} has a ballot after its close (revision ${recorded.revision})`);
        const ballot = stringField(recorded, 'ballot');
        await event('Ballot', await data(ballot));
        ballots++;
        stage = 'voting';
        if (ballots % 200 === 0) options.onProgress?.({ ballots, ballotBoxEvents });
      } else if (recorded.type === 'BallotBoxClosed' && !closed) {
        closed = true;
        stage = 'closed';
        await event('EndBallots');
      }
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  options.onProgress?.({ ballots, ballotBoxEvents });

  if (record.tally) {
    if (!closed) throw new BeleniosExportError('Inconsistent', `${voteStream(electionId, round as Round)} has an encrypted tally but ${box} is not closed`);
    const { encryptedTally, numTallied, totalWeight } = record.tally;
    const sized = sizedEncryptedTallyText(numTallied, totalWeight, await data(encryptedTally));
    await event('EncryptedTally', await data(sized));
    stage = 'tallied';
    for (const { owner, partialDecryption } of record.partialDecryptions) {
      const owned = JSON.stringify({ owner, payload: await data(partialDecryption) });
      await event('PartialDecryption', await data(owned));
      stage = 'decrypting';
    }
    if (record.result !== null) {
      await event('Result', await data(record.result));
      stage = 'result';
    }
  } else if (record.partialDecryptions.length > 0 || record.result !== null) {
    throw new BeleniosExportError('Inconsistent', `${voteStream(electionId, round as Round)} has partial decryptions or a result but no encrypted tally`);
  }
  await emit(await writer.finish());

  return {
    electionId,
    round,
    uuid: record.uuid,
    timestamp: writer.state.timestamp,
    stage,
    ballots,
    partialDecryptions: record.partialDecryptions.length,
    events,
    lastEventHash,
    bytes,
  };
}

/**
 * Writes the archive to `path`: first to `<path>.partial`, in chunks of about 1 MiB, then renamed,
 * so a failed export never leaves a truncated archive under the final name.
 */
export async function exportBeleniosArchiveToFile(store: EventStore, target: ExportTarget, path: string, options: ExportOptions = {}): Promise<BeleniosExportSummary> {
  return writeAtomically(path, 0o644, async (file) => {
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const buffer = Buffer.concat(pending, pendingBytes);
      pending.length = 0;
      pendingBytes = 0;
      await file.write(buffer);
    };
    const summary = await exportBeleniosArchive(
      store,
      target,
      async (chunk) => {
        if (chunk.length === 0) return;
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= 1 << 20) await flush();
      },
      options,
    );
    await flush();
    return summary;
  });
}

/** sized_encrypted_tally as belenios-tool writes it: the weight a JSON number below 2^30, a string above. */
export function sizedEncryptedTallyText(numTallied: number, totalWeight: string, encryptedTallyHash: string): string {
  const weight = BigInt(totalWeight);
  return JSON.stringify({ num_tallied: numTallied, total_weight: weight < 1n << 30n ? Number(weight) : weight.toString(), encrypted_tally: encryptedTallyHash });
}

function unixSeconds(at: string): number {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) throw new BeleniosExportError('Inconsistent', `ElectionKeyPublished.at is not an instant: ${JSON.stringify(at)}`);
  return Math.floor(ms / 1000);
}

async function streamLength(store: EventStore, stream: string): Promise<number> {
  try {
    for await (const last of store.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 })) return Number(last.revision) + 1;
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return 0;
}

async function streamExists(store: EventStore, stream: string): Promise<boolean> {
  return (await streamLength(store, stream)) > 0;
}

function dataOf(event: RecordedEvent): Record<string, unknown> {
  const { data } = event;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new BeleniosExportError('Inconsistent', `${event.type} at ${event.stream}@${event.revision} has no data object`);
  return data as Record<string, unknown>;
}

function stringField(event: RecordedEvent, name: string): string {
  const value = dataOf(event)[name];
  if (typeof value !== 'string' || value.length === 0) throw new BeleniosExportError('Inconsistent', `${event.type} at ${event.stream}@${event.revision}: ${name} is not a non-empty string`);
  return value;
}

function integerField(event: RecordedEvent, name: string): number {
  const value = dataOf(event)[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new BeleniosExportError('Inconsistent', `${event.type} at ${event.stream}@${event.revision}: ${name} is not an integer`);
  return value;
}

async function readRoundRecord(store: EventStore, { electionId, round }: ExportTarget, upToHead: (stream: string) => AsyncIterable<RecordedEvent>): Promise<RoundRecord> {
  const stream = voteStream(electionId, round as Round);
  let uuid: string | undefined;
  let key: { election: string; trustees: string; at: string } | undefined;
  let credentialCount: number | null = null;
  let tally: RoundRecord['tally'] = null;
  const partialDecryptions: RoundRecord['partialDecryptions'] = [];
  let result: string | null = null;
  let found = false;
  try {
    for await (const event of upToHead(stream)) {
      found = true;
      switch (event.type) {
        case 'VotePrepared':
          uuid = stringField(event, 'beleniosUuid');
          break;
        case 'PublicCredentialsHandedOver':
          credentialCount = integerField(event, 'count');
          break;
        case 'ElectionKeyPublished':
          key = { election: stringField(event, 'election'), trustees: stringField(event, 'trustees'), at: stringField(event, 'at') };
          break;
        case 'EncryptedTallyComputed': {
          const totalWeight = stringField(event, 'totalWeight');
          if (!/^(0|[1-9]\d*)$/.test(totalWeight)) throw new BeleniosExportError('Inconsistent', `EncryptedTallyComputed at ${stream}@${event.revision}: totalWeight is not a decimal integer`);
          tally ??= { encryptedTally: stringField(event, 'encryptedTally'), numTallied: integerField(event, 'numTallied'), totalWeight };
          break;
        }
        case 'PartialDecryptionAccepted':
          // Those accepted after the result change nothing Belenios checks: the result is the archive's last event.
          if (result === null) partialDecryptions.push({ owner: integerField(event, 'owner'), partialDecryption: stringField(event, 'partialDecryption') });
          break;
        case 'ResultComputed':
          result ??= stringField(event, 'result');
          break;
      }
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  if (!found) {
    const known = (await streamExists(store, electionStreamName(electionId))) || (await streamExists(store, voteStream(electionId, 1))) || (await streamExists(store, voteStream(electionId, 2)));
    if (!known) throw new BeleniosExportError('UnknownElection', `no election "${electionId}"`);
    throw new BeleniosExportError('UnknownRound', `election "${electionId}" has no round ${round} (no events in ${stream})`);
  }
  if (!key) throw new BeleniosExportError('NotKeyed', `round ${round} of "${electionId}" has no election key yet: its Belenios record starts when the key is published (ElectionKeyPublished)`);
  uuid ??= beleniosUuidOf(key.election);
  return { uuid, election: key.election, trustees: key.trustees, keyPublishedAt: key.at, credentialCount, tally, partialDecryptions, result };
}

function beleniosUuidOf(electionJson: string): string {
  const uuid = (JSON.parse(electionJson) as { uuid?: unknown }).uuid;
  if (typeof uuid !== 'string') throw new BeleniosExportError('Inconsistent', 'the election JSON has no uuid');
  return uuid;
}

/** public_credentials: the JSON list of every credential, batches in order (checked 0, 1, 2… or 1, 2, 3…). */
async function readPublicCredentials(events: AsyncIterable<RecordedEvent>, { electionId, round }: ExportTarget, expectedCount: number | null): Promise<string> {
  const credentials: string[] = [];
  let previous: number | undefined;
  try {
    for await (const event of events) {
      if (event.type !== 'PublicCredentialsPublished') continue;
      const batch = integerField(event, 'batch');
      if (previous !== undefined && batch !== previous + 1) throw new BeleniosExportError('Inconsistent', `${event.stream}: batch ${batch} follows batch ${previous}`);
      previous = batch;
      const list = dataOf(event).credentials;
      if (!Array.isArray(list) || list.some((c) => typeof c !== 'string')) throw new BeleniosExportError('Inconsistent', `${event.stream}@${event.revision}: credentials is not a list of strings`);
      for (const credential of list as string[]) credentials.push(credential);
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  if (credentials.length === 0) throw new BeleniosExportError('Inconsistent', `round ${round} of "${electionId}" has an election key but no public credentials`);
  if (expectedCount !== null && expectedCount !== credentials.length) {
    throw new BeleniosExportError('Inconsistent', `round ${round} of "${electionId}": ${credentials.length} public credentials published, ${expectedCount} handed over`);
  }
  return JSON.stringify(credentials);
}
