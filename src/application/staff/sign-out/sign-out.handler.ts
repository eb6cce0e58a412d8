import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { STAFF_SESSIONS, VOTER_SESSIONS, type StaffSessions, type VoterSessions } from '../../ports/sessions.js';
import { appendStaffAudit } from '../staff-audit-log.js';
import { SignOutCommand } from './sign-out.command.js';

/** Revokes the session the request came with; a staff sign-out is recorded (StaffSignedOut). */
@CommandHandler(SignOutCommand)
export class SignOutHandler implements ICommandHandler<SignOutCommand, boolean> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STAFF_SESSIONS) private readonly staffSessions: StaffSessions,
    @Inject(VOTER_SESSIONS) private readonly voterSessions: VoterSessions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ actor, sessionId }: SignOutCommand): Promise<boolean> {
    if (sessionId === null || actor.kind === 'anonymous') return false;
    if (actor.kind === 'voter') return this.voterSessions.revoke(sessionId);
    const revoked = await this.staffSessions.revoke(sessionId);
    if (revoked === null) return false;
    await appendStaffAudit(this.store, revoked.staffId, { type: 'StaffSignedOut', data: { staffId: revoked.staffId, sessionId } }, { actor: actor.id, now: this.clock.now() });
    return true;
  }
}
