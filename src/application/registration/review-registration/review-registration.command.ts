import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { REJECTION_REASON_MAX_LENGTH } from '../../../domain/registration/index.js';
import { IsCommandId, IsRegistrationId, IsText } from '../registration.inputs.js';

@InputType('ReviewRegistrationInput')
export class ReviewRegistrationInput {
  @Field()
  @IsRegistrationId()
  registrationId!: string;

  @Field({ description: 'Why (required, recorded; no personal data please).' })
  @IsText(REJECTION_REASON_MAX_LENGTH)
  reason!: string;

  @Field({ nullable: true })
  @IsCommandId()
  commandId?: string;
}

export class ReviewRegistrationCommand extends Command<{ registrationId: string; status: string }> {
  constructor(
    readonly input: ReviewRegistrationInput,
    readonly decision: 'approve' | 'reject',
    readonly actor: string,
  ) {
    super();
  }
}
