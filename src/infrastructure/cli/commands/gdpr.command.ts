import type { Command } from 'commander';
import type { AppConfig } from '../../config/app-config.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { configFromEnvironment, defaultActor } from '../cli-context.js';

/**
 * `urne gdpr forget <subject> --reason <text>` erases a person (crypto-shredding): destroys the
 * subject's key in `<dataDir>/keys.sqlite` and records `PersonalDataErased` on `erasure-<subject>`.
 * `urne gdpr status <subject>` tells whether a subject's personal data is readable, erased or unknown.
 */
export function registerGdprCommand(program: Command): void {
  const gdpr = program.command('gdpr').description('personal data: erase a person (crypto-shredding), check a subject');
  gdpr
    .command('forget')
    .argument('<subject>', 'the subject whose personal data to erase (a roll entry or registration id)')
    .requiredOption('--reason <text>', 'why (recorded in the log; no personal data), e.g. "appeal period over"')
    .option('--force', 'record the erasure even if no personal data was ever sealed for this subject')
    .option('--actor <id>', 'who does it, recorded in the event metadata (default: cli:<os user>)')
    .option('--command-id <id>', 'idempotency key: running the same command id again does nothing new')
    .description('destroy the key of a subject: its personal fields become unreadable everywhere, for good')
    .action(forget);
  gdpr.command('status').argument('<subject>', 'the subject').description('show whether the subject has a key, was forgotten, or is unknown').action(status);
}

interface ForgetOptions {
  reason: string;
  force?: boolean;
  actor?: string;
  commandId?: string;
}

async function openVault(config: AppConfig) {
  const { createLogger } = await import('../../logging/create-logger.js');
  // Logs go to stderr at warn and above: stdout is for the report.
  const logger = createLogger({ logLevel: 'warn' }, process.stderr);
  const { openPersonalDataVault } = await import('../../personal-data/personal-data.module.js');
  const { MasterKeyError } = await import('../../personal-data/personal-data.errors.js');
  try {
    return { logger, vault: openPersonalDataVault(config, logger) };
  } catch (error) {
    if (error instanceof MasterKeyError) throw new CliError(error.message, EXIT_FAILURE);
    throw error;
  }
}

async function forget(subject: string, options: ForgetOptions): Promise<void> {
  const { ForgetSubjectCommand } = await import('../../../application/personal-data/forget-subject/forget-subject.command.js');
  const { forgetSubject } = await import('../../../application/personal-data/forget-subject/forget-subject.handler.js');
  const { DomainError } = await import('../../../domain/shared/decider.js');
  const { systemClock } = await import('../../../application/ports/clock.js');

  let command;
  try {
    command = ForgetSubjectCommand.from(
      { subject, reason: options.reason, force: options.force === true, ...(options.commandId === undefined ? {} : { commandId: options.commandId }) },
      options.actor ?? defaultActor(),
    );
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }

  const config = configFromEnvironment();
  const { logger, vault } = await openVault(config);
  const { createEventStore } = await import('../../event-store/create-event-store.js');
  const store = await createEventStore(config, logger);
  try {
    const forgottenEarlier = vault.forgottenAt(subject);
    const result = await forgetSubject({ store, vault, clock: systemClock }, command);
    const key =
      result.keyBefore === 'active'
        ? 'its personal data key was destroyed'
        : result.keyBefore === 'forgotten'
          ? `its personal data key had already been destroyed${forgottenEarlier ? ` (at ${forgottenEarlier.toISOString()})` : ''}`
          : 'it never had a personal data key (--force): a tombstone now prevents sealing any for it';
    const record = result.alreadyApplied
      ? `PersonalDataErased was already recorded on ${result.stream} by this command id`
      : `PersonalDataErased recorded on ${result.stream} (revision ${result.revision ?? '-'}) at ${result.erasedAt}`;
    process.stdout.write(`erased ${subject}: ${key}; ${record}\n`);
  } catch (error) {
    if (error instanceof DomainError) {
      if (error.code === 'AlreadyErased') {
        process.stdout.write(`${subject} was already erased (at ${String(error.details.erasedAt)}): its key is destroyed; nothing new recorded\n`);
        return;
      }
      if (error.code === 'UnknownSubject') {
        throw new CliError(
          `no personal data was ever sealed for "${subject}" (no key in ${config.keysFile}): nothing to erase. Check the id, or pass --force to record the erasure anyway`,
          EXIT_FAILURE,
        );
      }
      throw new CliError(`${error.code}: ${error.message}`, EXIT_FAILURE);
    }
    throw error;
  } finally {
    vault.close();
    await store.close();
  }
}

async function status(subject: string): Promise<void> {
  const config = configFromEnvironment();
  const { vault } = await openVault(config);
  try {
    const state = vault.subjectStatus(subject);
    const at = vault.forgottenAt(subject);
    const text =
      state === 'active'
        ? 'has a key: its personal data is readable'
        : state === 'forgotten'
          ? `was forgotten${at ? ` at ${at.toISOString()}` : ''}: its personal data is erased`
          : 'is unknown: no personal data was ever sealed for it';
    process.stdout.write(`${subject} ${text}\n`);
  } finally {
    vault.close();
  }
}
