import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ballotFromJson } from '../../../domain/belenios/ballot.js';
import { parseElection } from '../../../domain/belenios/election.js';
import { parseJsonText } from '../../../domain/belenios/json.js';
import { computePartialDecryption, serializePartialDecryption } from '../../../domain/belenios/partial-decryption.js';
import { computeEncryptedTally, encryptedTallyFromJson, serializeEncryptedTally } from '../../../domain/belenios/tally.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { BallotAccepted, Round } from '../../../domain/vote/vote.events.js';
import { CODE_FINGERPRINT, type CodeFingerprint } from '../../ports/code-fingerprint.js';
import { decryptingTrustees, SERVER_TRUSTEE } from '../decryption-quorum.js';
import { RoundCommand } from '../round-command.js';
import { currentSeal } from '../seal.js';
import { VoteRounds } from '../vote-rounds.js';
import { recordResultIfQuorum } from '../submit-partial-decryption/record-result.js';

export class ComputeTallyCommand extends RoundCommand {}

/**
 * After the close: re-check the seal (refuse on any difference), multiply the last ballot of each
 * credential into the encrypted tally, record it, and add the server's own partial decryption.
 * Ballots are never decrypted one by one: only this product is.
 */
@CommandHandler(ComputeTallyCommand)
export class ComputeTallyHandler implements ICommandHandler<ComputeTallyCommand> {
  constructor(
    private readonly rounds: VoteRounds,
    @Inject(CODE_FINGERPRINT) private readonly code: CodeFingerprint,
  ) {}

  async execute(command: ComputeTallyCommand) {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const { crypto } = this.rounds;
    let state = await this.rounds.loadPrepared(electionId, round);
    const box = this.rounds.ballotBox(electionId, round);
    const { state: boxState } = await box.catchUp();
    if (boxState.status !== 'closed') throw new DomainError('BallotBoxNotClosed', 'The tally is computed once the ballot box is closed');
    if (state.stage === 'sealed') {
      const { seal } = await currentSeal(this.rounds, this.code, state);
      const election = await parseElection(state.published!.election, crypto.sha256);
      const ballots = [];
      for await (const event of this.rounds.store.readStream(box.stream)) {
        if (event.type === 'BallotAccepted') ballots.push(ballotFromJson(parseJsonText((event.data as unknown as BallotAccepted['data']).ballot, 'ballot')));
      }
      const computed = computeEncryptedTally(election, ballots, () => 1n, crypto.modExp);
      await this.rounds.execute(
        electionId,
        round,
        `${command.commandId}:tally`,
        { type: 'RecordEncryptedTally', encryptedTally: serializeEncryptedTally(computed.tally), numTallied: computed.numTallied, totalWeight: computed.totalWeight.toString(), seal, at: this.rounds.now().toISOString() },
        command.actor,
      );
      state = await this.rounds.loadPrepared(electionId, round);
    }
    if (state.stage === 'tallying' && !state.partialDecryptions[SERVER_TRUSTEE]) {
      const election = await parseElection(state.published!.election, crypto.sha256);
      const tally = encryptedTallyFromJson(election, parseJsonText(state.encryptedTally!.text, 'encrypted tally'));
      const privateKey = this.rounds.secrets.serverKey(electionId, round);
      if (privateKey === null) throw new DomainError('ServerKeyMissing', "This node does not hold the server's key for this round (secrets store)");
      const decryption = serializePartialDecryption(await computePartialDecryption(election, tally, privateKey, crypto));
      const owner = decryptingTrustees(state, [])[0]!.owner;
      await this.rounds.execute(
        electionId,
        round,
        `${command.commandId}:server-decryption`,
        { type: 'AcceptPartialDecryption', trusteeId: SERVER_TRUSTEE, owner, partialDecryption: decryption, at: this.rounds.now().toISOString() },
        command.actor,
      );
      await recordResultIfQuorum(this.rounds, electionId, round, command.commandId, command.actor);
    }
    return this.rounds.load(electionId, round);
  }
}
