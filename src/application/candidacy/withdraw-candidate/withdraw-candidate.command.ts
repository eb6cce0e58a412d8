import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import type { CandidateEvent } from '../../../domain/candidacy/candidacy.events.js';
import { CANDIDACY_REASON_MAX_LENGTH } from '../../../domain/candidacy/candidacy.rules.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { IsNonBlank } from '../../election/declare-election/declare-election.command.js';
import { CandidateInput } from '../candidacy.inputs.js';

/** The council records a candidate's withdrawal, with its public reason. */
@InputType('WithdrawCandidateInput')
export class WithdrawCandidateInput extends CandidateInput {
  @Field({ description: 'Why (public).' })
  @IsNonBlank(CANDIDACY_REASON_MAX_LENGTH)
  reason!: string;
}

export class WithdrawCandidateCommand extends Command<CommandResult<CandidateEvent>> {
  constructor(readonly input: WithdrawCandidateInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
