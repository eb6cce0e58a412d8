import { Global, Inject, Module, Optional } from '@nestjs/common';
import { ELECTORAL_ROLL_LOOKUP } from '../ports/electoral-roll.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../ports/personal-data-vault.js';
import { SqliteElectoralRollLookup } from '../../projections/electoral-roll/electoral-roll.lookup.js';
import { ElectoralRollResolver } from '../../projections/electoral-roll/electoral-roll.resolver.js';
import { attachPersonalDataVault } from '../../projections/electoral-roll/read-model-vault.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { READ_MODEL_DB } from '../../projections/projections.service.js';

/**
 * Reference data (electoral roll, elected officials). Imports run from the CLI (`urne roll
 * import`, `urne officials import`: streaming files of millions of rows are no API call); this
 * module serves what the other slices need, globally: `@Inject(ELECTORAL_ROLL_LOOKUP)` gives an
 * ElectoralRollLookup on this node's read models. It also attaches the node's personal data vault
 * to the read-model database, so the electoral-roll projection can open entries for staff search.
 */
@Global()
@Module({
  imports: [ProjectionsModule],
  providers: [
    {
      provide: ELECTORAL_ROLL_LOOKUP,
      inject: [READ_MODEL_DB, { token: PERSONAL_DATA_VAULT, optional: true }],
      useFactory: (db: ReadModelDb, vault: PersonalDataVault | undefined) => new SqliteElectoralRollLookup(db, vault ?? null),
    },
    ElectoralRollResolver,
  ],
  exports: [ELECTORAL_ROLL_LOOKUP],
})
export class ReferenceDataModule {
  constructor(@Inject(READ_MODEL_DB) db: ReadModelDb, @Optional() @Inject(PERSONAL_DATA_VAULT) vault: PersonalDataVault | undefined) {
    // Before the projection runners start (they start once every module is initialised).
    if (vault) attachPersonalDataVault(db, vault);
  }
}
