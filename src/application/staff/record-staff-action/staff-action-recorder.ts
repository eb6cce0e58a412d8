import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../../domain/shared/decider.js';
import { checkStaffAction, type AuditDetails } from '../../../domain/staff/staff-audit.js';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { appendStaffAudit } from '../staff-audit-log.js';

export interface RecordStaffActionOptions {
  /** The command id of the action: recording it twice writes one event. */
  commandId?: string;
  /** Ties the audit event to the events the action caused (use the same correlation id). */
  correlationId?: string;
}

/**
 * Records what a staff member did to a voter's file, for the public record: StaffActionRecorded
 * in `staffaudit-<staffId>`, with the actor in the metadata. Inject it and call it in the same
 * handler as the action, e.g. for the support operators:
 *
 *   await this.audit.recordStaffAction(actor, 'voter.lookup', registrationId, { found: true });
 *   await this.audit.recordStaffAction(actor, 'code.resend', registrationId, { channel: 'sms' }, { commandId });
 *   await this.audit.recordStaffAction(actor, 'phone.change', registrationId, { identityCheck: 'birth-date+address' });
 *
 * Details are flat (strings, numbers, booleans) and hold ids and reasons: never a code, token or
 * password (refused: SecretInAuditDetails), never personal data in clear (not checkable: your duty).
 */
@Injectable()
export class StaffActionRecorder {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async recordStaffAction(actor: Actor, action: string, subject: string, details: AuditDetails = {}, options: RecordStaffActionOptions = {}): Promise<{ eventId: string; position: bigint }> {
    if (actor.kind !== 'staff') throw new DomainError('NotStaff', 'Only staff actions are recorded this way.');
    checkStaffAction(action, subject, details);
    const { eventId, position } = await appendStaffAudit(
      this.store,
      actor.staffId,
      { type: 'StaffActionRecorded', data: { staffId: actor.staffId, username: actor.username, role: actor.role, action, subject, details: { ...details } } },
      { actor: actor.id, now: this.clock.now(), ...options },
    );
    return { eventId, position };
  }
}
