import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('SubmitThresholdCertificateInput')
export class SubmitThresholdCertificateInput extends VoteRoundInput {
  @Field({ description: 'The certificate (signed_msg JSON text of cert_keys, Belenios 2.0 section 4.6.2), made by `urne trustee threshold-certificate`.' })
  @IsString()
  @MaxLength(8192)
  certificate!: string;
}

export class SubmitThresholdCertificateCommand extends Command<CommandResult<VoteSetupEvent>> {
  constructor(readonly input: SubmitThresholdCertificateInput, readonly commandId: string, readonly actor: string, readonly trusteeId: string) {
    super();
  }
}
