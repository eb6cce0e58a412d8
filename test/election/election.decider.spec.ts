import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../support/decider-specification.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import {
  activityWindow,
  assertActivityOpen,
  currentPhase,
  electionDecider,
  foldElection,
  isActivityOpen,
  openActivities,
  sponsorshipRuleFor,
  type DeclareElection,
  type ElectionDateChanged,
  type ElectionDeclared,
  type ElectionEvent,
  type ElectionRules,
  type ElectionState,
} from '../../src/domain/election/index.js';

const given = DeciderSpecification.for(electionDecider);

/** The 2013 Paris primary as test data (the dates people read on Paris clocks). */
const rules: ElectionRules = {
  timeZone: 'Europe/Paris',
  sponsorship: [
    { sponsorKind: 'elected-official', minimumSponsors: 10, minimumDistinctDistricts: 3 },
    { sponsorKind: 'voter', minimumSponsors: 300, minimumDistinctDistricts: 5 },
  ],
  rounds: { count: 1, majorityPercent: 50 },
  blankVoteAllowed: true,
  revotePolicy: 'single-vote',
  registrationFee: null,
};

const declare: DeclareElection = {
  type: 'DeclareElection',
  electionId: 'paris-2013',
  name: 'Primaire de Paris 2013',
  organiser: 'Conseil Supérieur des Primaires',
  rules,
  dates: {
    sponsorshipDeadline: '2013-05-17T18:00',
    registrationOpensAt: '2013-05-06T10:00',
    registrationClosesAt: '2013-05-28T19:00',
    votingOpensAt: '2013-05-31T08:00',
    votingClosesAt: '2013-06-03T19:00',
  },
  at: '2013-04-15T10:00:00.000Z',
};

const declared: ElectionDeclared = {
  type: 'ElectionDeclared',
  data: {
    electionId: 'paris-2013',
    name: 'Primaire de Paris 2013',
    organiser: 'Conseil Supérieur des Primaires',
    rules,
    dates: {
      sponsorshipDeadline: '2013-05-17T16:00:00.000Z',
      registrationOpensAt: '2013-05-06T08:00:00.000Z',
      registrationClosesAt: '2013-05-28T17:00:00.000Z',
      votingOpensAt: '2013-05-31T06:00:00.000Z',
      votingClosesAt: '2013-06-03T17:00:00.000Z',
      secondRoundVotingOpensAt: null,
      secondRoundVotingClosesAt: null,
    },
    declaredAt: '2013-04-15T10:00:00.000Z',
  },
};

const REASON = 'Many voters could not register in time: the council extends registration';

const extension: ElectionDateChanged = {
  type: 'ElectionDateChanged',
  data: { electionId: 'paris-2013', date: 'registrationClosesAt', from: '2013-05-28T17:00:00.000Z', to: '2013-06-03T16:00:00.000Z', reason: REASON, changedAt: '2013-05-28T12:00:00.000Z' },
};

type Overrides = Partial<Omit<DeclareElection, 'dates' | 'rules'>> & { dates?: Partial<DeclareElection['dates']>; rules?: Partial<ElectionRules> };
const declaring = (changes: Overrides): DeclareElection => ({
  ...declare,
  ...changes,
  rules: { ...rules, ...changes.rules },
  dates: { ...declare.dates, ...changes.dates },
});

const stateOf = (...events: ElectionEvent[]): ElectionState => foldElection(events);

const refusal = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
};

