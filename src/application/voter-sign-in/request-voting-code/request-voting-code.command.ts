import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsString, Length } from 'class-validator';
import { IsText } from '../../registration/registration.inputs.js';

@InputType('RequestVotingCodeInput', { description: 'A voter asks for the SMS authentication code to vote.' })
export class RequestVotingCodeInput {
  @Field()
  @IsString()
  @Length(1, 100)
  electionId!: string;

  @Field({ description: 'The e-mail address given at registration (case and surrounding spaces ignored).' })
  @IsText(254)
  email!: string;
}

/** Answers true, always the same, whether or not a code was sent (no account enumeration). */
export class RequestVotingCodeCommand extends Command<boolean> {
  constructor(
    readonly input: RequestVotingCodeInput,
    /** For the per-address rate limit only (never in an event). */
    readonly clientAddress: string,
    readonly actor: string,
  ) {
    super();
  }
}
