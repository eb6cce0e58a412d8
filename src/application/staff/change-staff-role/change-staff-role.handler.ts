import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/shared/decider.js';
import { staffAccountDecider, staffAccountStream } from '../../../domain/staff/staff-account.decider.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { STAFF_SESSIONS, type StaffSessions } from '../../ports/sessions.js';
import { StaffDirectory } from '../staff-directory.js';
import { ChangeStaffRoleCommand } from './change-staff-role.command.js';

@CommandHandler(ChangeStaffRoleCommand)
export class ChangeStaffRoleHandler implements ICommandHandler<ChangeStaffRoleCommand, { staffId: string; changed: boolean }> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STAFF_SESSIONS) private readonly sessions: StaffSessions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly directory: StaffDirectory,
  ) {}

  async execute({ commandId, input, actor }: ChangeStaffRoleCommand): Promise<{ staffId: string; changed: boolean }> {
    const account = await this.directory.byUsername(input.username);
    if (account === null) throw new DomainError('StaffAccountNotFound', `There is no staff account "${input.username}".`);
    const result = await handleCommand(
      this.store,
      staffAccountDecider,
      { commandId, stream: staffAccountStream(account.staffId), command: { type: 'ChangeStaffRole', role: input.role, now: this.clock.now().toISOString() }, actor },
      { now: () => this.clock.now() },
    );
    if (result.events.length > 0) await this.sessions.revokeAll(account.staffId);
    return { staffId: account.staffId, changed: result.events.length > 0 };
  }
}
