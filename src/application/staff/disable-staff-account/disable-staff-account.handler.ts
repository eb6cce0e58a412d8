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
import { DisableStaffAccountCommand } from './disable-staff-account.command.js';

@CommandHandler(DisableStaffAccountCommand)
export class DisableStaffAccountHandler implements ICommandHandler<DisableStaffAccountCommand, { staffId: string; disabled: boolean }> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STAFF_SESSIONS) private readonly sessions: StaffSessions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly directory: StaffDirectory,
  ) {}

  async execute({ commandId, input, actor }: DisableStaffAccountCommand): Promise<{ staffId: string; disabled: boolean }> {
    const account = await this.directory.byUsername(input.username);
    if (account === null) throw new DomainError('StaffAccountNotFound', `There is no staff account "${input.username}".`);
    const result = await handleCommand(
      this.store,
      staffAccountDecider,
      { commandId, stream: staffAccountStream(account.staffId), command: { type: 'DisableStaffAccount', reason: input.reason, now: this.clock.now().toISOString() }, actor },
      { now: () => this.clock.now() },
    );
    // Even when it was already disabled: no session of a disabled account may stay open.
    await this.sessions.revokeAll(account.staffId);
    return { staffId: account.staffId, disabled: result.events.length > 0 };
  }
}
