import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { erasureDecider, erasureStream } from '../../../domain/personal-data/erasure.decider.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand } from '../../command-handling/handle-command.js';
import { CLOCK, systemClock, type Clock } from '../../ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataSubjects, type PersonalDataVault } from '../../ports/personal-data-vault.js';
import { ForgetSubjectCommand, type ForgetSubjectResult } from './forget-subject.command.js';

export interface ForgetSubjectDependencies {
  store: EventStore;
  vault: PersonalDataVault & PersonalDataSubjects;
  clock: Clock;
}

/**
 * Erases a subject: destroys its key in the vault, then records `PersonalDataErased` on
 * `erasure-<subject>`. In that order: if the process dies in between, the key is gone and the
 * record is missing, and running the command again records it (forgetting is idempotent); the
 * other order could leave a record claiming an erasure that did not happen.
 *
 * Refusals (DomainError): `UnknownSubject` (the vault never had a key for it; `force` records the
 * erasure and a tombstone anyway), `AlreadyErased` (the stream already holds the erasure; the key is
 * gone either way). Used by `urne gdpr forget` and by ForgetSubjectHandler (CommandBus).
 */
export async function forgetSubject(deps: ForgetSubjectDependencies, command: ForgetSubjectCommand): Promise<ForgetSubjectResult> {
  const { subject } = command;
  const keyBefore = deps.vault.subjectStatus(subject);
  if (keyBefore === 'unknown' && !command.force) {
    throw new DomainError('UnknownSubject', `No personal data was ever sealed for ${subject}: nothing to erase`, { subject });
  }

  deps.vault.forget(subject);

  const now = deps.clock.now();
  const stream = erasureStream(subject);
  const result = await handleCommand(
    deps.store,
    erasureDecider,
    {
      commandId: command.commandId,
      stream,
      command: { type: 'RecordErasure', subject, reason: command.reason, erasedAt: now.toISOString() },
      ...(command.actor === undefined ? {} : { actor: command.actor }),
    },
    { now: () => now },
  );
  const recorded = result.events.find((event) => event.type === 'PersonalDataErased');
  return {
    subject,
    stream,
    keyBefore,
    erasedAt: recorded?.data.erasedAt ?? now.toISOString(),
    revision: result.nextExpectedRevision,
    alreadyApplied: result.alreadyApplied,
  };
}

@CommandHandler(ForgetSubjectCommand)
export class ForgetSubjectHandler implements ICommandHandler<ForgetSubjectCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault & PersonalDataSubjects,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  execute(command: ForgetSubjectCommand): Promise<ForgetSubjectResult> {
    return forgetSubject({ store: this.store, vault: this.vault, clock: this.clock }, command);
  }
}
