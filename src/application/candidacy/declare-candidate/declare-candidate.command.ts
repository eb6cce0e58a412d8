import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { CANDIDATE_NAME_MAX_LENGTH } from '../../../domain/candidacy/candidacy.rules.js';
import type { CandidateEvent } from '../../../domain/candidacy/candidacy.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { IsNonBlank } from '../../election/declare-election/declare-election.command.js';
import { CandidateInput } from '../candidacy.inputs.js';

/** The council records a candidacy while the sponsorship window is open. */
@InputType('DeclareCandidateInput')
export class DeclareCandidateInput extends CandidateInput {
  @Field({ description: 'The name shown on the ballot (public).' })
  @IsNonBlank(CANDIDATE_NAME_MAX_LENGTH)
  name!: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsNonBlank(CANDIDATE_NAME_MAX_LENGTH)
  party?: string;
}

export class DeclareCandidateCommand extends Command<CommandResult<CandidateEvent>> {
  constructor(readonly input: DeclareCandidateInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
