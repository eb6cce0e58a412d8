/**
 * vault: the personal data vault (SqliteKeyStoreVault, keys.sqlite, WAL, synchronous FULL).
 * Seals one record of six identity fields for each of 100,000 new subjects (a key created per
 * subject, as the electoral roll import does for 1.3M entries), in transactions of 1,000 through
 * `sealMany`; then opens every one (keys mostly not in the 10,000-key cache, inside
 * `withinSnapshot` pages of 1,000), opens again with cached keys, seals new subjects one per
 * transaction (the plain port call, an fsync each), forgets a tenth in one `forgetMany`, and
 * computes blind indexes.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SealedPersonalData } from '../../src/application/ports/personal-data-vault.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';
import { SqliteKeyStoreVault } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { progress, scaled, scenario } from '../lib/scenario.js';

const BATCH = 1_000;

function identity(i: number): Record<string, string> {
  return {
    lastName: `Lefèvre-Dupont ${i}`,
    firstName: 'Marie-Hélène',
    birthDate: '1961-02-28',
    address: `${i} rue de Rivoli, 75001 Paris`,
    email: `voter${i}@example.fr`,
    phone: `+336${String(i).padStart(8, '0')}`,
  };
}

function rate(count: number, startedAt: number): number {
  return count / ((performance.now() - startedAt) / 1000);
}

scenario(async (context) => {
  const total = scaled(context, 100_000);
  const single = scaled(context, 2_000);
  const vault = new SqliteKeyStoreVault({ file: join(context.dir, 'keys.sqlite'), masterKey: MasterKey.generate() });

  const sealed: SealedPersonalData[] = [];
  let start = performance.now();
  for (let done = 0; done < total; done += BATCH) {
    const count = Math.min(BATCH, total - done);
    sealed.push(...vault.sealMany(Array.from({ length: count }, (_, k) => ({ subject: `roll-${done + k}`, fields: identity(done + k) }))));
    progress(`sealing: ${(done + count).toLocaleString('en')} / ${total.toLocaleString('en')}`);
  }
  const sealRate = rate(total, start);

  start = performance.now();
  for (let done = 0; done < total; done += BATCH) {
    vault.withinSnapshot(() => {
      for (let i = done; i < Math.min(total, done + BATCH); i++) if (vault.open(sealed[i]!) === null) throw new Error('unexpectedly erased');
    });
    progress(`opening: ${Math.min(total, done + BATCH).toLocaleString('en')} / ${total.toLocaleString('en')}`);
  }
  const openRate = rate(total, start);

  const hot = sealed.slice(0, Math.min(5_000, total));
  start = performance.now();
  for (let i = 0; i < total; i++) vault.open(hot[i % hot.length]!);
  const openCachedRate = rate(total, start);

  start = performance.now();
  for (let i = 0; i < single; i++) vault.seal(`single-${i}`, identity(i));
  const singleRate = rate(single, start);

  const forgotten = Math.max(1, Math.floor(total / 10));
  start = performance.now();
  vault.forgetMany(Array.from({ length: forgotten }, (_, i) => `roll-${i * 10}`));
  const forgetRate = rate(forgotten, start);

  start = performance.now();
  for (let i = 0; i < total; i++) vault.blindIndex('email', `voter${i}@example.fr`);
  const blindRate = rate(total, start);
  vault.close();

  return {
    figures: [
      { name: 'vault: seal, new subjects (sealMany, 1,000/transaction, FULL)', value: sealRate, unit: 'seals/s' },
      { name: 'vault: open, keys not cached (withinSnapshot pages of 1,000)', value: openRate, unit: 'opens/s' },
      { name: 'vault: open, cached keys', value: openCachedRate, unit: 'opens/s' },
      { name: 'vault: seal, new subject, 1/transaction (FULL)', value: singleRate, unit: 'seals/s' },
      { name: 'vault: forgetMany (one transaction + WAL truncation)', value: forgetRate, unit: 'subjects/s' },
      { name: 'vault: blindIndex', value: blindRate, unit: 'indexes/s' },
    ],
  };
});