describe('DeclareElection', () => {
  it('declares the election, reading local dates on the clocks of its time zone', () => {
    given([]).when(declare).then([declared]);
  });

  it('keeps instants given with an offset, normalised to UTC', () => {
    given([])
      .when(declaring({ dates: { registrationClosesAt: '2013-05-28T19:00:00+02:00', votingOpensAt: '2013-05-31T06:00:00Z' } }))
      .then([declared]);
  });

  it('normalises the time zone spelling and the currency of a registration fee', () => {
    const [event] = electionDecider.decide(declaring({ rules: { timeZone: 'europe/paris', registrationFee: { amountCents: 100, currency: 'eur' } } }), stateOf());
    expect(event).toMatchObject({ data: { rules: { timeZone: 'Europe/Paris', registrationFee: { amountCents: 100, currency: 'EUR' } } } });
  });

  it('refuses to declare the same election twice', () => {
    given([declared]).when(declare).thenRefuses('ElectionAlreadyDeclared', { electionId: 'paris-2013' });
  });

  it.each(['Paris-2013', 'paris_2013', 'pa', '-paris', 'paris--2013', 'x'.repeat(65)])('refuses the election id %p', (electionId) => {
    given([]).when(declaring({ electionId })).thenRefuses('InvalidElectionId');
  });

  it('requires a name and an organiser', () => {
    given([]).when(declaring({ name: '   ' })).thenRefuses('InvalidElectionName');
    given([]).when(declaring({ organiser: '' })).thenRefuses('InvalidOrganiser');
  });

  it('refuses an unknown time zone', () => {
    given([]).when(declaring({ rules: { timeZone: 'Europe/Lutece' } })).thenRefuses('InvalidTimeZone');
  });

  it('refuses inconsistent sponsorship rules', () => {
    const official = { sponsorKind: 'elected-official' as const, minimumSponsors: 10, minimumDistinctDistricts: 3 };
    given([]).when(declaring({ rules: { sponsorship: [{ ...official, minimumDistinctDistricts: 11 }] } })).thenRefuses('InvalidElectionRules', {
      field: 'sponsorship[0].minimumDistinctDistricts',
    });
    given([]).when(declaring({ rules: { sponsorship: [official, official] } })).thenRefuses('InvalidElectionRules', { field: 'sponsorship[1].sponsorKind' });
    given([]).when(declaring({ rules: { sponsorship: [{ ...official, minimumSponsors: 0 }] } })).thenRefuses('InvalidElectionRules', {
      field: 'sponsorship[0].minimumSponsors',
    });
  });

  it('refuses a majority outside 0–100, a free fee, an unknown revote policy', () => {
    given([]).when(declaring({ rules: { rounds: { count: 1, majorityPercent: 100 } } })).thenRefuses('InvalidElectionRules', { field: 'rounds.majorityPercent' });
    given([]).when(declaring({ rules: { registrationFee: { amountCents: 0, currency: 'EUR' } } })).thenRefuses('InvalidElectionRules', {
      field: 'registrationFee.amountCents',
    });
    given([])
      .when(declaring({ rules: { revotePolicy: 'best-of-three' as never } }))
      .thenRefuses('InvalidElectionRules', { field: 'revotePolicy' });
  });

  it('refuses a window that closes before it opens, or as it opens', () => {
    given([]).when(declaring({ dates: { registrationOpensAt: '2013-05-29T10:00' } })).thenRefuses('InvalidWindow', { window: 'registration' });
    given([]).when(declaring({ dates: { votingClosesAt: '2013-05-31T08:00' } })).thenRefuses('InvalidWindow', { window: 'voting' });
  });

  it('refuses registration closing after the vote closes', () => {
    given([])
      .when(declaring({ dates: { registrationClosesAt: '2013-06-03T19:30' } }))
      .thenRefuses('InconsistentDates', { rule: 'registration-closes-before-voting-closes' });
  });

  it('refuses registration opening after the vote opens', () => {
    given([])
      .when(declaring({ dates: { registrationOpensAt: '2013-06-01T10:00', registrationClosesAt: '2013-06-02T10:00' } }))
      .thenRefuses('InconsistentDates', { rule: 'registration-opens-before-voting' });
  });

  it('refuses a sponsorship deadline after the vote opens', () => {
    given([]).when(declaring({ dates: { sponsorshipDeadline: '2013-06-01T10:00' } })).thenRefuses('InconsistentDates', { rule: 'sponsorship-before-voting' });
  });

  it('allows registration to overlap sponsorship and the vote (as in 2013)', () => {
    const [event] = electionDecider.decide(declaring({ dates: { registrationClosesAt: '2013-06-03T18:00' } }), stateOf());
    expect(event!.type).toBe('ElectionDeclared');
  });

  it('refuses dates before the declaration', () => {
    given([]).when(declaring({ at: '2013-05-07T00:00:00Z' })).thenRefuses('DateInThePast', { date: 'registrationOpensAt' });
    given([]).when(declaring({ at: '2013-05-17T16:00:00Z', dates: { registrationOpensAt: '2013-05-20T10:00' } })).thenRefuses('DateInThePast', {
      date: 'sponsorshipDeadline',
    });
  });

  it('requires both second-round dates with two rounds, and none with one', () => {
    const twoRounds = { rounds: { count: 2 as const, majorityPercent: 50 } };
    given([]).when(declaring({ rules: twoRounds })).thenRefuses('SecondRoundDatesRequired');
    given([])
      .when(declaring({ dates: { secondRoundVotingOpensAt: '2013-06-07T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' } }))
      .thenRefuses('UnexpectedSecondRoundDates');
    given([])
      .when(declaring({ rules: twoRounds, dates: { secondRoundVotingOpensAt: '2013-06-03T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' } }))
      .thenRefuses('InconsistentDates', { rule: 'second-round-after-first' });
    given([])
      .when(declaring({ rules: twoRounds, dates: { secondRoundVotingOpensAt: '2013-06-10T19:00', secondRoundVotingClosesAt: '2013-06-07T08:00' } }))
      .thenRefuses('InvalidWindow', { window: 'second-round voting' });
    const [event] = electionDecider.decide(
      declaring({ rules: twoRounds, dates: { secondRoundVotingOpensAt: '2013-06-07T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' } }),
      stateOf(),
    );
    expect(event).toMatchObject({ data: { dates: { secondRoundVotingOpensAt: '2013-06-07T06:00:00.000Z', secondRoundVotingClosesAt: '2013-06-10T17:00:00.000Z' } } });
  });

  it('refuses a date that is not a date', () => {
    given([]).when(declaring({ dates: { votingOpensAt: '31/05/2013 08:00' } })).thenRefuses('InvalidDateTime');
  });
});

