import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { EventStore } from '../event-store/event-store.port.js';
import { CheckpointStore } from '../../projections/checkpoint-store.js';
import type { Projection, ReadModelDb } from '../../projections/projection.js';

/**
 * Rebuilds every read model from the log alone, in memory, up to the position the node's own
 * read model had reached, and compares them table by table with what the node serves. Columns
 * filled from the personal data vault (`personalColumns`) cannot be rebuilt without it and are
 * left out of the comparison. The node's figures are taken in one read transaction (a consistent
 * snapshot even while it runs), before the rebuild starts.
 */

export interface TableComparison {
  table: string;
  rows: number;
  rebuiltRows: number;
  matches: boolean;
}

export interface ProjectionAudit {
  projection: string;
  /** The position both sides were compared at (the node's checkpoint), or null when empty. */
  position: string | null;
  status: 'matches' | 'differs' | 'not-built' | 'other-version';
  events: number;
  tables: TableComparison[];
}

interface TableDigest {
  rows: number;
  digest: string;
}

export async function auditProjections(
  store: EventStore,
  live: ReadModelDb,
  projections: readonly Projection[],
  onProgress?: (projection: string, events: number) => void,
): Promise<ProjectionAudit[]> {
  const checkpoints = new CheckpointStore(live);
  const results: ProjectionAudit[] = [];
  for (const projection of projections) {
    // One read transaction: the checkpoint and the rows it stands for.
    const snapshot = live.transaction(() => {
      const checkpoint = checkpoints.get(projection.name);
      if (!checkpoint) return null;
      return { checkpoint, tables: tablesOf(live, projection).map((table) => ({ table, ...digest(live, table, projection) })) };
    })();
    if (!snapshot) {
      results.push({ projection: projection.name, position: null, status: 'not-built', events: 0, tables: [] });
      continue;
    }
    if (snapshot.checkpoint.version !== projection.version) {
      results.push({ projection: projection.name, position: snapshot.checkpoint.position?.toString() ?? null, status: 'other-version', events: 0, tables: [] });
      continue;
    }
    const rebuilt = new Database(':memory:');
    try {
      projection.setUp(rebuilt);
      let events = 0;
      const upTo = snapshot.checkpoint.position;
      if (upTo !== null) {
        const batch: Parameters<Projection['apply']>[1][] = [];
        const flush = rebuilt.transaction(() => {
          for (const event of batch) projection.apply(rebuilt, event);
          batch.length = 0;
        });
        for await (const event of store.readAll(projection.filter ? { filter: projection.filter } : {})) {
          if (event.position > upTo) break;
          batch.push(event);
          events++;
          if (batch.length === 1000) {
            flush();
            onProgress?.(projection.name, events);
          }
        }
        flush();
      }
      const tables = snapshot.tables.map(({ table, rows, digest: liveDigest }) => {
        const mine = digest(rebuilt, table, projection);
        return { table, rows, rebuiltRows: mine.rows, matches: mine.digest === liveDigest };
      });
      results.push({
        projection: projection.name,
        position: upTo?.toString() ?? null,
        status: tables.every((t) => t.matches) ? 'matches' : 'differs',
        events,
        tables,
      });
    } finally {
      rebuilt.close();
    }
  }
  return results;
}

/** The projection's own tables: those its setUp creates in an empty database. */
function tablesOf(live: ReadModelDb, projection: Projection): string[] {
  const probe = new Database(':memory:');
  try {
    projection.setUp(probe);
    const names = probe.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((row) => row.name);
    const present = new Set(live.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((row) => row.name));
    return names.filter((name) => present.has(name));
  } finally {
    probe.close();
  }
}

/** SHA-256 over the table's rows in a fixed order, personal columns left out. */
function digest(db: ReadModelDb, table: string, projection: Projection): TableDigest {
  const skipped = new Set(projection.personalColumns?.[table] ?? []);
  const columns = db
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table.replace(/'/g, "''")}') ORDER BY cid`)
    .all()
    .map((row) => row.name)
    .filter((name) => !skipped.has(name));
  const quoted = columns.map((name) => `"${name.replace(/"/g, '""')}"`).join(', ');
  const hash = createHash('sha256');
  let rows = 0;
  for (const row of db.prepare(`SELECT ${quoted} FROM "${table.replace(/"/g, '""')}" ORDER BY ${quoted}`).raw().iterate() as Iterable<unknown[]>) {
    hash.update(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
    hash.update('\n');
    rows++;
  }
  return { rows, digest: hash.digest('hex') };
}
