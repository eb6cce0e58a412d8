import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, Length, type ValidationArguments } from 'class-validator';
import { REASON_MAX_LENGTH } from '../../../domain/election/election.decider.js';
import type { ElectionEvent } from '../../../domain/election/election.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { IsElectionId, IsNonBlank } from '../declare-election/declare-election.command.js';

const got = (args: ValidationArguments) => (args.value === undefined ? 'it is missing' : `got ${JSON.stringify(args.value)}`);

/** The council cancels an election before its last vote closes, for a recorded, public reason. */
@InputType('CancelElectionInput')
export class CancelElectionInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field({ description: 'Why (required; recorded in the public timeline).' })
  @IsNonBlank(REASON_MAX_LENGTH)
  reason!: string;

  @Field({ nullable: true, description: 'Idempotency key.' })
  @IsOptional()
  @IsString({ message: (args) => `must be a string; ${got(args)}` })
  @Length(1, 128, { message: 'must have 1 to 128 characters' })
  commandId?: string;
}

export class CancelElectionCommand extends Command<CommandResult<ElectionEvent>> {
  constructor(
    readonly input: CancelElectionInput,
    readonly commandId: string,
    readonly actor: string,
  ) {
    super();
  }
}
