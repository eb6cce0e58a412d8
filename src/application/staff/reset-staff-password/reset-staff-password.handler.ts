import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/shared/decider.js';
import { staffAccountDecider, staffAccountStream } from '../../../domain/staff/staff-account.decider.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { STAFF_SESSIONS, type StaffSessions } from '../../ports/sessions.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_HASHER, STAFF_CREDENTIALS, type PasswordHasher, type StaffCredentials } from '../../ports/staff-credentials.js';
import { StaffDirectory } from '../staff-directory.js';
import { ResetStaffPasswordCommand } from './reset-staff-password.command.js';

@CommandHandler(ResetStaffPasswordCommand)
export class ResetStaffPasswordHandler implements ICommandHandler<ResetStaffPasswordCommand, { staffId: string }> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(STAFF_CREDENTIALS) private readonly credentials: StaffCredentials,
    @Inject(STAFF_SESSIONS) private readonly sessions: StaffSessions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly directory: StaffDirectory,
  ) {}

  async execute({ commandId, input, actor }: ResetStaffPasswordCommand): Promise<{ staffId: string }> {
    if (typeof input.password !== 'string' || input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH)
      throw new DomainError('WeakPassword', `A password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);
    const account = await this.directory.byUsername(input.username);
    if (account === null) throw new DomainError('StaffAccountNotFound', `There is no staff account "${input.username}".`);
    // The decider refuses a disabled account before anything changes.
    await handleCommand(
      this.store,
      staffAccountDecider,
      { commandId, stream: staffAccountStream(account.staffId), command: { type: 'ResetStaffPassword', now: this.clock.now().toISOString() }, actor },
      { now: () => this.clock.now() },
    );
    await this.credentials.setPasswordHash(account.staffId, await this.hasher.hash(input.password));
    await this.sessions.revokeAll(account.staffId);
    return { staffId: account.staffId };
  }
}