describe('ChangeElectionDate: the 2013 registration deadline extension', () => {
  const extend = (at: string, reason = REASON) => ({
    type: 'ChangeElectionDate' as const,
    electionId: 'paris-2013',
    date: 'registrationClosesAt' as const,
    to: '2013-06-03T18:00',
    reason,
    at,
  });

  it('an extension recorded before the deadline is accepted, with from, to and reason', () => {
    given([declared]).when(extend('2013-05-28T12:00:00.000Z')).then([extension]);
  });

  it('from then on, registration on 1 June is accepted; without the extension it is refused', () => {
    const onFirstJune = '2013-06-01T10:00:00.000Z';
    expect(assertActivityOpen(stateOf(declared, extension), 'registration', onFirstJune)).toEqual({
      activity: 'registration',
      round: 1,
      opensAt: '2013-05-06T08:00:00.000Z',
      closesAt: '2013-06-03T16:00:00.000Z',
    });
    expect(refusal(() => assertActivityOpen(stateOf(declared), 'registration', onFirstJune)).code).toBe('RegistrationClosed');
    expect(refusal(() => assertActivityOpen(stateOf(declared, extension), 'registration', '2013-06-03T16:00:00.000Z')).code).toBe('RegistrationClosed');
  });

  it('an extension attempted after 28 May 19:00 (Paris) is refused: the phase has ended', () => {
    given([declared]).when(extend('2013-05-28T17:00:00.000Z')).thenRefuses('PhaseAlreadyEnded', { date: 'registrationClosesAt', endedAt: '2013-05-28T17:00:00.000Z' });
    given([declared]).when(extend('2013-05-29T08:00:00.000Z')).thenRefuses('PhaseAlreadyEnded');
  });

  it('a second change is judged on the date in force after the first', () => {
    const again = { ...extend('2013-06-02T10:00:00.000Z'), to: '2013-06-03T18:30' };
    given([declared, extension])
      .when(again)
      .then([
        {
          type: 'ElectionDateChanged',
          data: { electionId: 'paris-2013', date: 'registrationClosesAt', from: '2013-06-03T16:00:00.000Z', to: '2013-06-03T16:30:00.000Z', reason: REASON, changedAt: '2013-06-02T10:00:00.000Z' },
        },
      ]);
  });

  it('requires a reason', () => {
    given([declared]).when(extend('2013-05-28T12:00:00.000Z', '  ')).thenRefuses('ReasonRequired');
  });

  it('requires a declared, not cancelled, election', () => {
    given([]).when(extend('2013-05-28T12:00:00.000Z')).thenRefuses('ElectionNotDeclared');
    const cancelled: ElectionEvent = { type: 'ElectionCancelled', data: { electionId: 'paris-2013', reason: 'Called off', cancelledAt: '2013-05-20T10:00:00.000Z' } };
    given([declared, cancelled]).when(extend('2013-05-28T12:00:00.000Z')).thenRefuses('ElectionCancelled');
  });

  it('refuses a change that changes nothing', () => {
    given([declared]).when({ ...extend('2013-05-28T12:00:00.000Z'), to: '2013-05-28T19:00' }).thenRefuses('DateUnchanged');
  });

  it('refuses to move a deadline into the past (closing retroactively)', () => {
    given([declared]).when({ ...extend('2013-05-20T12:00:00.000Z'), to: '2013-05-19T19:00' }).thenRefuses('DateInThePast', { date: 'registrationClosesAt' });
  });

  it('refuses to move the start of a window that has started, and a future start into the past', () => {
    const moveStart = (at: string, to: string) => ({ ...extend(at), date: 'registrationOpensAt' as const, to });
    given([declared]).when(moveStart('2013-05-10T12:00:00.000Z', '2013-05-12T10:00')).thenRefuses('PhaseAlreadyStarted');
    given([declared]).when(moveStart('2013-05-01T12:00:00.000Z', '2013-04-30T10:00')).thenRefuses('DateInThePast', { date: 'registrationOpensAt' });
    given([declared])
      .when(moveStart('2013-05-01T12:00:00.000Z', '2013-05-02T10:00'))
      .then([
        {
          type: 'ElectionDateChanged',
          data: { electionId: 'paris-2013', date: 'registrationOpensAt', from: '2013-05-06T08:00:00.000Z', to: '2013-05-02T08:00:00.000Z', reason: REASON, changedAt: '2013-05-01T12:00:00.000Z' },
        },
      ]);
  });

  it('refuses a change that breaks the consistency of the dates', () => {
    given([declared]).when({ ...extend('2013-05-28T12:00:00.000Z'), to: '2013-06-04T10:00' }).thenRefuses('InconsistentDates', {
      rule: 'registration-closes-before-voting-closes',
    });
    given([declared])
      .when({ ...extend('2013-05-10T12:00:00.000Z'), date: 'sponsorshipDeadline', to: '2013-06-01T10:00' })
      .thenRefuses('InconsistentDates', { rule: 'sponsorship-before-voting' });
  });

  it('the sponsorship deadline can be extended until it passes', () => {
    const extendSponsorship = (at: string) => ({ ...extend(at), date: 'sponsorshipDeadline' as const, to: '2013-05-24T18:00' });
    given([declared])
      .when(extendSponsorship('2013-05-17T15:59:59.999Z'))
      .then([
        {
          type: 'ElectionDateChanged',
          data: { electionId: 'paris-2013', date: 'sponsorshipDeadline', from: '2013-05-17T16:00:00.000Z', to: '2013-05-24T16:00:00.000Z', reason: REASON, changedAt: '2013-05-17T15:59:59.999Z' },
        },
      ]);
    given([declared]).when(extendSponsorship('2013-05-17T16:00:00.000Z')).thenRefuses('PhaseAlreadyEnded');
  });

  it('refuses an unknown date, and second-round dates in a one-round election', () => {
    given([declared]).when({ ...extend('2013-05-28T12:00:00.000Z'), date: 'tallyAt' as never }).thenRefuses('UnknownElectionDate');
    given([declared]).when({ ...extend('2013-05-28T12:00:00.000Z'), date: 'secondRoundVotingOpensAt' }).thenRefuses('UnknownElectionDate');
  });

  it('the vote can be extended while it is open, not after', () => {
    const extendVote = (at: string) => ({ ...extend(at), date: 'votingClosesAt' as const, to: '2013-06-03T20:00' });
    given([declared]).when(extendVote('2013-06-03T16:00:00.000Z')).then([
      {
        type: 'ElectionDateChanged',
        data: { electionId: 'paris-2013', date: 'votingClosesAt', from: '2013-06-03T17:00:00.000Z', to: '2013-06-03T18:00:00.000Z', reason: REASON, changedAt: '2013-06-03T16:00:00.000Z' },
      },
    ]);
    given([declared]).when(extendVote('2013-06-03T17:00:00.000Z')).thenRefuses('PhaseAlreadyEnded');
  });
});

