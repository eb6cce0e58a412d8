import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { trusteePublicKeyFromJson } from '../../../domain/belenios/trustee-key.js';
import { electionJson, trusteesJson } from '../../../domain/vote/belenios-setup.js';
import { thresholdStep, type VoteSetupState } from '../../../domain/vote/vote-setup.decider.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import { RoundCommand } from '../round-command.js';
import { thresholdParametersOf } from '../threshold-ceremony.js';
import { VoteRounds } from '../vote-rounds.js';

export class PublishElectionKeyCommand extends RoundCommand {}

/**
 * The election key is the product of the sub-keys (Belenios 3.1.1): the server's own, each single
 * trustee's, and the threshold group's. The trustees structure lists them in that order, so the
 * server is trustee 1 for partial decryptions.
 */
@CommandHandler(PublishElectionKeyCommand)
export class PublishElectionKeyHandler implements ICommandHandler<PublishElectionKeyCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: PublishElectionKeyCommand) {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const state = await this.rounds.loadPrepared(electionId, round);
    const singles = [state.serverKey, ...state.trustees.singles.map((id) => state.singleKeys[id] ?? '')].filter((text) => text !== '');
    // Only once the ceremony is done: before, the decider lists everything still missing.
    const pedersen = thresholdStep(state) === 'done' ? await thresholdParametersOf(state, this.rounds.crypto) : null;
    let publicKey = 1n;
    for (const text of singles) publicKey = (publicKey * trusteePublicKeyFromJson(JSON.parse(text)).publicKey) % BELENIOS_2048.p;
    if (pedersen) publicKey = (publicKey * pedersen.subKey) % BELENIOS_2048.p;
    return this.rounds.execute(
      electionId,
      round,
      command.commandId,
      {
        type: 'PublishElectionKey',
        election: electionJson({ uuid: state.beleniosUuid, title: state.title, description: describeRound(state), publicKey, candidates: state.candidates, blankAllowed: state.blankAllowed }),
        trustees: trusteesJson(singles, pedersen?.text ?? null),
        publicKey: publicKey.toString(),
        at: this.rounds.now().toISOString(),
      },
      command.actor,
    );
  }
}

function describeRound(state: VoteSetupState): string {
  return state.round === 1 ? `${state.title} — premier tour / first round` : state.title;
}
