import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../election/input-validation.js';
import { CertifyResultCommand } from './certify-result/certify-result.handler.js';
import { CloseBallotBoxCommand } from './close-ballot-box/close-ballot-box.handler.js';
import { ComputeTallyCommand } from './compute-tally/compute-tally.handler.js';
import { OpenBallotBoxCommand } from './open-ballot-box/open-ballot-box.handler.js';
import { PublishElectionKeyCommand } from './publish-election-key/publish-election-key.handler.js';
import type { RoundCommand } from './round-command.js';
import { SealVoteCommand } from './seal-vote/seal-vote.handler.js';
import { VoteRoundInput } from './vote.inputs.js';
import { VoteRounds } from './vote-rounds.js';
import { toVoteRound, VoteRoundType } from './vote-status.types.js';

type RoundCommandClass = new (input: VoteRoundInput, commandId: string, actor: string) => RoundCommand;

/** The council's steps through a round, each a slice of its own (see the folders next to this file). */
@Resolver()
export class RoundLifecycleResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  private async run(Type: RoundCommandClass, input: VoteRoundInput, actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(VoteRoundInput, input);
    await this.commandBus.execute(new Type(valid, valid.commandId ?? randomUUID(), actor.id));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }

  @Mutation(() => VoteRoundType, { description: 'Forms and publishes the election key once credentials and every trustee key are in. Refusals: CeremonyIncomplete, WrongVoteStage.' })
  @AllowedFor('council')
  publishElectionKey(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor) {
    return this.run(PublishElectionKeyCommand, input, actor);
  }

  @Mutation(() => VoteRoundType, { description: 'Seals the round: SHA-256 fingerprints of the election, candidates, public credentials, trustees and running code. Refusals: WrongVoteStage, CredentialListMismatch.' })
  @AllowedFor('council')
  sealVote(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor) {
    return this.run(SealVoteCommand, input, actor);
  }

  @Mutation(() => VoteRoundType, { description: 'Opens the empty ballot box of a sealed round, within the voting window (the schedule also does it). Refusals: NotSealed, VotingNotYetOpen, VotingClosed, BallotBoxNotEmpty.' })
  @AllowedFor('council')
  openBallotBox(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor) {
    return this.run(OpenBallotBoxCommand, input, actor);
  }

  @Mutation(() => VoteRoundType, { description: 'Closes the ballot box now (the schedule closes it at the configured time). Refusals: BallotBoxNotOpen, BallotBoxAlreadyClosed.' })
  @AllowedFor('council')
  closeBallotBox(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor) {
    return this.run(CloseBallotBoxCommand, input, actor);
  }

  @Mutation(() => VoteRoundType, { description: "Re-checks the seal, computes the encrypted tally of the closed box and adds the server's partial decryption. Refusals: BallotBoxNotClosed, SealMismatch, ServerKeyMissing." })
  @AllowedFor('council')
  computeTally(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor) {
    return this.run(ComputeTallyCommand, input, actor);
  }

  @Mutation(() => VoteRoundType, { description: 'Certifies a tallied round (émargements must equal counted ballots) and says whether a second round is needed. Refusals: WrongVoteStage, CountMismatch.' })
  @AllowedFor('council')
  certifyResult(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor) {
    return this.run(CertifyResultCommand, input, actor);
  }
}
