import { BadRequestException } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { assertElectionId } from '../../domain/election/election.rules.js';
import type { Round } from '../../domain/vote/vote.events.js';
import type { Actor } from '../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../infrastructure/auth/auth.decorators.js';
import { memberIndex, recordedCertificateTexts, vinputTexts } from './threshold-ceremony.js';
import { staffIdOf } from './vote-actors.js';
import { VoteRounds } from './vote-rounds.js';

function roundOf(round: number): Round {
  if (round !== 1 && round !== 2) throw new BadRequestException(['round: must be 1 or 2']);
  return round;
}

/** What the members of a threshold group read between the steps of the ceremony. */
@Resolver()
export class ThresholdQueriesResolver {
  constructor(private readonly rounds: VoteRounds) {}

  @Query(() => [String], {
    description:
      'The certificates of the threshold group (signed_msg JSON texts) in the order of the group, which is the order of the trustees in the ceremony: all of them once all are in, else those recorded so far. Empty for a round without a threshold group.',
  })
  @AllowedFor('public')
  async thresholdCertificates(@Args('electionId') electionId: string, @Args('round', { type: () => Int, defaultValue: 1 }) round: number): Promise<string[]> {
    assertElectionId(electionId);
    return recordedCertificateTexts(await this.rounds.load(electionId, roundOf(round)));
  }

  @Query(() => String, {
    nullable: true,
    description:
      'The calling member’s vinput (Belenios 2.0 section 4.6.5: its own polynomial, the secrets the members sent it, every coefexps) as JSON text, to compute its voutput; null until every polynomial is in. Refusals: NotATrustee, VoteNotPrepared.',
  })
  @AllowedFor('trustee')
  async thresholdVinput(
    @Args('electionId') electionId: string,
    @Args('round', { type: () => Int, defaultValue: 1 }) round: number,
    @CurrentActor() actor: Actor,
  ): Promise<string | null> {
    assertElectionId(electionId);
    const state = await this.rounds.loadPrepared(electionId, roundOf(round));
    const index = memberIndex(state, staffIdOf(actor));
    return (await vinputTexts(state, this.rounds.crypto))?.[index] ?? null;
  }
}
