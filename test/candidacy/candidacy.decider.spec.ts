import { describe, expect, it } from '@jest/globals';
import {
  ballotOrderDecider,
  candidateDecider,
  qualification,
  sponsorDecider,
  type CandidateEvent,
  type CandidateState,
  type RecordSponsorship,
  type SponsorshipGiven,
} from '../../src/domain/candidacy/index.js';
import { foldElection, type ElectionEvent, type ElectionRules, type ElectionState } from '../../src/domain/election/index.js';
import { DeciderSpecification } from '../support/decider-specification.js';

/** The 2013 thresholds in small: 3 officials from 2 districts, 5 voters from 3 districts. */
const rules: ElectionRules = {
  timeZone: 'Europe/Paris',
  sponsorship: [
    { sponsorKind: 'elected-official', minimumSponsors: 3, minimumDistinctDistricts: 2 },
    { sponsorKind: 'voter', minimumSponsors: 5, minimumDistinctDistricts: 3 },
  ],
  rounds: { count: 1, majorityPercent: 50 },
  blankVoteAllowed: true,
  revotePolicy: 'single-vote',
  registrationFee: null,
};
const declared: ElectionEvent = {
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
} as unknown as ElectionEvent;
const election: ElectionState = foldElection([declared]);
const cancelled: ElectionState = foldElection([declared, { type: 'ElectionCancelled', data: { electionId: 'paris-2013', reason: 'Annulée', cancelledAt: '2013-04-20T10:00:00.000Z' } } as unknown as ElectionEvent]);
const DURING = '2013-05-01T10:00:00.000Z';
const AFTER_DEADLINE = '2013-05-20T10:00:00.000Z';
const DURING_VOTE = '2013-06-01T10:00:00.000Z';

const E = 'paris-2013';
const nkm: CandidateEvent = { type: 'CandidateDeclared', data: { electionId: E, candidateId: 'nkm', name: 'Nathalie Kosciusko-Morizet', party: 'UMP', declaredAt: '2013-04-16T10:00:00.000Z' } };
const certified: CandidateEvent = { type: 'CandidateCertified', data: { electionId: E, candidateId: 'nkm', certifiedAt: DURING, figures: [] } };
const withdrawn: CandidateEvent = { type: 'CandidateWithdrawn', data: { electionId: E, candidateId: 'nkm', reason: 'Rallies another candidate', withdrawnAt: DURING } };
const candidateState = (events: CandidateEvent[]): CandidateState => events.reduce(candidateDecider.evolve, candidateDecider.initialState());

const enough = [
  { sponsorKind: 'elected-official' as const, sponsors: 3, distinctDistricts: 2 },
  { sponsorKind: 'voter' as const, sponsors: 5, distinctDistricts: 3 },
];

