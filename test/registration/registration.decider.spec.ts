import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toDeclareElection } from '../../src/application/election/declare-election/declare-election.handler.js';
import type { DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { electionDecider, foldElection, type ElectionState } from '../../src/domain/election/index.js';
import {
  DEFAULT_FRAUD_THRESHOLDS,
  isDisposableEmail,
  networkPrefix,
  normaliseEmail,
  normalisePhone,
  registrationDecider,
  registrationRulesDecider,
  reviewReasons,
  rollEntryClaimDecider,
  type RegistrationEvent,
  type SubmitRegistration,
} from '../../src/domain/registration/index.js';
import type { SealedPersonalData } from '../../src/domain/shared/personal-data.js';
import { DeciderSpecification } from '../support/decider-specification.js';

const given = DeciderSpecification.for(registrationDecider);
const claims = DeciderSpecification.for(rollEntryClaimDecider);

const input = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
const election: ElectionState = foldElection(electionDecider.decide(toDeclareElection({ ...input, electionId: 'paris-2013' }, new Date('2013-04-15T10:00:00Z')), electionDecider.initialState()));
const OPEN = '2013-05-10T09:00:00.000Z';
const CLOSED = '2013-05-28T17:00:01.000Z';
const ID = '0b7a2c1e-1111-4222-a333-444455556666';
const sealed = (subject = `registration-${ID}`): SealedPersonalData => ({ sealed: 'v1', subject, iv: 'aXY', data: 'ZGF0YQ' });

const submit = (overrides: Partial<SubmitRegistration> = {}): SubmitRegistration => ({
  type: 'SubmitRegistration',
  registrationId: ID,
  election,
  rollMatch: { rollEntryId: 'entry-1', district: '5', matches: 1 },
  personalData: sealed(),
  emailIndex: 'e1',
  phoneIndex: 'p1',
  paymentIndex: null,
  networkIndex: 'n1',
  disposableEmail: false,
  signals: [
    { kind: 'email-reused', count: 1, limit: 2 },
    { kind: 'phone-reused', count: 1, limit: 2 },
  ],
  at: OPEN,
  ...overrides,
});

const submitted = (overrides: Partial<SubmitRegistration> = {}) => registrationDecider.decide(submit(overrides), registrationDecider.initialState()) as RegistrationEvent[];
const flagged = () => submitted({ signals: [{ kind: 'email-reused', count: 3, limit: 2 }] });
const emailConfirmed: RegistrationEvent = { type: 'EmailConfirmed', data: { registrationId: ID, at: OPEN } };
const phoneConfirmed: RegistrationEvent = { type: 'PhoneConfirmed', data: { registrationId: ID, at: OPEN } };
const approved = (by: 'automatic' | 'council'): RegistrationEvent => ({ type: 'RegistrationApproved', data: { registrationId: ID, electionId: 'paris-2013', district: '5', by, at: OPEN } });

describe('registration decider', () => {
  it('records a submission on the roll with its blind indexes and signals, without flag under the thresholds', () => {
    const events = submitted();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'RegistrationSubmitted', data: { registrationId: ID, electionId: 'paris-2013', rollEntryId: 'entry-1', district: '5', emailIndex: 'e1', rollMatches: 1 } });
  });

  it('refuses a person not on the roll, before opening and after the deadline', () => {
    given([]).when(submit({ rollMatch: null })).thenRefuses('NotOnTheRoll');
    given([]).when(submit({ at: '2013-05-01T10:00:00.000Z' })).thenRefuses('RegistrationNotYetOpen');
    given([]).when(submit({ at: CLOSED })).thenRefuses('RegistrationClosed');
    given([]).when(submit({ election: foldElection([]) })).thenRefuses('ElectionNotDeclared');
    given(submitted()).when(submit()).thenRefuses('RegistrationExists');
  });

  it('flags a submission over a threshold, with a disposable e-mail domain, or matching homonyms', () => {
    expect(flagged()[1]).toEqual({ type: 'RegistrationFlagged', data: { registrationId: ID, electionId: 'paris-2013', reasons: ['email-reused'], at: OPEN } });
    expect(submitted({ disposableEmail: true })[1]!.data).toMatchObject({ reasons: ['disposable-email'] });
    expect(submitted({ rollMatch: { rollEntryId: 'entry-1', district: '5', matches: 2 } })[1]!.data).toMatchObject({ reasons: ['homonym'] });
    expect(reviewReasons([{ kind: 'phone-reused', count: 2, limit: 2 }, { kind: 'network-burst', count: 21, limit: 20 }], false, 1)).toEqual(['network-burst']);
  });

  it('approves automatically once both contacts are confirmed and nothing is flagged', () => {
    given(submitted()).when({ type: 'ConfirmContact', channel: 'email', election, at: OPEN }).then([emailConfirmed]);
    given([...submitted(), emailConfirmed]).when({ type: 'ApproveIfReady', at: OPEN }).thenNothingHappens();
    given([...submitted(), emailConfirmed, phoneConfirmed]).when({ type: 'ApproveIfReady', at: OPEN }).then([approved('automatic')]);
    given([...submitted(), emailConfirmed]).when({ type: 'ConfirmContact', channel: 'email', election, at: OPEN }).thenNothingHappens();
  });

  it('confirmations only while registration is open', () => {
    given(submitted()).when({ type: 'ConfirmContact', channel: 'phone', election, at: CLOSED }).thenRefuses('RegistrationClosed');
  });

  it('keeps a flagged registration in review until the council clears it, with a reason', () => {
    given([...flagged(), emailConfirmed, phoneConfirmed]).when({ type: 'ApproveIfReady', at: OPEN }).thenNothingHappens();
    given([...flagged(), emailConfirmed, phoneConfirmed])
      .when({ type: 'ReviewRegistration', decision: 'approve', reason: 'Family sharing one address', at: OPEN })
      .then([{ type: 'RegistrationReviewCleared', data: { registrationId: ID, electionId: 'paris-2013', reason: 'Family sharing one address', at: OPEN } }, approved('council')]);
    given(flagged()).when({ type: 'ReviewRegistration', decision: 'approve', reason: 'ok', at: OPEN }).then([
      { type: 'RegistrationReviewCleared', data: { registrationId: ID, electionId: 'paris-2013', reason: 'ok', at: OPEN } },
    ]);
    given(flagged()).when({ type: 'ReviewRegistration', decision: 'reject', reason: '  ', at: OPEN }).thenRefuses('ReasonRequired');
    given(submitted()).when({ type: 'ReviewRegistration', decision: 'reject', reason: 'no', at: OPEN }).thenRefuses('NotUnderReview');
    given(flagged())
      .when({ type: 'ReviewRegistration', decision: 'reject', reason: 'Channels of another registration', at: OPEN })
      .then([{ type: 'RegistrationRejected', data: { registrationId: ID, electionId: 'paris-2013', district: '5', reason: 'Channels of another registration', at: OPEN } }]);
  });

  it('cancels a live registration once; nothing is done to a rejected or unknown one', () => {
    const cancelled: RegistrationEvent = { type: 'RegistrationCancelled', data: { registrationId: ID, electionId: 'paris-2013', district: '5', at: OPEN } };
    given(submitted()).when({ type: 'CancelRegistration', at: OPEN }).then([cancelled]);
    given([...submitted(), cancelled]).when({ type: 'CancelRegistration', at: OPEN }).thenRefuses('RegistrationCancelled');
    given([...submitted(), cancelled]).when({ type: 'ConfirmContact', channel: 'email', election, at: OPEN }).thenRefuses('RegistrationCancelled');
    given([]).when({ type: 'CancelRegistration', at: OPEN }).thenRefuses('RegistrationNotFound');
  });

  it('a phone change resets the phone confirmation (sealed for the same subject only)', () => {
    const changed: RegistrationEvent = { type: 'RegistrationPhoneChanged', data: { registrationId: ID, electionId: 'paris-2013', personalData: sealed(), phoneIndex: 'p2', at: OPEN } };
    given([...submitted(), phoneConfirmed]).when({ type: 'ChangeRegistrationPhone', personalData: sealed(), phoneIndex: 'p2', at: OPEN }).then([changed]);
    given([...submitted(), phoneConfirmed, changed, emailConfirmed]).when({ type: 'ApproveIfReady', at: OPEN }).thenNothingHappens();
    given(submitted()).when({ type: 'ChangeRegistrationPhone', personalData: sealed('registration-other'), phoneIndex: 'p2', at: OPEN }).thenRefuses('WrongSubject');
  });
});

