import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('SubmitThresholdPolynomialInput')
export class SubmitThresholdPolynomialInput extends VoteRoundInput {
  @Field({
    description:
      'The polynomial JSON text (Belenios 2.0 section 4.6.4: the polynomial sent to oneself, one secret per member, the signed coefexps), made by `urne trustee threshold-polynomial`.',
  })
  @IsString()
  @MaxLength(200_000)
  polynomial!: string;
}

export class SubmitThresholdPolynomialCommand extends Command<CommandResult<VoteSetupEvent>> {
  constructor(readonly input: SubmitThresholdPolynomialInput, readonly commandId: string, readonly actor: string, readonly trusteeId: string) {
    super();
  }
}
