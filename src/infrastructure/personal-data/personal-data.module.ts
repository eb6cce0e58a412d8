import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { ForgetSubjectHandler } from '../../application/personal-data/forget-subject/forget-subject.handler.js';
import { PERSONAL_DATA_VAULT } from '../../application/ports/personal-data-vault.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.token.js';
import { LOGGER } from '../logging/logger.token.js';
import { SqliteKeyStoreVault } from './sqlite-key-store-vault.js';

/** Opens the vault of a configuration: `keys.sqlite`, with URNE_MASTER_KEY or `master.key`. */
export function openPersonalDataVault(
  config: Pick<AppConfig, 'keysFile' | 'masterKey' | 'masterKeyFile'>,
  logger?: Logger,
): SqliteKeyStoreVault {
  const log = logger?.child({ context: 'PersonalDataVault' });
  const vault = new SqliteKeyStoreVault({
    file: config.keysFile,
    masterKey: config.masterKey,
    masterKeyFile: config.masterKeyFile,
    ...(log === undefined ? {} : { logger: log }),
  });
  log?.info({ file: vault.file, masterKey: config.masterKey === undefined ? 'file' : 'URNE_MASTER_KEY' }, 'personal data vault opened');
  return vault;
}

/**
 * The personal data vault, global: inject it anywhere with `@Inject(PERSONAL_DATA_VAULT)`. It is
 * opened at boot (a wrong master key stops the boot) and closed at shutdown. Also registers the
 * ForgetSubject command handler.
 */
@Global()
@Module({
  providers: [
    {
      provide: PERSONAL_DATA_VAULT,
      inject: [APP_CONFIG, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) => openPersonalDataVault(config, logger),
    },
    ForgetSubjectHandler,
  ],
  exports: [PERSONAL_DATA_VAULT],
})
export class PersonalDataModule implements OnApplicationShutdown {
  constructor(@Inject(PERSONAL_DATA_VAULT) private readonly vault: SqliteKeyStoreVault) {}

  onApplicationShutdown(): void {
    this.vault.close();
  }
}
