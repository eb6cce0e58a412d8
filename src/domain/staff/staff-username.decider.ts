import { DomainError, type Decider, type DomainEvent } from '../shared/decider.js';
import { parseUsername, USERNAME_RULE } from './username.js';

/**
 * Usernames are unique: stream `staffname-<normalised username>` holds one event naming the
 * account that owns it, appended with `no_stream`. Reserving it again for the same account is a
 * no-op (a retried command); for another account it is refused.
 */
export type StaffUsernameEvent = DomainEvent<'StaffUsernameReserved', { username: string; staffId: string }>;
export type ReserveStaffUsername = { type: 'ReserveStaffUsername'; username: string; staffId: string };
export type StaffUsernameState = { staffId: string | null };

/** The uniqueness stream of a username (which must already be normalised and valid). */
export const staffUsernameStream = (username: string): string => `staffname-${username}`;

export const staffUsernameDecider: Decider<ReserveStaffUsername, StaffUsernameEvent, StaffUsernameState> = {
  initialState: () => ({ staffId: null }),
  decide(command, state) {
    const username = parseUsername(command.username);
    if (username === null) throw new DomainError('InvalidUsername', `A username is ${USERNAME_RULE}.`);
    if (state.staffId === command.staffId) return [];
    if (state.staffId !== null) throw new DomainError('UsernameTaken', `The username "${username}" is already taken.`, { username });
    return [{ type: 'StaffUsernameReserved', data: { username, staffId: command.staffId } }];
  },
  evolve: (state, event) => (event.type === 'StaffUsernameReserved' ? { staffId: event.data.staffId } : state),
};
