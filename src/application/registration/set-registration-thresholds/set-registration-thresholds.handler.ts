import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { registrationRulesDecider, registrationRulesStreamName } from '../../../domain/registration/index.js';
import { handleCommand } from '../../command-handling/handle-command.js';
import { RegistrationFiles } from '../registration-files.js';
import { SetRegistrationThresholdsCommand } from './set-registration-thresholds.command.js';

/** RegistrationThresholdsSet on `registrationrules-<electionId>`; later submissions use them. */
@CommandHandler(SetRegistrationThresholdsCommand)
export class SetRegistrationThresholdsHandler implements ICommandHandler<SetRegistrationThresholdsCommand> {
  constructor(private readonly files: RegistrationFiles) {}

  async execute(command: SetRegistrationThresholdsCommand): Promise<boolean> {
    const { electionId, maxPerEmail, maxPerPhone, maxPerPaymentFingerprint, maxPerNetworkPerHour } = command.input;
    const now = this.files.clock.now();
    await handleCommand(
      this.files.store,
      registrationRulesDecider,
      {
        commandId: command.input.commandId ?? randomUUID(),
        stream: registrationRulesStreamName(electionId),
        command: { type: 'SetRegistrationThresholds', electionId, thresholds: { maxPerEmail, maxPerPhone, maxPerPaymentFingerprint, maxPerNetworkPerHour }, at: now.toISOString() },
        actor: command.actor,
      },
      { now: () => now },
    );
    return true;
  }
}
