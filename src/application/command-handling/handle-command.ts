import type { Decider, DomainEvent } from '../../domain/shared/decider.js';
import { StreamNotFoundError, WrongExpectedVersionError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore, ExpectedStreamState, JsonValue } from '../../infrastructure/event-store/event-store.port.js';
import { ConcurrencyConflictError } from './command-handling.errors.js';
import { deterministicEventId } from './deterministic-id.js';

/** A command addressed to one stream, with what the log must remember about who sent it. */
export interface CommandEnvelope<Command> {
  /** Unique per intent, chosen by the caller: sending the same command again is a no-op. */
  commandId: string;
  stream: string;
  command: Command;
  actor?: string;
  /** Defaults to the command id: the command starts a new causal chain. */
  correlationId?: string;
}

export interface HandleCommandOptions {
  /** Attempts in all, counting the first one (default 5). */
  maxAttempts?: number;
  /** Version of the event schemas this code writes (default 1). */
  schemaVersion?: number;
  /** The clock that stamps occurredAt (injectable for tests and replays). */
  now?: () => Date;
}

export interface CommandResult<Event> {
  stream: string;
  /** The events this command recorded (now, or on an earlier delivery of the same command). */
  events: Event[];
  /** The stream's last revision after the command, or null if the stream is still empty. */
  nextExpectedRevision: bigint | null;
  /** True when the command had already been applied and nothing new was written. */
  alreadyApplied: boolean;
  attempts: number;
}

/**
 * The one command handler: read the stream, fold it with `evolve`, `decide`, append with the
 * revision that was read as the expected state. A concurrent writer makes the append conflict;
 * then the whole cycle runs again on fresh state, a bounded number of times, with jittered
 * back-off, and a final conflict is reported as ConcurrencyConflictError, never swallowed.
 *
 * Event ids derive from the command id, so a command delivered twice (a client retry after a
 * timeout) is recognised in the stream and not applied twice.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  envelope: CommandEnvelope<Command>,
  options: HandleCommandOptions = {},
): Promise<CommandResult<Event>> {
  const maxAttempts = options.maxAttempts ?? 5;
  const now = options.now ?? (() => new Date());

  for (let attempt = 1; ; attempt++) {
    const { state, revision, earlier } = await load(store, decider, envelope);
    if (earlier.length > 0) {
      return { stream: envelope.stream, events: earlier, nextExpectedRevision: revision, alreadyApplied: true, attempts: attempt };
    }

    const events = [...decider.decide(envelope.command, state)];
    if (events.length === 0) {
      return { stream: envelope.stream, events, nextExpectedRevision: revision, alreadyApplied: false, attempts: attempt };
    }

    const occurredAt = now().toISOString();
    const expectedState: ExpectedStreamState = revision === null ? 'no_stream' : revision;
    try {
      const result = await store.appendToStream(
        envelope.stream,
        events.map((event, index) => ({
          id: deterministicEventId(envelope.commandId, index),
          type: event.type,
          data: event.data as JsonValue,
          metadata: {
            correlationId: envelope.correlationId ?? envelope.commandId,
            causationId: envelope.commandId,
            ...(envelope.actor === undefined ? {} : { actor: envelope.actor }),
            schemaVersion: options.schemaVersion ?? 1,
            occurredAt,
          },
        })),
        { expectedState },
      );
      return { stream: envelope.stream, events, nextExpectedRevision: result.nextExpectedRevision, alreadyApplied: false, attempts: attempt };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (attempt >= maxAttempts) throw new ConcurrencyConflictError(envelope.stream, attempt, error);
      await backOff(attempt);
    }
  }
}

/** Folds the stream into state, and picks out the events an earlier delivery of this command wrote. */
async function load<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  envelope: CommandEnvelope<Command>,
): Promise<{ state: State; revision: bigint | null; earlier: Event[] }> {
  let state = decider.initialState();
  let revision: bigint | null = null;
  const earlier: Event[] = [];
  let nextEarlierId = deterministicEventId(envelope.commandId, 0);
  try {
    for await (const recorded of store.readStream(envelope.stream)) {
      const event = { type: recorded.type, data: recorded.data } as unknown as Event;
      state = decider.evolve(state, event);
      revision = recorded.revision;
      if (recorded.id === nextEarlierId) {
        earlier.push(event);
        nextEarlierId = deterministicEventId(envelope.commandId, earlier.length);
      }
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { state, revision, earlier };
}

function backOff(attempt: number): Promise<void> {
  const ceiling = Math.min(100, 2 ** attempt * 2);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
