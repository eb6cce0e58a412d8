import { Command } from '@nestjs/cqrs';
import { IsString, Length } from 'class-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../ports/staff-credentials.js';

export class ResetStaffPasswordInput {
  @IsString()
  @Length(2, 64)
  username!: string;

  @IsString()
  @Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, { message: `a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` })
  password!: string;
}

/** Sets a new password (recorded as StaffPasswordReset, without the password) and ends the account's sessions. */
export class ResetStaffPasswordCommand extends Command<{ staffId: string }> {
  constructor(
    readonly commandId: string,
    readonly input: ResetStaffPasswordInput,
    readonly actor: string,
  ) {
    super();
  }
}
