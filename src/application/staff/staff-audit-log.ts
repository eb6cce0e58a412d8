import { randomUUID } from 'node:crypto';
import { staffAuditStream, type StaffAuditEvent } from '../../domain/staff/staff-audit.js';
import type { AppendResult, EventStore, JsonValue } from '../../infrastructure/event-store/event-store.port.js';
import { deterministicEventId } from '../command-handling/deterministic-id.js';

export interface AuditAppendOptions {
  /** The actor id for the metadata (`staff:<id>`, `anonymous`...). */
  actor: string;
  now: Date;
  /** Makes the append idempotent: the same command id writes the same event id. */
  commandId?: string;
  correlationId?: string;
}

/**
 * Appends one audit fact to `staffaudit-<staffId>` with expected state `any`: audit streams are
 * append-only records with no rule to check, and an operator's stream grows all day, so they are
 * not read back through a decider on every action.
 */
export async function appendStaffAudit(store: EventStore, streamId: string, event: StaffAuditEvent, options: AuditAppendOptions): Promise<AppendResult & { eventId: string }> {
  const commandId = options.commandId ?? randomUUID();
  const eventId = deterministicEventId(commandId, 0);
  const result = await store.appendToStream(
    staffAuditStream(streamId),
    [
      {
        id: eventId,
        type: event.type,
        data: event.data as unknown as JsonValue,
        metadata: {
          correlationId: options.correlationId ?? commandId,
          causationId: commandId,
          actor: options.actor,
          schemaVersion: 1,
          occurredAt: options.now.toISOString(),
        },
      },
    ],
    { expectedState: 'any' },
  );
  return { ...result, eventId };
}
