import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsUUID, Length } from 'class-validator';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('ResendAccessCodeInput')
export class ResendAccessCodeInput extends VoteRoundInput {
  @Field({ description: 'The voter whose access code is lost (after an identity check by the operator).' })
  @IsUUID('all', { message: 'must be a registration id (UUID)' })
  registrationId!: string;

  @Field({ description: 'Why (recorded): e.g. "e-mail deleted by mistake, identity checked by phone".' })
  @Length(3, 500, { message: 'must have 3 to 500 characters' })
  reason!: string;
}

export class ResendAccessCodeCommand extends Command<{ notificationId: string }> {
  constructor(readonly input: ResendAccessCodeInput, readonly actor: string) {
    super();
  }
}
