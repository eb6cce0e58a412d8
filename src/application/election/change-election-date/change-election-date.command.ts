import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, Length, type ValidationArguments } from 'class-validator';
import { REASON_MAX_LENGTH } from '../../../domain/election/election.decider.js';
import type { ElectionEvent } from '../../../domain/election/election.events.js';
import { ELECTION_DATE_NAMES } from '../../../domain/election/election.rules.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { IsDateTimeInput, IsElectionId, IsNonBlank } from '../declare-election/declare-election.command.js';

const got = (args: ValidationArguments) => (args.value === undefined ? 'it is missing' : `got ${JSON.stringify(args.value)}`);

/**
 * The council moves one date of an election, for a reason that is recorded and public. It must be
 * recorded before the phase the date belongs to ends (PhaseAlreadyEnded), a window's start cannot
 * move once the window opened (PhaseAlreadyStarted), and the new date cannot be in the past.
 */
@InputType('ChangeElectionDateInput')
export class ChangeElectionDateInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field({ description: `Which date: ${ELECTION_DATE_NAMES.join(', ')}.` })
  @IsIn(ELECTION_DATE_NAMES, { message: (args) => `must be one of ${ELECTION_DATE_NAMES.join(', ')}; ${got(args)}` })
  date!: string;

  @Field({ description: "The new date: an instant (2013-06-03T16:00:00Z) or a wall-clock time in the election's time zone (2013-06-03T18:00)." })
  @IsDateTimeInput()
  to!: string;

  @Field({ description: 'Why the date changes (required; recorded in the public timeline).' })
  @IsNonBlank(REASON_MAX_LENGTH)
  reason!: string;

  @Field({ nullable: true, description: 'Idempotency key.' })
  @IsOptional()
  @IsString({ message: (args) => `must be a string; ${got(args)}` })
  @Length(1, 128, { message: 'must have 1 to 128 characters' })
  commandId?: string;
}

export class ChangeElectionDateCommand extends Command<CommandResult<ElectionEvent>> {
  constructor(
    readonly input: ChangeElectionDateInput,
    readonly commandId: string,
    readonly actor: string,
  ) {
    super();
  }
}
