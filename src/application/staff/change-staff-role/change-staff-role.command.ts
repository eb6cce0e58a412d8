import { Command } from '@nestjs/cqrs';
import { IsIn, IsString, Length } from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../../domain/staff/staff-role.js';

export class ChangeStaffRoleInput {
  @IsString()
  @Length(2, 64)
  username!: string;

  @IsIn(STAFF_ROLES, { message: `role must be one of ${STAFF_ROLES.join(', ')}` })
  role!: StaffRole;
}

/** Gives an account another role; its open sessions end (they carry the old role). */
export class ChangeStaffRoleCommand extends Command<{ staffId: string; changed: boolean }> {
  constructor(
    readonly commandId: string,
    readonly input: ChangeStaffRoleInput,
    readonly actor: string,
  ) {
    super();
  }
}