describe('CancelElection', () => {
  const cancel = (at: string, reason = 'The primary is called off') => ({ type: 'CancelElection' as const, electionId: 'paris-2013', reason, at });

  it('cancels with a reason; nothing is open afterwards', () => {
    given([declared])
      .when(cancel('2013-05-20T10:00:00.000Z'))
      .then([{ type: 'ElectionCancelled', data: { electionId: 'paris-2013', reason: 'The primary is called off', cancelledAt: '2013-05-20T10:00:00.000Z' } }]);
    const state = stateOf(declared, { type: 'ElectionCancelled', data: { electionId: 'paris-2013', reason: 'The primary is called off', cancelledAt: '2013-05-20T10:00:00.000Z' } });
    expect(refusal(() => assertActivityOpen(state, 'registration', '2013-05-21T10:00:00.000Z')).code).toBe('ElectionCancelled');
    expect(currentPhase(state, '2013-05-21T10:00:00.000Z')).toBe('cancelled');
    given([...[declared], { type: 'ElectionCancelled', data: { electionId: 'paris-2013', reason: 'x', cancelledAt: '2013-05-20T10:00:00.000Z' } }])
      .when(cancel('2013-05-21T10:00:00.000Z'))
      .thenRefuses('ElectionCancelled');
  });

  it('requires a reason, a declared election, and an election not yet over', () => {
    given([declared]).when(cancel('2013-05-20T10:00:00.000Z', '')).thenRefuses('ReasonRequired');
    given([]).when(cancel('2013-05-20T10:00:00.000Z')).thenRefuses('ElectionNotDeclared');
    given([declared]).when(cancel('2013-06-03T17:00:00.000Z')).thenRefuses('ElectionAlreadyClosed');
  });
});