describe('candidate decider', () => {
  const given = DeciderSpecification.for(candidateDecider);
  const declare = { type: 'DeclareCandidate' as const, electionId: E, candidateId: 'nkm', name: ' Nathalie Kosciusko-Morizet ', party: 'UMP', election, at: '2013-04-16T10:00:00.000Z' };

  it('declares a candidate while sponsorship is open (name trimmed, public)', () => {
    given([]).when(declare).then([nkm]);
  });
  it('refuses a second declaration, one after the deadline, one in a cancelled or undeclared election', () => {
    given([nkm]).when(declare).thenRefuses('CandidateAlreadyDeclared');
    given([]).when({ ...declare, at: AFTER_DEADLINE }).thenRefuses('SponsorshipClosed');
    given([]).when({ ...declare, election: cancelled }).thenRefuses('ElectionCancelled');
    given([]).when({ ...declare, election: { status: 'not-declared' } }).thenRefuses('ElectionNotDeclared');
    given([]).when({ ...declare, name: '   ' }).thenRefuses('InvalidCandidateName');
  });

  const certify = { type: 'CertifyCandidate' as const, electionId: E, candidateId: 'nkm', tallies: enough, election, at: AFTER_DEADLINE };
  it('certifies a qualified candidate, recording the figures', () => {
    given([nkm]).when(certify).then([
      {
        type: 'CandidateCertified',
        data: {
          electionId: E,
          candidateId: 'nkm',
          certifiedAt: AFTER_DEADLINE,
          figures: [
            { sponsorKind: 'elected-official', sponsors: 3, distinctDistricts: 2, minimumSponsors: 3, minimumDistinctDistricts: 2 },
            { sponsorKind: 'voter', sponsors: 5, distinctDistricts: 3, minimumSponsors: 5, minimumDistinctDistricts: 3 },
          ],
        },
      },
    ]);
  });
  it('refuses NotQualified with the figures: too few sponsors, or too narrow a spread', () => {
    given([nkm]).when({ ...certify, tallies: [enough[0]!, { sponsorKind: 'voter', sponsors: 4, distinctDistricts: 3 }] }).thenRefuses('NotQualified', {
      figures: expect.arrayContaining([expect.objectContaining({ sponsorKind: 'voter', sponsors: 4, minimumSponsors: 5 })]),
    });
    given([nkm]).when({ ...certify, tallies: [{ sponsorKind: 'elected-official', sponsors: 10, distinctDistricts: 1 }, enough[1]!] }).thenRefuses('NotQualified');
    given([nkm]).when({ ...certify, tallies: [] }).thenRefuses('NotQualified');
  });
  it('refuses to certify an unknown, withdrawn or already certified candidate, or once the vote opened', () => {
    given([]).when(certify).thenRefuses('UnknownCandidate');
    given([nkm, withdrawn]).when(certify).thenRefuses('CandidateWithdrawn');
    given([nkm, certified]).when(certify).thenRefuses('CandidateAlreadyCertified');
    given([nkm]).when({ ...certify, at: DURING_VOTE }).thenRefuses('VotingAlreadyOpen');
    given([nkm]).when({ ...certify, election: cancelled }).thenRefuses('ElectionCancelled');
  });

  const withdraw = { type: 'WithdrawCandidate' as const, electionId: E, candidateId: 'nkm', reason: 'Rallies another candidate', election, at: DURING };
  it('records a withdrawal with its reason, also after certification', () => {
    given([nkm]).when(withdraw).then([withdrawn]);
    given([nkm, certified]).when(withdraw).then([withdrawn]);
  });
  it('refuses to withdraw twice, an unknown candidate, a blank reason, or once the vote opened', () => {
    given([nkm, withdrawn]).when(withdraw).thenRefuses('CandidateWithdrawn');
    given([]).when(withdraw).thenRefuses('UnknownCandidate');
    given([nkm]).when({ ...withdraw, reason: ' ' }).thenRefuses('ReasonRequired');
    given([nkm]).when({ ...withdraw, at: DURING_VOTE }).thenRefuses('VotingAlreadyOpen');
  });
});

