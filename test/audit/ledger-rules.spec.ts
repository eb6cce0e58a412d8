import { describe, expect, it } from '@jest/globals';
import { LedgerRules, type AuditedEvent } from '../../src/domain/audit/ledger-rules.js';

const E = 'paris-2013';
const dates = {
  sponsorshipDeadline: '2013-05-17T16:00:00.000Z',
  registrationOpensAt: '2013-05-06T08:00:00.000Z',
  registrationClosesAt: '2013-05-28T17:00:00.000Z',
  votingOpensAt: '2013-05-31T06:00:00.000Z',
  votingClosesAt: '2013-06-03T17:00:00.000Z',
  secondRoundVotingOpensAt: null,
  secondRoundVotingClosesAt: null,
};
const rules = {
  timeZone: 'Europe/Paris',
  sponsorship: [{ sponsorKind: 'voter', minimumSponsors: 2, minimumDistinctDistricts: 2 }],
  rounds: { count: 1, majorityPercent: 50 },
  blankVoteAllowed: true,
  revotePolicy: 'single-vote',
  registrationFee: null,
};
const ids = { electionId: E, round: 1 };

let position = 0n;
const event = (type: string, data: Record<string, unknown>, stream = 'x-1'): AuditedEvent => ({ position: ++position, stream, type, data });

/** A clean election: two sponsors from two districts, one voter who votes once, a result. */
function cleanElection(): AuditedEvent[] {
  return [
    event('ElectionDeclared', { electionId: E, rules, dates, declaredAt: '2013-04-15T10:00:00.000Z' }),
    event('CandidateDeclared', { electionId: E, candidateId: 'nkm' }),
    event('SponsorshipGiven', { electionId: E, candidateId: 'nkm', sponsorKind: 'voter', sponsorId: 's1', district: '5', givenAt: '2013-05-01T10:00:00.000Z' }),
    event('SponsorshipGiven', { electionId: E, candidateId: 'nkm', sponsorKind: 'voter', sponsorId: 's2', district: '11', givenAt: '2013-05-02T10:00:00.000Z' }),
    event('CandidateCertified', { electionId: E, candidateId: 'nkm' }),
    event('RegistrationSubmitted', { registrationId: 'r1', electionId: E, district: '5', at: '2013-05-10T10:00:00.000Z' }),
    event('EmailConfirmed', { registrationId: 'r1' }),
    event('PhoneConfirmed', { registrationId: 'r1' }),
    event('RegistrationApproved', { registrationId: 'r1', electionId: E, district: '5', by: 'automatic', at: '2013-05-10T10:05:00.000Z' }),
    event('VotePrepared', { ...ids, revotePolicy: 'single-vote' }),
    event('BallotBoxOpened', { ...ids }),
    event('EmargementRecorded', { ...ids, registrationId: 'r1', district: '5', revote: false }),
    event('BallotAccepted', { ...ids, trackingNumber: 't1', credential: 'c1', replaces: null }),
    event('BallotBoxClosed', { ...ids, countedBallots: 1, acceptedBallots: 1 }),
    event('EncryptedTallyComputed', { ...ids, numTallied: 1 }),
    event('ResultComputed', { ...ids, counts: [{ candidateId: 'nkm', votes: 1 }], blank: 0, countedBallots: 1 }),
    event('ResultCertified', { ...ids }),
  ];
}

function audit(events: AuditedEvent[]) {
  const rules = new LedgerRules();
  for (const e of events) rules.check(e);
  return rules.finish().map((f) => `${f.rule} @${f.type}: ${f.reason}`);
}

/** The clean election with `edit` applied to a copy of its events. */
function tampered(edit: (events: AuditedEvent[]) => void): string[] {
  const events = cleanElection();
  edit(events);
  return audit(events);
}

const at = (events: AuditedEvent[], type: string) => events.findIndex((e) => e.type === type);

