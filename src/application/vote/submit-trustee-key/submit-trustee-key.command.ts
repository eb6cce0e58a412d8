import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('SubmitTrusteeKeyInput')
export class SubmitTrusteeKeyInput extends VoteRoundInput {
  @Field({ description: 'The trustee_public_key JSON text (Belenios 2.0, section 4.5): public key and proof of knowledge.' })
  @IsString()
  @MaxLength(4096)
  key!: string;
}

export class SubmitTrusteeKeyCommand extends Command<CommandResult<VoteSetupEvent>> {
  constructor(readonly input: SubmitTrusteeKeyInput, readonly commandId: string, readonly actor: string, readonly trusteeId: string) {
    super();
  }
}
