import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { IsIn, ValidateBy, type ValidationArguments } from 'class-validator';
import { isSponsorId } from '../../../domain/candidacy/candidacy.rules.js';
import type { SponsorEvent } from '../../../domain/candidacy/candidacy.events.js';
import { SPONSOR_KINDS } from '../../../domain/election/election.rules.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { CandidateInput, got } from '../candidacy.inputs.js';

/**
 * The council or an operator records a signed paper sponsorship form. The sponsor is named by the
 * pseudonymous id of the reference lists: the official's id, or the voter's roll entry id.
 */
@InputType('RecordSponsorshipInput')
export class RecordSponsorshipInput extends CandidateInput {
  @Field({ description: `One of ${SPONSOR_KINDS.join(', ')}.` })
  @IsIn(SPONSOR_KINDS, { message: (args) => `must be one of ${SPONSOR_KINDS.join(', ')}; ${got(args)}` })
  sponsorKind!: string;

  @Field({ description: 'The official id (elected-official) or the roll entry id (voter).' })
  @ValidateBy(
    { name: 'isSponsorId', validator: { validate: (value: unknown) => isSponsorId(value) } },
    { message: (args: ValidationArguments) => `must be 1 to 100 letters, digits, _ : @ -; ${got(args)}` },
  )
  sponsorId!: string;
}

export class RecordSponsorshipCommand extends Command<CommandResult<SponsorEvent>> {
  constructor(readonly input: RecordSponsorshipInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
