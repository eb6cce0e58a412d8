import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('SubmitPartialDecryptionInput')
export class SubmitPartialDecryptionInput extends VoteRoundInput {
  @Field({ description: 'The partial_decryption JSON text (Belenios 2.0, section 4.18) over the round\'s encrypted tally, made by `urne trustee decrypt`.' })
  @IsString()
  @MaxLength(200_000)
  partialDecryption!: string;
}

export class SubmitPartialDecryptionCommand extends Command<void> {
  constructor(readonly input: SubmitPartialDecryptionInput, readonly commandId: string, readonly actor: string, readonly trusteeId: string) {
    super();
  }
}