describe('re-deciding the rules from the events alone', () => {
  it('a clean election has no finding, and the figures are counted', () => {
    const rules = new LedgerRules();
    for (const e of cleanElection()) rules.check(e);
    expect(rules.finish()).toEqual([]);
    expect(rules.figures).toMatchObject({ elections: 1, sponsorships: 2, certifiedCandidates: 1, registrations: 1, approvedRegistrations: 1, emargements: 1, ballots: 1, rounds: 1 });
  });

  it('a sponsorship after the deadline, or a sponsor used twice', () => {
    expect(tampered((events) => ((events[2]!.data as Record<string, unknown>).givenAt = '2013-05-18T10:00:00.000Z'))).toEqual([
      'phase-order @SponsorshipGiven: sponsorship given at 2013-05-18T10:00:00.000Z, after the deadline 2013-05-17T16:00:00.000Z',
    ]);
    expect(tampered((events) => ((events[3]!.data as Record<string, unknown>).sponsorId = 's1'))).toContain('sponsorship @SponsorshipGiven: sponsor voter s1 sponsored twice');
  });

  it('a candidate certified without the thresholds (too few sponsors, or too few districts)', () => {
    expect(tampered((events) => events.splice(3, 1))).toEqual(['sponsorship @CandidateCertified: nkm certified with 1 voter sponsors from 1 districts (needs 2 from 2)']);
    expect(tampered((events) => ((events[3]!.data as Record<string, unknown>).district = '5'))).toEqual(['sponsorship @CandidateCertified: nkm certified with 2 voter sponsors from 1 districts (needs 2 from 2)']);
  });

  it('a registration outside its window, or approved automatically without both confirmations', () => {
    expect(tampered((events) => ((events[at(events, 'RegistrationSubmitted')]!.data as Record<string, unknown>).at = '2013-05-29T10:00:00.000Z'))[0]).toMatch(/^phase-order @RegistrationSubmitted: registration submitted at 2013-05-29/);
    expect(tampered((events) => events.splice(at(events, 'PhoneConfirmed'), 1))).toEqual(['registration @RegistrationApproved: approved automatically without both contacts confirmed, or while flagged']);
  });

  it('a date moved after it passed', () => {
    const findings = audit([
      ...cleanElection().slice(0, 1),
      event('ElectionDateChanged', { electionId: E, date: 'registrationClosesAt', from: dates.registrationClosesAt, to: '2013-05-30T17:00:00.000Z', changedAt: '2013-05-29T08:00:00.000Z' }),
    ]);
    expect(findings).toEqual(['phase-order @ElectionDateChanged: registrationClosesAt changed at 2013-05-29T08:00:00.000Z, after it had passed (2013-05-28T17:00:00.000Z)']);
  });

  it('an émargement removed, or a second one, or a revote where the first vote counts', () => {
    expect(tampered((events) => events.splice(at(events, 'EmargementRecorded'), 1))).toEqual([
      'emargement @ResultCertified: certified with 0 émargements for 1 counted ballots',
      'emargement @-: 0 voters recorded as having voted, 1 ballots counted',
    ]);
    const twice = tampered((events) => events.splice(at(events, 'BallotAccepted'), 0, event('EmargementRecorded', { ...ids, registrationId: 'r1', district: '5', revote: false })));
    expect(twice).toContain('emargement @EmargementRecorded: a second émargement for r1');
    const revote = tampered((events) => events.splice(at(events, 'BallotAccepted'), 0, event('EmargementRecorded', { ...ids, registrationId: 'r1', district: '5', revote: true })));
    expect(revote).toContain('emargement @EmargementRecorded: a revote where only the first vote counts');
  });

  it('a ballot slipped in after the close, a duplicate tracking number, a tally before the close, a result that does not add up', () => {
    const late = tampered((events) => events.splice(at(events, 'BallotBoxClosed') + 1, 0, event('BallotAccepted', { ...ids, trackingNumber: 't2', credential: 'c2', replaces: null })));
    expect(late).toContain('phase-order @BallotAccepted: a ballot accepted while the box was closed');
    expect(late).toContain('ballots @EncryptedTallyComputed: tally of 1 ballots, the box counts 2');
    const duplicate = tampered((events) => events.splice(at(events, 'BallotBoxClosed'), 0, event('BallotAccepted', { ...ids, trackingNumber: 't1', credential: 'c1', replaces: 't1' })));
    expect(duplicate).toContain('ballots @BallotAccepted: tracking number t1 accepted twice');
    const early = tampered((events) => {
      const [tally] = events.splice(at(events, 'EncryptedTallyComputed'), 1);
      events.splice(at(events, 'BallotBoxClosed'), 0, tally!);
    });
    expect(early).toContain('phase-order @EncryptedTallyComputed: a tally before the ballot box closed');
    expect(tampered((events) => ((events[at(events, 'ResultComputed')]!.data as Record<string, unknown>).blank = 5))).toEqual(['result @ResultComputed: 6 votes and blanks for 1 ballots']);
  });
});