describe('sponsor decider (one sponsorship per sponsor, across all candidates)', () => {
  const given = DeciderSpecification.for(sponsorDecider);
  const record: RecordSponsorship = {
    type: 'RecordSponsorship',
    electionId: E,
    candidateId: 'nkm',
    sponsorKind: 'voter',
    sponsorId: 'roll_abc',
    lookup: { asVoter: { district: '4' }, asOfficial: null },
    candidate: candidateState([nkm]),
    election,
    at: DURING,
  };
  const given4: SponsorshipGiven = { type: 'SponsorshipGiven', data: { electionId: E, candidateId: 'nkm', sponsorKind: 'voter', sponsorId: 'roll_abc', district: '4', givenAt: DURING } };

  it('records a sponsorship with the district from the reference list', () => {
    given([]).when(record).then([given4]);
    given([]).when({ ...record, sponsorKind: 'elected-official', sponsorId: 'ELU-2', lookup: { asVoter: null, asOfficial: { district: '7' } } }).then([
      { type: 'SponsorshipGiven', data: { electionId: E, candidateId: 'nkm', sponsorKind: 'elected-official', sponsorId: 'ELU-2', district: '7', givenAt: DURING } },
    ]);
  });
  it('refuses a second sponsorship, for any candidate, without saying for whom', () => {
    given([given4]).when({ ...record, candidateId: 'hidalgo' }).thenRefuses('SponsorAlreadyCommitted', { committedAt: DURING });
    given([given4]).when(record).thenRefuses('SponsorAlreadyCommitted');
  });
  it('refuses outside the window', () => {
    given([]).when({ ...record, at: AFTER_DEADLINE }).thenRefuses('SponsorshipClosed');
    given([]).when({ ...record, at: '2013-04-01T10:00:00.000Z' }).thenRefuses('SponsorshipNotYetOpen');
    given([]).when({ ...record, election: cancelled }).thenRefuses('ElectionCancelled');
  });
  it('refuses an unknown or withdrawn candidate', () => {
    given([]).when({ ...record, candidate: candidateState([]) }).thenRefuses('UnknownCandidate');
    given([]).when({ ...record, candidate: candidateState([nkm, withdrawn]) }).thenRefuses('CandidateWithdrawn');
  });
  it('refuses an unknown sponsor, and a sponsor of the other kind (WrongSponsorKind)', () => {
    given([]).when({ ...record, lookup: { asVoter: null, asOfficial: null } }).thenRefuses('UnknownSponsor');
    given([]).when({ ...record, lookup: { asVoter: null, asOfficial: { district: '7' } } }).thenRefuses('WrongSponsorKind', { actualKind: 'elected-official' });
    given([]).when({ ...record, sponsorKind: 'elected-official', lookup: { asVoter: { district: '4' }, asOfficial: null } }).thenRefuses('WrongSponsorKind', { actualKind: 'voter' });
  });
});

describe('ballot order decider', () => {
  const given = DeciderSpecification.for(ballotOrderDecider);
  const set = { type: 'SetBallotOrder' as const, electionId: E, candidateIds: ['b', 'a'], reason: 'Public draw of 20 May', certifiedCandidateIds: ['a', 'b'], election, at: AFTER_DEADLINE };
  it('records the order of every certified candidate, with its reason; it may be set again', () => {
    const event = { type: 'BallotOrderSet' as const, data: { electionId: E, candidateIds: ['b', 'a'], reason: 'Public draw of 20 May', setAt: AFTER_DEADLINE } };
    given([]).when(set).then([event]);
    given([event]).when({ ...set, candidateIds: ['a', 'b'] }).then([{ ...event, data: { ...event.data, candidateIds: ['a', 'b'] } }]);
  });
  it('refuses duplicates, uncertified candidates, missing ones, a blank reason, and once the vote opened', () => {
    given([]).when({ ...set, candidateIds: ['a', 'a', 'b'] }).thenRefuses('DuplicateCandidate');
    given([]).when({ ...set, candidateIds: ['a', 'b', 'c'] }).thenRefuses('CandidateNotCertified', { candidateId: 'c' });
    given([]).when({ ...set, candidateIds: ['a'] }).thenRefuses('CertifiedCandidateMissing', { missing: ['b'] });
    given([]).when({ ...set, reason: '  ' }).thenRefuses('ReasonRequired');
    given([]).when({ ...set, at: DURING_VOTE }).thenRefuses('VotingAlreadyOpen');
    given([]).when({ ...set, election: cancelled }).thenRefuses('ElectionCancelled');
  });
});

describe('qualification', () => {
  it('counts every kind against its rule; a kind without a rule requires nothing', () => {
    expect(qualification(rules, enough).qualified).toBe(true);
    expect(qualification({ ...rules, sponsorship: [rules.sponsorship[0]!] }, [enough[0]!]).qualified).toBe(true);
    expect(qualification(rules, [enough[0]!]).figures.find((f) => f.sponsorKind === 'voter')).toEqual({
      sponsorKind: 'voter', sponsors: 0, distinctDistricts: 0, minimumSponsors: 5, minimumDistinctDistricts: 3, qualified: false,
    });
  });
});
