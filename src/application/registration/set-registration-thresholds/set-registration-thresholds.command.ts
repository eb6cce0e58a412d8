import { Command } from '@nestjs/cqrs';
import { Field, InputType, Int } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { IsElectionId } from '../../election/declare-election/declare-election.command.js';
import { IsCommandId } from '../registration.inputs.js';

@InputType('RegistrationThresholdsInput')
export class SetRegistrationThresholdsInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field(() => Int, { description: 'Registrations allowed per e-mail address (default 2).' })
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(1000, { message: 'must be at most 1000' })
  maxPerEmail!: number;

  @Field(() => Int, { description: 'Per phone number (default 2).' })
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(1000, { message: 'must be at most 1000' })
  maxPerPhone!: number;

  @Field(() => Int, { description: 'Per payment-instrument fingerprint (default 3).' })
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(1000, { message: 'must be at most 1000' })
  maxPerPaymentFingerprint!: number;

  @Field(() => Int, { description: 'Per network (/24, /64) per hour (default 20).' })
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  maxPerNetworkPerHour!: number;

  @Field({ nullable: true })
  @IsCommandId()
  commandId?: string;
}

export class SetRegistrationThresholdsCommand extends Command<boolean> {
  constructor(
    readonly input: SetRegistrationThresholdsInput,
    readonly actor: string,
  ) {
    super();
  }
}
