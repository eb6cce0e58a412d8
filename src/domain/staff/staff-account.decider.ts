import { DomainError, type Decider, type DomainEvent } from '../shared/decider.js';
import { isStaffRole, type StaffRole } from './staff-role.js';
import { parseUsername, USERNAME_RULE } from './username.js';

/**
 * A staff account (stream `staff-<staffId>`): created with a role, its role changed, disabled.
 * Password hashes are not here: the log is public to auditors. They live in the node's secrets
 * store, keyed by staffId; events only record that a password was set or reset.
 */
export type StaffAccountEvent =
  | DomainEvent<'StaffAccountCreated', { staffId: string; username: string; role: StaffRole; createdAt: string }>
  | DomainEvent<'StaffRoleChanged', { staffId: string; from: StaffRole; to: StaffRole; changedAt: string }>
  | DomainEvent<'StaffPasswordReset', { staffId: string; resetAt: string }>
  | DomainEvent<'StaffAccountDisabled', { staffId: string; reason: string; disabledAt: string }>;

export type StaffAccountCommand =
  | { type: 'CreateStaffAccount'; staffId: string; username: string; role: string; now: string }
  | { type: 'ChangeStaffRole'; role: string; now: string }
  | { type: 'ResetStaffPassword'; now: string }
  | { type: 'DisableStaffAccount'; reason: string; now: string };

export type StaffAccountState =
  | { status: 'none' }
  | { status: 'active' | 'disabled'; staffId: string; username: string; role: StaffRole; createdAt: string };

export const staffAccountStream = (staffId: string): string => `staff-${staffId}`;

export const staffAccountDecider: Decider<StaffAccountCommand, StaffAccountEvent, StaffAccountState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'CreateStaffAccount': {
        if (state.status !== 'none') throw new DomainError('StaffAccountAlreadyExists', 'This staff account already exists.', { staffId: state.staffId });
        const username = parseUsername(command.username);
        if (username === null) throw new DomainError('InvalidUsername', `A username is ${USERNAME_RULE}.`);
        if (!isStaffRole(command.role)) throw new DomainError('UnknownStaffRole', `"${command.role}" is not a staff role.`);
        return [{ type: 'StaffAccountCreated', data: { staffId: command.staffId, username, role: command.role, createdAt: command.now } }];
      }
      case 'ChangeStaffRole': {
        const account = activeAccount(state);
        if (!isStaffRole(command.role)) throw new DomainError('UnknownStaffRole', `"${command.role}" is not a staff role.`);
        if (account.role === command.role) return [];
        return [{ type: 'StaffRoleChanged', data: { staffId: account.staffId, from: account.role, to: command.role, changedAt: command.now } }];
      }
      case 'ResetStaffPassword': {
        const account = activeAccount(state);
        return [{ type: 'StaffPasswordReset', data: { staffId: account.staffId, resetAt: command.now } }];
      }
      case 'DisableStaffAccount': {
        if (state.status === 'none') throw new DomainError('StaffAccountNotFound', 'There is no such staff account.');
        if (state.status === 'disabled') return [];
        const reason = command.reason.trim();
        if (reason.length === 0) throw new DomainError('ReasonRequired', 'Say why the account is disabled.');
        return [{ type: 'StaffAccountDisabled', data: { staffId: state.staffId, reason, disabledAt: command.now } }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'StaffAccountCreated':
        return { status: 'active', staffId: event.data.staffId, username: event.data.username, role: event.data.role, createdAt: event.data.createdAt };
      case 'StaffRoleChanged':
        return state.status === 'none' ? state : { ...state, role: event.data.to };
      case 'StaffPasswordReset':
        return state;
      case 'StaffAccountDisabled':
        return state.status === 'none' ? state : { ...state, status: 'disabled' };
      default:
        return state;
    }
  },
};

function activeAccount(state: StaffAccountState) {
  if (state.status === 'none') throw new DomainError('StaffAccountNotFound', 'There is no such staff account.');
  if (state.status === 'disabled') throw new DomainError('StaffAccountDisabled', 'This staff account is disabled.', { staffId: state.staffId });
  return state;
}
