import { Command } from '@nestjs/cqrs';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../../domain/shared/decider.js';
import { MAX_ERASURE_REASON_LENGTH } from '../../../domain/personal-data/erasure.decider.js';
import type { SubjectKeyStatus } from '../../ports/personal-data-vault.js';

/** A subject id usable as the id part of the `erasure-<subject>` stream. */
export const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/;
export const MAX_SUBJECT_LENGTH = 190;

/** What a caller (CLI, later GraphQL) asks for: erase one person's personal data. */
export class ForgetSubjectInput {
  @IsString()
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(SUBJECT_PATTERN, { message: 'subject must be an id made of letters, digits and _ . : @ - (e.g. a roll entry or registration id)' })
  subject!: string;

  @IsString()
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(MAX_ERASURE_REASON_LENGTH)
  reason!: string;

  /** Record the erasure (and a tombstone) even if the vault never had a key for this subject. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  /** Idempotency key; made up when absent. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  commandId?: string;
}

export interface ForgetSubjectResult {
  subject: string;
  /** `erasure-<subject>`. */
  stream: string;
  /** Where the key stood before this command: `active` (destroyed now), `forgotten` (earlier), `unknown` (forced). */
  keyBefore: SubjectKeyStatus;
  /** When the erasure was recorded (ISO 8601). */
  erasedAt: string;
  /** The revision of PersonalDataErased in its stream. */
  revision: bigint | null;
  /** The same command had already been applied: nothing new was written. */
  alreadyApplied: boolean;
}

/**
 * Destroy a subject's personal data key (crypto-shredding) and record `PersonalDataErased`.
 * Build it from a validated input with `ForgetSubjectCommand.from(input, actor)`.
 */
export class ForgetSubjectCommand extends Command<ForgetSubjectResult> {
  private constructor(
    readonly subject: string,
    readonly reason: string,
    readonly force: boolean,
    readonly commandId: string,
    readonly actor: string | undefined,
  ) {
    super();
  }

  /** Validates the input (class-validator); a faulty one is refused with DomainError('InvalidErasureRequest'). */
  static from(input: ForgetSubjectInput | Record<string, unknown>, actor?: string): ForgetSubjectCommand {
    const candidate = Object.assign(new ForgetSubjectInput(), input);
    const problems = validateSync(candidate, { forbidUnknownValues: true }).flatMap((error) => Object.values(error.constraints ?? {}));
    if (problems.length > 0) throw new DomainError('InvalidErasureRequest', `Invalid erasure request: ${problems.join('; ')}`, { problems });
    return new ForgetSubjectCommand(candidate.subject, candidate.reason.trim(), candidate.force ?? false, candidate.commandId ?? randomUUID(), actor);
  }
}