describe('roll entry claim', () => {
  const claim = { type: 'ClaimRollEntry', registrationId: 'r1', electionId: 'paris-2013', rollEntryId: 'entry-1' } as const;
  const claimed = { type: 'RegistrationClaimed', data: { registrationId: 'r1', electionId: 'paris-2013', rollEntryId: 'entry-1' } } as const;
  const released = { type: 'RegistrationClaimReleased', data: { registrationId: 'r1', electionId: 'paris-2013', rollEntryId: 'entry-1', why: 'cancelled' } } as const;

  it('one live registration per roll entry; the same registration claiming again is a no-op', () => {
    claims([]).when(claim).then([claimed]);
    claims([claimed]).when({ ...claim, registrationId: 'r2' }).thenRefuses('AlreadyRegistered');
    claims([claimed]).when(claim).thenNothingHappens();
  });

  it('a released claim can be taken again; only its holder releases it', () => {
    claims([claimed]).when({ type: 'ReleaseRollEntryClaim', registrationId: 'r1', electionId: 'paris-2013', rollEntryId: 'entry-1', why: 'cancelled' }).then([released]);
    claims([claimed]).when({ type: 'ReleaseRollEntryClaim', registrationId: 'r2', electionId: 'paris-2013', rollEntryId: 'entry-1', why: 'cancelled' }).thenNothingHappens();
    claims([claimed, released]).when({ ...claim, registrationId: 'r2' }).then([{ ...claimed, data: { ...claimed.data, registrationId: 'r2' } }]);
  });
});

