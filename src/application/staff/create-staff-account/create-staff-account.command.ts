import { Command } from '@nestjs/cqrs';
import { IsIn, IsString, Length } from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../../domain/staff/staff-role.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../ports/staff-credentials.js';

/** What `urne staff add` asks for (validated with class-validator before the command is sent). */
export class CreateStaffAccountInput {
  @IsString()
  @Length(2, 64)
  username!: string;

  @IsIn(STAFF_ROLES, { message: `role must be one of ${STAFF_ROLES.join(', ')}` })
  role!: StaffRole;

  @IsString()
  @Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, { message: `a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` })
  password!: string;
}

export interface CreatedStaffAccount {
  staffId: string;
  username: string;
  role: StaffRole;
}

/** Creates a staff account: reserves the username, records the account, stores the password hash. */
export class CreateStaffAccountCommand extends Command<CreatedStaffAccount> {
  constructor(
    readonly commandId: string,
    readonly input: CreateStaffAccountInput,
    /** Who creates it (`system:cli` for `urne staff add`). */
    readonly actor: string,
  ) {
    super();
  }
}
