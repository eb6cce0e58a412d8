import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { RegistrationFiles } from '../registration-files.js';
import { describeStatus } from '../registration-status/registration-status.types.js';
import { ReviewRegistrationCommand } from './review-registration.command.js';

/**
 * The council decides on a flagged registration. Approve: cleared (approved as soon as both
 * contacts are confirmed). Reject: rejected with the reason, and the roll entry's claim is
 * released so that the real person can still register.
 */
@CommandHandler(ReviewRegistrationCommand)
export class ReviewRegistrationHandler implements ICommandHandler<ReviewRegistrationCommand> {
  constructor(private readonly files: RegistrationFiles) {}

  async execute(command: ReviewRegistrationCommand): Promise<{ registrationId: string; status: string }> {
    const { registrationId, reason } = command.input;
    const state = await this.files.require(registrationId);
    const commandId = command.input.commandId ?? randomUUID();
    await this.files.execute(registrationId, { type: 'ReviewRegistration', decision: command.decision, reason, at: this.files.clock.now().toISOString() }, commandId, command.actor);
    if (command.decision === 'reject') await this.files.release(state, 'rejected', commandId, command.actor);
    else await this.files.approveIfReady(registrationId, commandId);
    return { registrationId, status: describeStatus(await this.files.load(registrationId)) };
  }
}
