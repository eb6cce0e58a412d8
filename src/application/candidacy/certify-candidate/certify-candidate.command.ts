import { Command } from '@nestjs/cqrs';
import { InputType } from '@nestjs/graphql';
import type { CandidateEvent } from '../../../domain/candidacy/candidacy.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { CandidateInput } from '../candidacy.inputs.js';

/** The council certifies a candidate whose sponsorships meet every threshold. */
@InputType('CertifyCandidateInput')
export class CertifyCandidateInput extends CandidateInput {}

export class CertifyCandidateCommand extends Command<CommandResult<CandidateEvent>> {
  constructor(readonly input: CertifyCandidateInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