describe('phases', () => {
  const state = stateOf(declared, extension);

  it('follows the 2013 timeline, with overlapping windows named by the later activity', () => {
    expect(currentPhase(state, '2013-04-20T10:00:00Z')).toBe('sponsorship');
    expect(currentPhase(state, '2013-05-10T10:00:00Z')).toBe('registration'); // sponsorship is open too
    expect(openActivities(state, '2013-05-10T10:00:00Z').map((w) => w.activity)).toEqual(['sponsorship', 'registration']);
    expect(currentPhase(state, '2013-06-01T10:00:00Z')).toBe('voting'); // registration is open too
    expect(openActivities(state, '2013-06-01T10:00:00Z').map((w) => w.activity)).toEqual(['registration', 'voting']);
    expect(currentPhase(state, '2013-06-03T17:00:00Z')).toBe('closed');
  });

  it("is 'announced' when nothing is open before the vote", () => {
    const gap = stateOf({ ...declared, data: { ...declared.data, dates: { ...declared.data.dates, sponsorshipDeadline: '2013-05-01T10:00:00.000Z' } } });
    expect(currentPhase(gap, '2013-05-02T10:00:00Z')).toBe('announced');
    expect(openActivities(gap, '2013-05-02T10:00:00Z')).toEqual([]);
  });

  it('windows are half-open: open at opensAt, closed at closesAt', () => {
    expect(isActivityOpen(state, 'voting', '2013-05-31T06:00:00.000Z')).toBe(true);
    expect(isActivityOpen(state, 'voting', '2013-05-31T05:59:59.999Z')).toBe(false);
    expect(refusal(() => assertActivityOpen(state, 'voting', '2013-05-31T05:59:59.999Z'))).toMatchObject({ code: 'VotingNotYetOpen', details: { opensAt: '2013-05-31T06:00:00.000Z' } });
    expect(refusal(() => assertActivityOpen(state, 'voting', '2013-06-03T17:00:00.000Z'))).toMatchObject({ code: 'VotingClosed', details: { closedAt: '2013-06-03T17:00:00.000Z' } });
  });

  it('names each refusal by activity, with a message in the election time zone', () => {
    const early = refusal(() => assertActivityOpen(state, 'registration', '2013-05-01T10:00:00Z'));
    expect(early.code).toBe('RegistrationNotYetOpen');
    expect(early.message).toBe('Registration opens on 2013-05-06 10:00 (Europe/Paris)');
    expect(refusal(() => assertActivityOpen(state, 'sponsorship', '2013-05-17T16:00:00Z')).code).toBe('SponsorshipClosed');
    expect(assertActivityOpen(state, 'sponsorship', '2013-05-17T15:59:00Z').closesAt).toBe('2013-05-17T16:00:00.000Z');
    expect(refusal(() => assertActivityOpen(stateOf(), 'voting', '2013-06-01T10:00:00Z')).code).toBe('ElectionNotDeclared');
    expect(refusal(() => currentPhase(stateOf(), '2013-06-01T10:00:00Z')).code).toBe('ElectionNotDeclared');
  });

  it('with two rounds: round 2 is a second voting window, and between rounds voting is closed', () => {
    const [event] = electionDecider.decide(
      declaring({ rules: { rounds: { count: 2, majorityPercent: 50 } }, dates: { secondRoundVotingOpensAt: '2013-06-07T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' } }),
      stateOf(),
    );
    const twoRounds = stateOf(event!);
    expect(currentPhase(twoRounds, '2013-06-05T10:00:00Z')).toBe('between-rounds');
    expect(refusal(() => assertActivityOpen(twoRounds, 'voting', '2013-06-05T10:00:00Z'))).toMatchObject({
      code: 'VotingClosed',
      details: { round: 1, nextRoundOpensAt: '2013-06-07T06:00:00.000Z' },
    });
    expect(assertActivityOpen(twoRounds, 'voting', '2013-06-08T10:00:00Z').round).toBe(2);
    expect(currentPhase(twoRounds, '2013-06-08T10:00:00Z')).toBe('second-round-voting');
    expect(currentPhase(twoRounds, '2013-06-10T17:00:00Z')).toBe('closed');
    expect(activityWindow(twoRounds, 'voting', 2)).toEqual({ activity: 'voting', round: 2, opensAt: '2013-06-07T06:00:00.000Z', closesAt: '2013-06-10T17:00:00.000Z' });
    expect(refusal(() => activityWindow(state, 'voting', 2)).code).toBe('NoSuchRound');
  });

  it('exposes the sponsorship rule of each kind', () => {
    expect(sponsorshipRuleFor(rules, 'voter')).toEqual({ sponsorKind: 'voter', minimumSponsors: 300, minimumDistinctDistricts: 5 });
    expect(sponsorshipRuleFor({ ...rules, sponsorship: [] }, 'voter')).toBeNull();
  });
});
