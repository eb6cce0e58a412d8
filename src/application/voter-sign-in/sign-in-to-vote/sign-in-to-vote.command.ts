import { Command } from '@nestjs/cqrs';
import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { IsString, Length, Matches } from 'class-validator';
import { IsText } from '../../registration/registration.inputs.js';

@InputType('SignInToVoteInput', { description: 'A voter signs in to vote: the e-mail address of their registration and the code received by SMS.' })
export class SignInToVoteInput {
  @Field()
  @IsString()
  @Length(1, 100)
  electionId!: string;

  @Field()
  @IsText(254)
  email!: string;

  @Field({ description: 'The 6 to 8 digit code received by SMS (spaces ignored).' })
  @IsString()
  @Matches(/^[\d ]{6,12}$/, { message: 'must be the 6 to 8 digit code received by SMS' })
  code!: string;
}

@ObjectType('VotingSession', { description: 'A voter session to vote: send the token as "Authorization: Bearer <token>" until it expires.' })
export class VotingSessionType {
  @Field({ description: 'The bearer token (shown once; only its HMAC is stored).' })
  token!: string;

  @Field({ description: 'When the session ends (ISO 8601).' })
  expiresAt!: string;
}

export class SignInToVoteCommand extends Command<VotingSessionType> {
  constructor(
    readonly input: SignInToVoteInput,
    /** For the per-address rate limit and the log line (never in an event). */
    readonly clientAddress: string,
  ) {
    super();
  }
}
