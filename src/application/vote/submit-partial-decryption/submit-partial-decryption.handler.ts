import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BeleniosFormatError, parseJsonText } from '../../../domain/belenios/json.js';
import { partialDecryptionFromJson, serializePartialDecryption, verifyPartialDecryption } from '../../../domain/belenios/partial-decryption.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import { decryptingTrustees, roundTally } from '../decryption-quorum.js';
import { pedersenVerificationKeys } from '../threshold-ceremony.js';
import { VoteRounds } from '../vote-rounds.js';
import { recordResultIfQuorum } from './record-result.js';
import { SubmitPartialDecryptionCommand } from './submit-partial-decryption.command.js';

/**
 * A trustee's partial decryption is checked against the key the published set-up gives that
 * trustee (every factor a group element, every proof valid) before it is recorded; the result
 * follows as soon as the quorum is reached.
 */
@CommandHandler(SubmitPartialDecryptionCommand)
export class SubmitPartialDecryptionHandler implements ICommandHandler<SubmitPartialDecryptionCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: SubmitPartialDecryptionCommand): Promise<void> {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const state = await this.rounds.loadPrepared(electionId, round);
    if (state.stage !== 'tallying') throw new DomainError('WrongVoteStage', `Partial decryptions are taken while the tally waits for them (stage: ${state.stage})`, { stage: state.stage });
    const trustee = decryptingTrustees(state, pedersenVerificationKeys(state)).find((t) => t.trusteeId === command.trusteeId);
    if (!trustee) throw new DomainError('NotATrustee', 'You are not a trustee of this round');
    let decryption;
    try {
      decryption = partialDecryptionFromJson(parseJsonText(command.input.partialDecryption, 'partial decryption'));
    } catch (error) {
      if (error instanceof BeleniosFormatError) throw new DomainError('InvalidPartialDecryption', `Not a partial_decryption structure: ${error.message}`);
      throw error;
    }
    const { election, tally } = await roundTally(state, this.rounds.crypto);
    if (!(await verifyPartialDecryption(election, tally, trustee.publicKey, decryption, this.rounds.crypto))) {
      throw new DomainError('InvalidPartialDecryption', 'The partial decryption does not match your published key and this tally (a factor or a proof is wrong)');
    }
    await this.rounds.execute(
      electionId,
      round,
      command.commandId,
      { type: 'AcceptPartialDecryption', trusteeId: command.trusteeId, owner: trustee.owner, partialDecryption: serializePartialDecryption(decryption), at: this.rounds.now().toISOString() },
      command.actor,
    );
    await recordResultIfQuorum(this.rounds, electionId, round, command.commandId, command.actor);
  }
}