describe('registration rules', () => {
  it('normalises e-mails and French phone numbers to E.164', () => {
    expect(normaliseEmail('  Jean.Dupont@Example.ORG ')).toBe('jean.dupont@example.org');
    expect(normaliseEmail('nope')).toBeNull();
    for (const phone of ['06 12 34 56 78', '06.12.34.56.78', '+33 6 12 34 56 78', '0033612345678', '+33 (0)6 12 34 56 78']) expect(normalisePhone(phone)).toBe('+33612345678');
    expect(normalisePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalisePhone('12')).toBeNull();
  });

  it('groups client addresses by /24 and /64; knows disposable domains', () => {
    expect(networkPrefix('192.0.2.77')).toBe('192.0.2.0/24');
    expect(networkPrefix('::ffff:192.0.2.1')).toBe('192.0.2.0/24');
    expect(networkPrefix('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(networkPrefix('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(isDisposableEmail('x@yopmail.com')).toBe(true);
    expect(isDisposableEmail('x@example.org')).toBe(false);
  });

  it('thresholds are whole numbers of at least 1', () => {
    const rules = DeciderSpecification.for(registrationRulesDecider);
    rules([]).when({ type: 'SetRegistrationThresholds', electionId: 'paris-2013', thresholds: { ...DEFAULT_FRAUD_THRESHOLDS, maxPerEmail: 0 }, at: OPEN }).thenRefuses('InvalidThreshold');
    rules([]).when({ type: 'SetRegistrationThresholds', electionId: 'paris-2013', thresholds: DEFAULT_FRAUD_THRESHOLDS, at: OPEN }).then([
      { type: 'RegistrationThresholdsSet', data: { electionId: 'paris-2013', thresholds: DEFAULT_FRAUD_THRESHOLDS, at: OPEN } },
    ]);
  });
});
