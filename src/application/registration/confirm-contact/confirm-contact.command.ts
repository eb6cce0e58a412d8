import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { Matches } from 'class-validator';
import { IsRegistrationId } from '../registration.inputs.js';

@InputType('ConfirmRegistrationContactInput')
export class ConfirmContactInput {
  @Field()
  @IsRegistrationId()
  registrationId!: string;

  @Field({ description: 'The code received by e-mail (confirmRegistrationEmail) or SMS (confirmRegistrationPhone).' })
  @Matches(/^\d{6,8}$/, { message: 'must be the 6 to 8 digit code received' })
  code!: string;
}

export class ConfirmContactCommand extends Command<{ registrationId: string; status: string }> {
  constructor(
    readonly input: ConfirmContactInput,
    readonly channel: 'email' | 'phone',
    readonly actor: string,
  ) {
    super();
  }
}
