import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { checkLedgerText } from '../ledger-export/ledger-export.js';
import type { EventMetadata, EventStore, EventToAppend, JsonValue } from '../event-store/event-store.port.js';

/**
 * Loads an `urne export ledger` file (docs/public-record.md) into an event store, for an auditor
 * who has only the record: the framing is checked first (a truncated download is refused), then
 * the events are appended in their order, each stream getting back its revisions. Positions are
 * the new store's; streams, revisions, ids, types, data and metadata are the record's. Returns the
 * number of events loaded.
 */
export async function importLedgerExport(file: string, store: EventStore, onProgress?: (events: number) => void): Promise<number> {
  const check = checkLedgerText(await readFile(file, 'utf8'));
  if (!check.complete) throw new LedgerImportError(`${file} is not a complete urne-ledger export: ${check.problem}`);
  if (check.header?.from !== null) throw new LedgerImportError(`${file} starts after position ${check.header?.from}: an audit needs the whole ledger (export without --from)`);
  if ((check.header.redacted ?? []).length > 0) throw new LedgerImportError(`${file} is redacted (${check.header.redacted.join(', ')}): an audit needs the exact record`);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const revisions = new Map<string, bigint>();
  let loaded = 0;
  let first = true;
  for await (const line of lines) {
    if (first) {
      first = false;
      continue;
    }
    const value = JSON.parse(line) as { end?: boolean; stream: string; revision: string; id: string; type: string; data: JsonValue; metadata: EventMetadata };
    if (value.end === true) break;
    const revision = BigInt(value.revision);
    const expected = revisions.get(value.stream);
    if ((expected === undefined && revision !== 0n) || (expected !== undefined && revision !== expected + 1n)) {
      throw new LedgerImportError(`${file}: ${value.stream} jumps to revision ${revision} after ${expected ?? 'nothing'} (an event of that stream is missing or out of order)`);
    }
    const event: EventToAppend = { id: value.id, type: value.type, data: value.data, metadata: value.metadata };
    await store.appendToStream(value.stream, [event], { expectedState: expected ?? 'no_stream' });
    revisions.set(value.stream, revision);
    if (++loaded % 2000 === 0) onProgress?.(loaded);
  }
  onProgress?.(loaded);
  return loaded;
}

export class LedgerImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerImportError';
  }
}
