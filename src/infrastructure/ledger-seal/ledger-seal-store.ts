import type Database from 'better-sqlite3';
import { sealOfEventData, type LedgerSeal } from '../../domain/ledger/index.js';
import type { ReadModelDb } from '../../projections/projection.js';

/** What the sealer keeps between runs, in this node's read-model database. */
export interface SealerState {
  /** The last event folded into the chain (null: none yet). */
  position: bigint | null;
  chainHash: string;
  eventCount: number;
  /** Events other than seals folded so far: the every-N rule counts these. */
  nonSealCount: number;
  lastNonSealPosition: bigint | null;
  /** The highest position any seal (ours or another node's) covers. */
  lastSealedPosition: bigint | null;
  lastSealAt: Date | null;
}

export interface ChainMark {
  position: bigint;
  chainHash: string;
  eventCount: number;
  /** True for the every-K-th-event checkpoints that seals carry; false for sealed positions. */
  checkpoint: boolean;
}

/** A seal found in the log, as listed by the ledgerSeals query. */
export interface StoredSeal {
  eventPosition: bigint;
  stream: string;
  eventId: string;
  seal: LedgerSeal;
}

const NAME = 'ledger-sealer';

interface StateRow {
  position: bigint | null;
  chain_hash: string;
  event_count: bigint;
  non_seal_count: bigint;
  last_non_seal_position: bigint | null;
  last_sealed_position: bigint | null;
  last_seal_at: bigint | null;
}

