import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('SubmitThresholdVoutputInput')
export class SubmitThresholdVoutputInput extends VoteRoundInput {
  @Field({
    description:
      'The voutput JSON text (Belenios 2.0 section 4.6.6: the key share encrypted to oneself, and its verification key with a proof), made by `urne trustee threshold-voutput`.',
  })
  @IsString()
  @MaxLength(16_384)
  voutput!: string;
}

export class SubmitThresholdVoutputCommand extends Command<CommandResult<VoteSetupEvent>> {
  constructor(readonly input: SubmitThresholdVoutputInput, readonly commandId: string, readonly actor: string, readonly trusteeId: string) {
    super();
  }
}
