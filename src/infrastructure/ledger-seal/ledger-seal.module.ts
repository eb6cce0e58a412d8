import { Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, systemClock, type Clock } from '../../application/ports/clock.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { READ_MODEL_DB } from '../../projections/projections.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.token.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { LOGGER } from '../logging/logger.token.js';
import { readOrCreateMasterKeyFile } from '../personal-data/master-key.js';
import type { SealingKey } from './ledger-crypto.js';
import { LEDGER_SEALING_KEY, LedgerSealResolver } from './ledger-seal.resolver.js';
import { DEFAULT_SEALER_OPTIONS, LedgerSealer, type LedgerSealerOptions } from './ledger-sealer.js';
import { readOrCreateSealingKey, sealingKeyFileOf } from './sealing-key-file.js';

/**
 * The sealer's settings, from the environment (checked at boot: a bad value stops it):
 * URNE_LEDGER_SEAL_INTERVAL_MINUTES (default 10), URNE_LEDGER_SEAL_EVERY_EVENTS (10,000),
 * URNE_LEDGER_SEAL_CHECKPOINT_EVERY (1,000).
 */
export function sealerOptionsFromEnvironment(env: NodeJS.ProcessEnv = process.env): LedgerSealerOptions {
  const read = (name: string, fallback: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > max) throw new Error(`${name}: expected an integer from 1 to ${max}, got "${text}"`);
    return Number(text);
  };
  return {
    intervalMs: read('URNE_LEDGER_SEAL_INTERVAL_MINUTES', DEFAULT_SEALER_OPTIONS.intervalMs / 60_000, 24 * 60) * 60_000,
    everyEvents: read('URNE_LEDGER_SEAL_EVERY_EVENTS', DEFAULT_SEALER_OPTIONS.everyEvents, 10_000_000),
    checkpointEvery: read('URNE_LEDGER_SEAL_CHECKPOINT_EVERY', DEFAULT_SEALER_OPTIONS.checkpointEvery, 1_000_000),
  };
}

/** Opens (or creates) the server's sealing key: `<dataDir>/ledger-seal.key`, sealed with the master key. */
export function openSealingKey(config: Pick<AppConfig, 'dataDir' | 'masterKey' | 'masterKeyFile'>, logger?: Logger): SealingKey {
  const masterKey = config.masterKey ?? readOrCreateMasterKeyFile(config.masterKeyFile, true)!.key;
  const file = sealingKeyFileOf(config.dataDir);
  const { key, created } = readOrCreateSealingKey(file, masterKey);
  logger?.info({ keyId: key.keyId, file, created }, created ? 'ledger sealing key created' : 'ledger sealing key opened');
  return key;
}

/**
 * Tamper evidence for the whole ledger: the sealer (chain + signed seals appended to the log) and
 * the public GraphQL queries ledgerSeals, latestLedgerSeal and ledgerSealingKey.
 */
@Module({
  imports: [ProjectionsModule],
  providers: [
    {
      provide: LEDGER_SEALING_KEY,
      inject: [APP_CONFIG, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) => openSealingKey(config, logger.child({ context: 'LedgerSeal' })),
    },
    {
      provide: LedgerSealer,
      inject: [EVENT_STORE, READ_MODEL_DB, LEDGER_SEALING_KEY, LOGGER, { token: CLOCK, optional: true }],
      useFactory: (store: EventStore, db: ReadModelDb, key: SealingKey, logger: Logger, clock: Clock | undefined) =>
        new LedgerSealer(store, db, key, clock ?? systemClock, sealerOptionsFromEnvironment(), logger.child({ context: 'LedgerSealer' })),
    },
    LedgerSealResolver,
  ],
  exports: [LedgerSealer, LEDGER_SEALING_KEY],
})
export class LedgerSealModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(LedgerSealer) private readonly sealer: LedgerSealer) {}

  onApplicationBootstrap(): void {
    this.sealer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.sealer.stop();
  }
}
