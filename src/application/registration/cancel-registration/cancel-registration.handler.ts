import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ONE_TIME_CODES, type OneTimeCodes } from '../../ports/one-time-codes.js';
import { CODE_PURPOSE, RegistrationFiles } from '../registration-files.js';
import { CancelRegistrationCommand } from './cancel-registration.command.js';

/** RegistrationCancelled, outstanding codes revoked, and the roll entry's claim released (it can be registered again). */
@CommandHandler(CancelRegistrationCommand)
export class CancelRegistrationHandler implements ICommandHandler<CancelRegistrationCommand> {
  constructor(
    private readonly files: RegistrationFiles,
    @Inject(ONE_TIME_CODES) private readonly codes: OneTimeCodes,
  ) {}

  async execute(command: CancelRegistrationCommand): Promise<{ registrationId: string; status: string }> {
    const state = await this.files.require(command.registrationId);
    await this.files.execute(command.registrationId, { type: 'CancelRegistration', at: this.files.clock.now().toISOString() }, command.commandId, command.actor);
    await this.files.release(state, 'cancelled', command.commandId, command.actor);
    await this.codes.revoke(CODE_PURPOSE.email, command.registrationId);
    await this.codes.revoke(CODE_PURPOSE.phone, command.registrationId);
    return { registrationId: command.registrationId, status: 'cancelled' };
  }
}
