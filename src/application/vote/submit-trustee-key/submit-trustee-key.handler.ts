import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { trusteePublicKeyFromJson, trusteePublicKeyToJson, verifyPossession } from '../../../domain/belenios/trustee-key.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { VoteRounds } from '../vote-rounds.js';
import { SubmitTrusteeKeyCommand } from './submit-trustee-key.command.js';

/** The key is stored as the canonical text of what was parsed, once its proof of knowledge holds (the decider refuses a key already used in the round). */
@CommandHandler(SubmitTrusteeKeyCommand)
export class SubmitTrusteeKeyHandler implements ICommandHandler<SubmitTrusteeKeyCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: SubmitTrusteeKeyCommand): Promise<CommandResult<VoteSetupEvent>> {
    const { input } = command;
    let key;
    try {
      key = trusteePublicKeyFromJson(JSON.parse(input.key));
    } catch (error) {
      throw new DomainError('InvalidTrusteeKey', `The key is not a trustee_public_key structure: ${(error as Error).message}`);
    }
    if (!(await verifyPossession(BELENIOS_2048, key, this.rounds.crypto))) {
      throw new DomainError('InvalidTrusteeKey', 'The key is not in the group, or its proof of knowledge does not hold');
    }
    const text = JSON.stringify(trusteePublicKeyToJson(key));
    return this.rounds.execute(input.electionId, input.round as Round, command.commandId, { type: 'SubmitTrusteeKey', trusteeId: command.trusteeId, key: text, at: this.rounds.now().toISOString() }, command.actor);
  }
}
