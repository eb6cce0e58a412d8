import { Command } from '@nestjs/cqrs';
import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { Matches } from 'class-validator';
import { IsElectionId } from '../../election/declare-election/declare-election.command.js';
import { IsCommandId, IsText } from '../registration.inputs.js';

@InputType('SubmitRegistrationInput')
export class SubmitRegistrationInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field({ description: 'As on the electoral roll (case, accents, hyphens, apostrophes and spaces do not matter).' })
  @IsText(200)
  lastName!: string;

  @Field()
  @IsText(200)
  firstNames!: string;

  @Field({ description: 'YYYY-MM-DD (or DD/MM/YYYY).' })
  @Matches(/^(\d{4}-\d{2}-\d{2}|\d{2}\/\d{2}\/\d{4})$/, { message: 'must be a date, YYYY-MM-DD or DD/MM/YYYY' })
  birthDate!: string;

  @Field()
  @IsText(500)
  postalAddress!: string;

  @Field()
  @IsText(254)
  email!: string;

  @Field({ description: 'A mobile phone number: 06 12 34 56 78 or +33 6 12 34 56 78.' })
  @IsText(32)
  phone!: string;

  @Field({ nullable: true, description: "The payment provider's fingerprint of the card used for the fee, if any (it is only blind-indexed)." })
  @IsCommandId()
  paymentFingerprint?: string;

  @Field({ nullable: true, description: 'Idempotency key: submitting again with the same key gives the same registration.' })
  @IsCommandId()
  commandId?: string;
}

@ObjectType('SubmittedRegistration')
export class SubmittedRegistrationType {
  @Field()
  registrationId!: string;

  @Field({ description: 'awaiting-confirmation or in-review.' })
  status!: string;

  @Field({ description: "The voter's session token (Authorization: Bearer): check the status, cancel. Shown once." })
  voterToken!: string;

  @Field()
  sessionExpiresAt!: string;
}

export class SubmitRegistrationCommand extends Command<SubmittedRegistrationType> {
  constructor(
    readonly input: SubmitRegistrationInput,
    readonly clientAddress: string,
    readonly actor: string,
  ) {
    super();
  }
}
