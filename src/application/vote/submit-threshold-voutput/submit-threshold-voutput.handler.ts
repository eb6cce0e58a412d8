import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { checkVoutput, voutputFromJson, voutputToJson } from '../../../domain/belenios/threshold/voutput.js';
import type { VoteSetupCommand } from '../../../domain/vote/vote-setup.decider.js';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { alreadyRecorded, groupCoefexps, memberIndex, parseSubmission, refusingAs, THRESHOLD_GROUP } from '../threshold-ceremony.js';
import { VoteRounds } from '../vote-rounds.js';
import { SubmitThresholdVoutputCommand } from './submit-threshold-voutput.command.js';

/**
 * Threshold ceremony, step 3 (Belenios 2.0, 4.6.6), once every polynomial is in: a member's
 * verification key must be the one the recorded coefexps give the caller's position
 * (prod_i prod_k A_ik^(j^k)), with a valid proof of knowledge, and its key share must be an
 * encrypted message.
 */
@CommandHandler(SubmitThresholdVoutputCommand)
export class SubmitThresholdVoutputHandler implements ICommandHandler<SubmitThresholdVoutputCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: SubmitThresholdVoutputCommand): Promise<CommandResult<VoteSetupEvent>> {
    const { input } = command;
    const round = input.round as Round;
    const state = await this.rounds.loadPrepared(input.electionId, round);
    const parsed = parseSubmission('InvalidVoutput', 'voutput', input.voutput, (json) => voutputFromJson(json), (v) => JSON.stringify(voutputToJson(v)));
    const submission: VoteSetupCommand = { type: 'SubmitThresholdVoutput', trusteeId: command.trusteeId, voutput: parsed.text, at: this.rounds.now().toISOString() };
    if (!alreadyRecorded(state, submission)) {
      const voutput = parsed.orRefuse();
      const index = memberIndex(state, command.trusteeId);
      await refusingAs('InvalidVoutput', 'voutput', () => checkVoutput(THRESHOLD_GROUP, groupCoefexps(state, this.rounds.crypto), index, voutput, this.rounds.crypto));
    }
    return this.rounds.execute(input.electionId, round, command.commandId, submission, command.actor);
  }
}
