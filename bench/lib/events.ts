/**
 * Realistic events for the benchmark: about 300 bytes of JSON (data + metadata), UUID ids, the
 * metadata every Urne event carries. Generation is never inside a timed region.
 */
import { randomUUID } from 'node:crypto';
import type { EventToAppend, JsonObject } from '../../src/infrastructure/event-store/event-store.port.js';

const ARRONDISSEMENTS = Array.from({ length: 20 }, (_, i) => `Paris ${i + 1}${i === 0 ? 'er' : 'e'}`);
const NOTES = ['pièce vérifiée', 'reçu en ligne', 'adresse confirmée', 'liste complémentaire'];
/** Every fill stream gets a category from this list, so the statistics projection has rows to count. */
export const CATEGORIES = ['voter', 'registration', 'ballot'] as const;
const TYPES: Record<(typeof CATEGORIES)[number], readonly string[]> = {
  voter: ['VoterRegistered', 'VoterAddressChanged', 'VoterStationAssigned'],
  registration: ['RegistrationRequested', 'RegistrationApproved', 'RegistrationDocumentAdded'],
  ballot: ['BallotIssued', 'BallotCast', 'BallotReceiptSent'],
};
const BASE_TIME = Date.parse('2026-03-01T08:00:00.000Z');

/** The stream a fill batch goes to: `voter-17`, `registration-18`, `ballot-19`, ... */
export function fillStream(batch: number): string {
  return `${CATEGORIES[batch % CATEGORIES.length]}-${batch}`;
}

/** One event; `seq` makes the content vary; `extra` adds fields to data (latency stamps). */
export function makeEvent(seq: number, stream: string, revision: number, extra?: JsonObject): EventToAppend {
  const category = stream.slice(0, stream.indexOf('-')) as (typeof CATEGORIES)[number];
  const types = TYPES[category] ?? TYPES.voter;
  const occurredAt = new Date(BASE_TIME + seq * 997).toISOString();
  return {
    id: randomUUID(),
    type: revision === 0 ? types[0]! : types[1 + (revision % (types.length - 1))]!,
    data: {
      voterId: randomUUID(),
      arrondissement: ARRONDISSEMENTS[seq % ARRONDISSEMENTS.length]!,
      station: `BV-${String(seq % 997).padStart(4, '0')}`,
      note: NOTES[seq % NOTES.length]!,
      ...extra,
    },
    metadata: {
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: `staff:agent-${seq % 500}`,
      schemaVersion: 1,
      occurredAt,
    },
  };
}

/** `count` events for one stream starting at `firstRevision`. */
export function makeBatch(firstSeq: number, stream: string, firstRevision: number, count: number): EventToAppend[] {
  const events = new Array<EventToAppend>(count);
  for (let i = 0; i < count; i++) events[i] = makeEvent(firstSeq + i, stream, firstRevision + i);
  return events;
}

/** A row as the raw baseline inserts it: the same content, serialised ahead of time. */
export interface RawRow {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

export function toRawRows(events: readonly EventToAppend[]): RawRow[] {
  return events.map((event) => ({ id: event.id, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) }));
}

/** Bytes of JSON (data + metadata) of an event, for the record. */
export function jsonBytes(event: EventToAppend): number {
  return Buffer.byteLength(JSON.stringify(event.data)) + Buffer.byteLength(JSON.stringify(event.metadata));
}

/** Single appends go two per stream: `no_stream` then expected revision 0. */
export function singleStream(tag: string, i: number): string {
  return `voter-${tag}${i >> 1}`;
}
