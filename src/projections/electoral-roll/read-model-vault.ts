import type { PersonalDataVault } from '../../application/ports/personal-data-vault.js';
import type { ReadModelDb } from '../projection.js';

/**
 * The personal data vault a read-model database may use to open sealed fields while projecting.
 *
 * Projections are plain objects fed by the runner (`apply(db, event)`), without injection; the
 * node's vault is attached to its read-model database once, at boot (ReferenceDataModule), and
 * a projection finds it from the `db` it is given. Without a vault (e.g. `urne projections
 * rebuild` run outside the server), projections keep the sealed values and readers open them.
 */
const vaults = new WeakMap<ReadModelDb, PersonalDataVault>();

export function attachPersonalDataVault(db: ReadModelDb, vault: PersonalDataVault): void {
  vaults.set(db, vault);
}

export function detachPersonalDataVault(db: ReadModelDb): void {
  vaults.delete(db);
}

export function personalDataVaultOf(db: ReadModelDb): PersonalDataVault | undefined {
  return vaults.get(db);
}

/** Runs `fn` on one snapshot of the key store when the vault offers it (faster bulk opens). */
export function withinVaultSnapshot<T>(vault: PersonalDataVault, fn: () => T): T {
  const bulk = vault as PersonalDataVault & { withinSnapshot?: <R>(fn: () => R) => R };
  return typeof bulk.withinSnapshot === 'function' ? bulk.withinSnapshot(fn) : fn();
}