export function createSealTables(db: ReadModelDb): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ledger_sealer_state (
      name                   TEXT    PRIMARY KEY,
      position               INTEGER,
      chain_hash             TEXT    NOT NULL,
      event_count            INTEGER NOT NULL,
      non_seal_count         INTEGER NOT NULL,
      last_non_seal_position INTEGER,
      last_sealed_position   INTEGER,
      last_seal_at           INTEGER,
      updated_at             INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS ledger_chain_marks (
      position    INTEGER PRIMARY KEY,
      chain_hash  TEXT    NOT NULL,
      event_count INTEGER NOT NULL,
      checkpoint  INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS ledger_seals (
      event_position INTEGER PRIMARY KEY,
      stream         TEXT    NOT NULL,
      event_id       TEXT    NOT NULL,
      position       INTEGER NOT NULL,
      seal           TEXT    NOT NULL
    ) STRICT;`);
}

/** Thrown when the stored state is not where this sealer left it (another sealer, a reset). */
export class SealerStateMovedError extends Error {}

export class LedgerSealStore {
  private readonly selectState: Database.Statement<[string], StateRow>;
  private readonly upsertState: Database.Statement;
  private readonly insertMark: Database.Statement;
  private readonly insertSeal: Database.Statement;
  private readonly selectMark: Database.Statement<[bigint], { chain_hash: string; event_count: bigint }>;
  private readonly selectCheckpoints: Database.Statement<[bigint, bigint], { position: bigint; chain_hash: string; event_count: bigint }>;
  private readonly selectSeals: Database.Statement<[bigint, number], { event_position: bigint; stream: string; event_id: string; seal: string }>;
  private readonly selectLatest: Database.Statement<[], { event_position: bigint; stream: string; event_id: string; seal: string }>;
  private readonly saveTransaction: Database.Transaction<(expected: bigint | null, state: SealerState, marks: ChainMark[], seals: StoredSeal[]) => void>;

  constructor(db: ReadModelDb) {
    createSealTables(db);
    this.selectState = db
      .prepare<[string], StateRow>('SELECT position, chain_hash, event_count, non_seal_count, last_non_seal_position, last_sealed_position, last_seal_at FROM ledger_sealer_state WHERE name = ?')
      .safeIntegers(true);
    this.upsertState = db.prepare(`INSERT INTO ledger_sealer_state (name, position, chain_hash, event_count, non_seal_count, last_non_seal_position, last_sealed_position, last_seal_at, updated_at)
      VALUES (@name, @position, @chainHash, @eventCount, @nonSealCount, @lastNonSealPosition, @lastSealedPosition, @lastSealAt, @updatedAt)
      ON CONFLICT (name) DO UPDATE SET position = excluded.position, chain_hash = excluded.chain_hash, event_count = excluded.event_count,
        non_seal_count = excluded.non_seal_count, last_non_seal_position = excluded.last_non_seal_position,
        last_sealed_position = excluded.last_sealed_position, last_seal_at = excluded.last_seal_at, updated_at = excluded.updated_at`);
    this.insertMark = db.prepare('INSERT OR REPLACE INTO ledger_chain_marks (position, chain_hash, event_count, checkpoint) VALUES (?, ?, ?, ?)');
    this.insertSeal = db.prepare('INSERT OR IGNORE INTO ledger_seals (event_position, stream, event_id, position, seal) VALUES (?, ?, ?, ?, ?)');
    this.selectMark = db.prepare<[bigint], { chain_hash: string; event_count: bigint }>('SELECT chain_hash, event_count FROM ledger_chain_marks WHERE position = ?').safeIntegers(true);
    this.selectCheckpoints = db
      .prepare<[bigint, bigint], { position: bigint; chain_hash: string; event_count: bigint }>(
        'SELECT position, chain_hash, event_count FROM ledger_chain_marks WHERE checkpoint = 1 AND position > ? AND position <= ? ORDER BY position',
      )
      .safeIntegers(true);
    this.selectSeals = db
      .prepare<[bigint, number], { event_position: bigint; stream: string; event_id: string; seal: string }>(
        'SELECT event_position, stream, event_id, seal FROM ledger_seals WHERE event_position > ? ORDER BY event_position LIMIT ?',
      )
      .safeIntegers(true);
    this.selectLatest = db
      .prepare<[], { event_position: bigint; stream: string; event_id: string; seal: string }>('SELECT event_position, stream, event_id, seal FROM ledger_seals ORDER BY event_position DESC LIMIT 1')
      .safeIntegers(true);
    this.saveTransaction = db.transaction((expected: bigint | null, state: SealerState, marks: ChainMark[], seals: StoredSeal[]) => {
      const stored = this.load();
      if ((stored?.position ?? null) !== expected) throw new SealerStateMovedError(`the sealer's state moved (expected ${expected}, found ${stored?.position ?? null})`);
      this.upsertState.run({
        name: NAME,
        position: state.position,
        chainHash: state.chainHash,
        eventCount: state.eventCount,
        nonSealCount: state.nonSealCount,
        lastNonSealPosition: state.lastNonSealPosition,
        lastSealedPosition: state.lastSealedPosition,
        lastSealAt: state.lastSealAt?.getTime() ?? null,
        updatedAt: Date.now(),
      });
      for (const mark of marks) this.insertMark.run(mark.position, mark.chainHash, mark.eventCount, mark.checkpoint ? 1 : 0);
      for (const seal of seals) this.insertSeal.run(seal.eventPosition, seal.stream, seal.eventId, BigInt(seal.seal.position), JSON.stringify(seal.seal));
    });
  }

  load(): SealerState | null {
    const row = this.selectState.get(NAME);
    if (!row) return null;
    return {
      position: row.position,
      chainHash: row.chain_hash,
      eventCount: Number(row.event_count),
      nonSealCount: Number(row.non_seal_count),
      lastNonSealPosition: row.last_non_seal_position,
      lastSealedPosition: row.last_sealed_position,
      lastSealAt: row.last_seal_at === null ? null : new Date(Number(row.last_seal_at)),
    };
  }

  /** Compare-and-set: writes only if the stored position is still `expected`. */
  save(expected: bigint | null, state: SealerState, marks: ChainMark[], seals: StoredSeal[]): void {
    this.saveTransaction.immediate(expected, state, marks, seals);
  }

  mark(position: bigint): { chainHash: string; eventCount: number } | null {
    const row = this.selectMark.get(position);
    return row ? { chainHash: row.chain_hash, eventCount: Number(row.event_count) } : null;
  }

  checkpointsBetween(afterExclusive: bigint | null, upTo: bigint): { position: string; chainHash: string; eventCount: number }[] {
    return this.selectCheckpoints.all(afterExclusive ?? -1n, upTo).map((row) => ({ position: row.position.toString(), chainHash: row.chain_hash, eventCount: Number(row.event_count) }));
  }

  seals(after: bigint | null, limit: number): StoredSeal[] {
    return this.selectSeals.all(after ?? -1n, limit).map(toStoredSeal);
  }

  latest(): StoredSeal | null {
    const row = this.selectLatest.get();
    return row ? toStoredSeal(row) : null;
  }
}

function toStoredSeal(row: { event_position: bigint; stream: string; event_id: string; seal: string }): StoredSeal {
  return { eventPosition: row.event_position, stream: row.stream, eventId: row.event_id, seal: sealOfEventData(JSON.parse(row.seal))! };
}
