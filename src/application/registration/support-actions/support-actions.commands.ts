import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { IsElectionId } from '../../election/declare-election/declare-election.command.js';
import { IsCommandId, IsRegistrationId, IsText } from '../registration.inputs.js';
import type { RegistrationFileType } from '../registration-views.js';

@InputType('LookupRegistrationInput')
export class LookupRegistrationInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsRegistrationId()
  registrationId?: string;

  @Field({ nullable: true, description: 'With rollEntryId: the registrations of a roll entry.' })
  @IsOptional()
  @IsElectionId()
  electionId?: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'must be a roll entry id' })
  rollEntryId?: string;
}

export class LookupRegistrationCommand extends Command<RegistrationFileType[]> {
  constructor(
    readonly input: LookupRegistrationInput,
    readonly actor: Actor,
  ) {
    super();
  }
}

@InputType('ResendRegistrationCodeInput')
export class ResendRegistrationCodeInput {
  @Field()
  @IsRegistrationId()
  registrationId!: string;

  @Field({ description: 'email or sms.' })
  @IsIn(['email', 'sms'], { message: 'must be email or sms' })
  channel!: 'email' | 'sms';

  @Field({ nullable: true })
  @IsCommandId()
  commandId?: string;
}

export class ResendRegistrationCodeCommand extends Command<boolean> {
  constructor(
    readonly input: ResendRegistrationCodeInput,
    readonly actor: Actor,
  ) {
    super();
  }
}

@InputType('ChangeRegistrationPhoneInput')
export class ChangeRegistrationPhoneInput {
  @Field()
  @IsRegistrationId()
  registrationId!: string;

  @Field()
  @IsText(32)
  phone!: string;

  @Field({ description: 'How the caller was identified, as a short code (birth-date+address, id-document…): recorded; no personal data.' })
  @Matches(/^[a-z0-9+_-]{1,64}$/, { message: 'must be a short code like birth-date+address (lower-case letters, digits, + _ -)' })
  identityCheck!: string;

  @Field({ nullable: true })
  @IsCommandId()
  commandId?: string;
}

export class ChangeRegistrationPhoneCommand extends Command<RegistrationFileType> {
  constructor(
    readonly input: ChangeRegistrationPhoneInput,
    readonly actor: Actor,
  ) {
    super();
  }
}
