import { Command } from '@nestjs/cqrs';
import { IsString, Length } from 'class-validator';

export class DisableStaffAccountInput {
  @IsString()
  @Length(2, 64)
  username!: string;

  @IsString()
  @Length(1, 500)
  reason!: string;
}

/** Disables an account for good (it can no longer sign in) and ends its sessions. */
export class DisableStaffAccountCommand extends Command<{ staffId: string; disabled: boolean }> {
  constructor(
    readonly commandId: string,
    readonly input: DisableStaffAccountInput,
    readonly actor: string,
  ) {
    super();
  }
}
