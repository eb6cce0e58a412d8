import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElectoralRollImporter } from '../../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { ElectedOfficialsImporter } from '../../../src/application/reference-data/import-elected-officials/import-elected-officials.js';
import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { MasterKey } from '../../../src/infrastructure/personal-data/master-key.js';
import { SqliteKeyStoreVault } from '../../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { electedOfficialsProjection } from '../../../src/projections/elected-officials/elected-officials.projection.js';
import { SqliteElectoralRollLookup } from '../../../src/projections/electoral-roll/electoral-roll.lookup.js';
import { electoralRollProjection } from '../../../src/projections/electoral-roll/electoral-roll.projection.js';
import { attachPersonalDataVault } from '../../../src/projections/electoral-roll/read-model-vault.js';
import type { ReadModelDb } from '../../../src/projections/projection.js';
import { ProjectionRunner } from '../../../src/projections/projection-runner.js';
import { openReadModelDatabase } from '../../../src/projections/read-model-database.js';

export const ROLL_HEADER = 'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant';

/** A real store, key store and read-model database in a temp directory, with the two projections running. */
export class ReferenceDataFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'urne-roll-'));
  readonly masterKey = MasterKey.generate();
  readonly store = new SqliteEventStore({ file: join(this.dir, 'events.sqlite') });
  readonly vault = new SqliteKeyStoreVault({ file: join(this.dir, 'keys.sqlite'), masterKey: this.masterKey });
  readonly db: ReadModelDb = openReadModelDatabase(join(this.dir, 'read-models.sqlite'));
  readonly lookup = new SqliteElectoralRollLookup(this.db, this.vault);
  readonly rollImporter = new ElectoralRollImporter(this.store, this.vault);
  readonly officialsImporter = new ElectedOfficialsImporter(this.store);
  private readonly runners = [electoralRollProjection, electedOfficialsProjection].map(
    (projection) => new ProjectionRunner(this.store, this.db, projection, { lagLogIntervalMs: 0 }),
  );
  private files = 0;

  constructor() {
    attachPersonalDataVault(this.db, this.vault);
    for (const runner of this.runners) runner.start();
  }

  /** Writes a CSV file in the temp directory. */
  file(lines: readonly string[], name = `file-${++this.files}.csv`): string {
    const path = join(this.dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  /** Waits until both projections have applied the whole log (up to the last event each one takes). */
  async catchUp(): Promise<void> {
    for (const runner of this.runners) {
      const filter = runner.projection.filter;
      let last: bigint | null = null;
      for await (const event of this.store.readAll({ direction: 'backwards', maxCount: 1, ...(filter ? { filter } : {}) })) last = event.position;
      if (last !== null) await runner.waitForPosition(last);
    }
    for (const runner of this.runners) {
      const status = await runner.status();
      if (status.state === 'failed') throw new Error(`projection ${status.name} failed: ${status.error}`);
    }
  }

  async events(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of this.store.readAll()) events.push(event);
    return events;
  }

  async close(): Promise<void> {
    for (const runner of this.runners) await runner.stop();
    await this.store.close();
    this.vault.close();
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
