import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../src/domain/shared/decider.js';
import { checkStaffAction } from '../../src/domain/staff/staff-audit.js';
import { staffAccountDecider, type StaffAccountEvent } from '../../src/domain/staff/staff-account.decider.js';
import { staffUsernameDecider } from '../../src/domain/staff/staff-username.decider.js';
import { normaliseUsername, parseUsername } from '../../src/domain/staff/username.js';
import { DeciderSpecification } from '../support/decider-specification.js';

const now = '2013-05-20T10:00:00.000Z';
const later = '2013-05-21T10:00:00.000Z';
const staffId = '0b5c6f1e-7a55-4f0e-9d0c-2f1a5e9c1d01';
const created: StaffAccountEvent = { type: 'StaffAccountCreated', data: { staffId, username: 'alice', role: 'operator', createdAt: now } };
const disabled: StaffAccountEvent = { type: 'StaffAccountDisabled', data: { staffId, reason: 'left', disabledAt: later } };

describe('staff account decider', () => {
  const given = DeciderSpecification.for(staffAccountDecider);

  it('creates an account with a normalised username and a role', () => {
    given([]).when({ type: 'CreateStaffAccount', staffId, username: ' Alice ', role: 'operator', now }).then([created]);
  });

  it('refuses a second creation, an unknown role and an invalid username', () => {
    given([created]).when({ type: 'CreateStaffAccount', staffId, username: 'alice', role: 'operator', now }).thenRefuses('StaffAccountAlreadyExists');
    given([]).when({ type: 'CreateStaffAccount', staffId, username: 'alice', role: 'admin', now }).thenRefuses('UnknownStaffRole');
    for (const username of ['a', 'has space', '-dash-first', 'x'.repeat(65), 'émile!'])
      given([]).when({ type: 'CreateStaffAccount', staffId, username, role: 'council', now }).thenRefuses('InvalidUsername');
  });

  it('changes the role, and does nothing when it is already that role', () => {
    given([created]).when({ type: 'ChangeStaffRole', role: 'council', now: later }).then([{ type: 'StaffRoleChanged', data: { staffId, from: 'operator', to: 'council', changedAt: later } }]);
    given([created]).when({ type: 'ChangeStaffRole', role: 'operator', now: later }).thenNothingHappens();
    given([created]).when({ type: 'ChangeStaffRole', role: 'root', now: later }).thenRefuses('UnknownStaffRole');
    given([]).when({ type: 'ChangeStaffRole', role: 'council', now: later }).thenRefuses('StaffAccountNotFound');
  });

  it('disables an account once, with a reason; a disabled account changes no more', () => {
    given([created]).when({ type: 'DisableStaffAccount', reason: ' left ', now: later }).then([disabled]);
    given([created, disabled]).when({ type: 'DisableStaffAccount', reason: 'again', now: later }).thenNothingHappens();
    given([created]).when({ type: 'DisableStaffAccount', reason: '  ', now: later }).thenRefuses('ReasonRequired');
    given([]).when({ type: 'DisableStaffAccount', reason: 'x', now: later }).thenRefuses('StaffAccountNotFound');
    given([created, disabled]).when({ type: 'ChangeStaffRole', role: 'council', now: later }).thenRefuses('StaffAccountDisabled');
    given([created, disabled]).when({ type: 'ResetStaffPassword', now: later }).thenRefuses('StaffAccountDisabled');
  });

  it('records a password reset without the password', () => {
    given([created]).when({ type: 'ResetStaffPassword', now: later }).then([{ type: 'StaffPasswordReset', data: { staffId, resetAt: later } }]);
  });

  it('folds role changes and disabling into the state', () => {
    const state = [created, { type: 'StaffRoleChanged', data: { staffId, from: 'operator', to: 'trustee', changedAt: later } } as StaffAccountEvent, disabled].reduce(
      staffAccountDecider.evolve,
      staffAccountDecider.initialState(),
    );
    expect(state).toEqual({ status: 'disabled', staffId, username: 'alice', role: 'trustee', createdAt: now });
  });
});

describe('staff username decider (uniqueness)', () => {
  const given = DeciderSpecification.for(staffUsernameDecider);
  const reserved = { type: 'StaffUsernameReserved' as const, data: { username: 'alice', staffId } };

  it('reserves a free username for an account', () => {
    given([]).when({ type: 'ReserveStaffUsername', username: 'ALICE', staffId }).then([reserved]);
  });

  it('is a no-op for the same account (a retried command) and refuses another account', () => {
    given([reserved]).when({ type: 'ReserveStaffUsername', username: 'alice', staffId }).thenNothingHappens();
    given([reserved]).when({ type: 'ReserveStaffUsername', username: 'alice', staffId: 'someone-else' }).thenRefuses('UsernameTaken', { username: 'alice' });
  });
});

describe('usernames', () => {
  it('normalise with NFKC, trimming and lower case', () => {
    expect(normaliseUsername('  Ａlice.Dupont ')).toBe('alice.dupont');
    expect(parseUsername('Bob@Example.org')).toBe('bob@example.org');
    expect(parseUsername('x')).toBeNull();
  });
});

describe('operator actions', () => {
  it('accept dotted action names, an id and flat details', () => {
    expect(() => checkStaffAction('voter.lookup', 'registration-42', { found: true, statusCode: 200, channel: 'sms' })).not.toThrow();
  });

  it.each([['code'], ['smsCode'], ['password'], ['sessionToken'], ['access_code'], ['credential']])('refuse a secret-looking detail "%s"', (key) => {
    expect(() => checkStaffAction('code.resend', 'registration-42', { [key]: '123456' })).toThrow(expect.objectContaining({ code: 'SecretInAuditDetails' }) as unknown as DomainError);
  });

  it('refuse bad action names, empty subjects and nested details', () => {
    for (const [action, subject, details] of [
      ['Voter Lookup', 'r', {}],
      ['voter.lookup', '', {}],
      ['voter.lookup', 'r', { nested: { a: 1 } }],
    ] as const) {
      expect(() => checkStaffAction(action, subject, details as never)).toThrow(DomainError);
    }
  });
});
