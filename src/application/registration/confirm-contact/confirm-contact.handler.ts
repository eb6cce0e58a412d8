import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { assertActivityOpen } from '../../../domain/election/index.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { loadElection } from '../../election/load-election.js';
import { ONE_TIME_CODES, type OneTimeCodes } from '../../ports/one-time-codes.js';
import { CODE_PURPOSE, RegistrationFiles } from '../registration-files.js';
import { describeStatus } from '../registration-status/registration-status.types.js';
import { ConfirmContactCommand } from './confirm-contact.command.js';

const REFUSALS = {
  invalid: ['WrongCode', 'This code is not the one we sent.'],
  expired: ['CodeExpired', 'This code has expired: ask for a new one.'],
  locked: ['CodeLocked', 'Too many wrong codes: ask for a new one.'],
  none: ['NoCodeOutstanding', 'No code is waiting for confirmation: ask for a new one.'],
} as const;

/**
 * Confirms the e-mail address or the phone with the code sent there (ONE_TIME_CODES, purpose per
 * channel, subject = registration id), while registration is open; then approves the
 * registration (system actor) if both are confirmed and it is not under review.
 */
@CommandHandler(ConfirmContactCommand)
export class ConfirmContactHandler implements ICommandHandler<ConfirmContactCommand> {
  constructor(
    private readonly files: RegistrationFiles,
    @Inject(ONE_TIME_CODES) private readonly codes: OneTimeCodes,
  ) {}

  async execute(command: ConfirmContactCommand): Promise<{ registrationId: string; status: string }> {
    const { registrationId, code } = command.input;
    const state = await this.files.require(registrationId);
    if (state.status === 'cancelled' || state.status === 'rejected') throw new DomainError('NOT_FOUND', 'There is no such registration.');
    const election = await loadElection(this.files.store, state.electionId);
    const at = this.files.clock.now().toISOString();
    assertActivityOpen(election, 'registration', at);
    const outcome = await this.codes.verify(CODE_PURPOSE[command.channel], registrationId, code);
    if (outcome !== 'valid') {
      const [refusal, message] = REFUSALS[outcome];
      throw new DomainError(refusal, message);
    }
    const commandId = randomUUID();
    await this.files.execute(registrationId, { type: 'ConfirmContact', channel: command.channel, election, at }, commandId, command.actor);
    await this.files.approveIfReady(registrationId, commandId);
    return { registrationId, status: describeStatus(await this.files.load(registrationId)) };
  }
}
