import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForgetSubjectCommand, type ForgetSubjectResult } from '../../src/application/personal-data/forget-subject/forget-subject.command.js';
import { PERSONAL_DATA_VAULT } from '../../src/application/ports/personal-data-vault.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import type { SqliteKeyStoreVault } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { createApp } from '../../src/main.js';

describe('PersonalDataModule in the application', () => {
  let dataDir: string;
  const logLines: Array<Record<string, unknown>> = [];
  const logger = () => createLogger({ logLevel: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-vault-module-'));
    logLines.length = 0;
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('provides the vault globally, erases through the CommandBus, and closes the vault at shutdown', async () => {
    const masterKey = randomBytes(32).toString('hex');
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_MASTER_KEY: masterKey });
    const { app } = await createApp(config, { logger: logger() });
    await app.init();
    const vault = app.get<SqliteKeyStoreVault>(PERSONAL_DATA_VAULT);
    const sealed = vault.seal('registration-7', { email: 'marie@example.fr' });

    const bus = app.get(CommandBus);
    const result: ForgetSubjectResult = await bus.execute(ForgetSubjectCommand.from({ subject: 'registration-7', reason: 'request of the person' }, 'staff:dpo'));
    expect(result).toMatchObject({ subject: 'registration-7', stream: 'erasure-registration-7', keyBefore: 'active', revision: 0n, alreadyApplied: false });
    expect(vault.open(sealed)).toBeNull();

    const again = await bus.execute(ForgetSubjectCommand.from({ subject: 'registration-7', reason: 'twice' })).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(DomainError);
    expect((again as DomainError).code).toBe('AlreadyErased');
    const unknown = await bus.execute(ForgetSubjectCommand.from({ subject: 'registration-8', reason: 'typo' })).catch((error: unknown) => error);
    expect((unknown as DomainError).code).toBe('UnknownSubject');

    const store = app.get<EventStore>(EVENT_STORE);
    const recorded = [];
    for await (const event of store.readStream('erasure-registration-7')) recorded.push(event);
    expect(recorded.map((e) => [e.type, e.metadata.actor])).toEqual([['PersonalDataErased', 'staff:dpo']]);

    // The master key never reaches the logs.
    expect(JSON.stringify(logLines)).not.toContain(masterKey);
    expect(logLines).toContainEqual(expect.objectContaining({ context: 'PersonalDataVault', msg: 'personal data vault opened', masterKey: 'URNE_MASTER_KEY' }));

    await app.close();
    expect(() => vault.seal('registration-9', {})).toThrow('closed');
  });

  it('does not boot with another master key than the one the key store was made with', async () => {
    const first = await createApp(loadConfig({ URNE_DATA_DIR: dataDir }), { logger: logger() });
    await first.app.init();
    await first.app.close();
    expect(logLines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('URNE_MASTER_KEY is not set') }));

    const boot = createApp(loadConfig({ URNE_DATA_DIR: dataDir, URNE_MASTER_KEY: randomBytes(32).toString('hex') }), { logger: logger() });
    await expect(boot).rejects.toThrow('created with another master key');
  });
});
