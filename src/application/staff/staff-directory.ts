import { Inject, Injectable } from '@nestjs/common';
import type { Decider, DomainEvent } from '../../domain/shared/decider.js';
import { staffAccountDecider, staffAccountStream, type StaffAccountEvent, type StaffAccountState } from '../../domain/staff/staff-account.decider.js';
import type { StaffRole } from '../../domain/staff/staff-role.js';
import { staffUsernameDecider, staffUsernameStream, type StaffUsernameEvent } from '../../domain/staff/staff-username.decider.js';
import { parseUsername } from '../../domain/staff/username.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';

export interface StaffAccount {
  staffId: string;
  username: string;
  role: StaffRole;
  status: 'active' | 'disabled';
  createdAt: string;
}

/** Staff accounts as the log tells them (the log is the only source; no copy is kept). */
@Injectable()
export class StaffDirectory {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async byId(staffId: string): Promise<StaffAccount | null> {
    return toAccount(await fold(this.store, staffAccountStream(staffId), staffAccountDecider));
  }

  /** The account that owns this username (compared normalised), or null. */
  async byUsername(raw: string): Promise<StaffAccount | null> {
    const username = parseUsername(raw);
    if (username === null) return null;
    const { staffId } = await fold(this.store, staffUsernameStream(username), staffUsernameDecider as Decider<unknown, StaffUsernameEvent, { staffId: string | null }>);
    return staffId === null ? null : this.byId(staffId);
  }

  /** Every staff account, by username. Reads the `staff-` streams of the whole log (a few events per account). */
  async list(): Promise<StaffAccount[]> {
    const states = new Map<string, StaffAccountState>();
    for await (const recorded of this.store.readAll({ filter: { kind: 'streamName', prefixes: ['staff-'] } })) {
      if (!recorded.stream.startsWith('staff-')) continue;
      const state = states.get(recorded.stream) ?? staffAccountDecider.initialState();
      states.set(recorded.stream, staffAccountDecider.evolve(state, asEvent<StaffAccountEvent>(recorded)));
    }
    return [...states.values()]
      .map(toAccount)
      .filter((account): account is StaffAccount => account !== null)
      .sort((a, b) => a.username.localeCompare(b.username));
  }
}

function toAccount(state: StaffAccountState): StaffAccount | null {
  if (state.status === 'none') return null;
  return { staffId: state.staffId, username: state.username, role: state.role, status: state.status, createdAt: state.createdAt };
}

async function fold<Event extends DomainEvent, State>(store: EventStore, stream: string, decider: Decider<unknown, Event, State>): Promise<State> {
  let state = decider.initialState();
  try {
    for await (const recorded of store.readStream(stream)) state = decider.evolve(state, asEvent<Event>(recorded));
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return state;
}

function asEvent<Event>(recorded: RecordedEvent): Event {
  return { type: recorded.type, data: recorded.data } as unknown as Event;
}
