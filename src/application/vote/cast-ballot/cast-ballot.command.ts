import { Command } from '@nestjs/cqrs';
import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { VoteRoundInput } from '../vote.inputs.js';

/** Ballots for a handful of candidates are about 15 kB; the limit leaves room for 40 or so. */
export const MAX_BALLOT_LENGTH = 200_000;

@InputType('CastBallotInput')
export class CastBallotInput extends VoteRoundInput {
  @Field({ description: 'The ballot exactly as the booth made it: a Belenios 2.0 ballot, compact JSON (section 4.15).' })
  @IsString()
  @MaxLength(MAX_BALLOT_LENGTH)
  ballot!: string;
}

@ObjectType('CastReceipt', { description: 'Keep the tracking number: it is how you find your ballot in the public ballot list.' })
export class CastReceipt {
  @Field({ description: 'The smart ballot tracker: SHA-256 (base 64) of the ballot.' }) trackingNumber!: string;
  @Field({ description: 'True when this ballot replaced an earlier one of yours (the last vote counts).' }) replacedEarlierBallot!: boolean;
  @Field() acceptedAt!: string;
}

export class CastBallotCommand extends Command<CastReceipt> {
  constructor(
    readonly input: CastBallotInput,
    readonly registrationId: string,
    readonly sessionId: string | null,
  ) {
    super();
  }
}
