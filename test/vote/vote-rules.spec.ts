import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../src/domain/shared/decider.js';
import { decideCast, evolveBallotBox, initialBallotBoxState, type CastContext } from '../../src/domain/vote/cast.js';
import { voteSetupDecider, type VoteSetupCommand } from '../../src/domain/vote/vote-setup.decider.js';
import type { VoteSetupEvent } from '../../src/domain/vote/vote-setup.events.js';
import { DeciderSpecification } from '../support/decider-specification.js';

const given = DeciderSpecification.for(voteSetupDecider);
const at = '2013-05-20T10:00:00.000Z';
const ids = { electionId: 'paris-2013', round: 1 as const };

const prepare: Extract<VoteSetupCommand, { type: 'PrepareVote' }> = {
  type: 'PrepareVote',
  ...ids,
  beleniosUuid: 'SHz8GFURZasebR',
  title: 'Primaire de Paris 2013',
  candidates: [
    { candidateId: 'nkm', name: 'A' },
    { candidateId: 'pierre', name: 'B' },
  ],
  blankAllowed: true,
  revotePolicy: 'last-vote-counts',
  credentialRecovery: 'keep',
  trustees: { singles: ['t1'], thresholdGroup: { trustees: ['t2', 't3', 't4'], threshold: 2 } },
  serverKey: '{"server":1}',
  at,
};
const { type: _t, ...preparedData } = prepare;
const prepared: VoteSetupEvent = { type: 'VotePrepared', data: { ...preparedData, group: 'BELENIOS-2048' } };
const handedOver: VoteSetupEvent = { type: 'PublicCredentialsHandedOver', data: { ...ids, count: 3, fingerprint: 'f', stream: 'credentials-paris-2013.1', at } };
const key = (trusteeId: string): VoteSetupEvent => ({ type: 'TrusteeKeySubmitted', data: { ...ids, trusteeId, key: `{"k":"${trusteeId}"}`, at } });
const cert = (trusteeId: string): VoteSetupEvent => ({ type: 'ThresholdCertificateSubmitted', data: { ...ids, trusteeId, certificate: `c${trusteeId}`, at } });
const poly = (trusteeId: string): VoteSetupEvent => ({ type: 'ThresholdPolynomialSubmitted', data: { ...ids, trusteeId, polynomial: `p${trusteeId}`, at } });
const vout = (trusteeId: string): VoteSetupEvent => ({ type: 'ThresholdVoutputSubmitted', data: { ...ids, trusteeId, voutput: `v${trusteeId}`, at } });
const ceremony = [prepared, handedOver, key('t1'), cert('t2'), cert('t3'), cert('t4'), poly('t2'), poly('t3'), poly('t4'), vout('t2'), vout('t3'), vout('t4')];
const published: VoteSetupEvent = { type: 'ElectionKeyPublished', data: { ...ids, election: '{}', trustees: '[]', publicKey: '5', at } };
const fingerprints = { election: 'e', candidates: 'c', publicCredentials: 'p', trustees: 't', code: 'x' };
const sealed: VoteSetupEvent = { type: 'VoteSealed', data: { ...ids, fingerprints, seal: 'S', at } };

describe('the set-up of a round, step by step', () => {
  it('prepares a round once, with a valid trustee plan', () => {
    given([]).when(prepare).then([prepared]);
    given([prepared]).when(prepare).thenRefuses('VoteAlreadyPrepared');
    given([]).when({ ...prepare, trustees: { singles: ['t1'], thresholdGroup: { trustees: ['t1', 't2'], threshold: 1 } } }).thenRefuses('TrusteeListedTwice');
    given([]).when({ ...prepare, trustees: { singles: [], thresholdGroup: { trustees: ['t2', 't3'], threshold: 3 } } }).thenRefuses('InvalidThreshold');
    given([]).when({ ...prepare, candidates: [] }).thenRefuses('NoCandidate');
  });

  it('takes a single key from a listed trustee only, once (the same key again is a no-op)', () => {
    given([prepared]).when({ type: 'SubmitTrusteeKey', trusteeId: 't1', key: '{"k":"t1"}', at }).then([key('t1')]);
    given([prepared, key('t1')]).when({ type: 'SubmitTrusteeKey', trusteeId: 't1', key: '{"k":"t1"}', at }).thenNothingHappens();
    given([prepared, key('t1')]).when({ type: 'SubmitTrusteeKey', trusteeId: 't1', key: '{"other":1}', at }).thenRefuses('KeyAlreadySubmitted');
    given([prepared]).when({ type: 'SubmitTrusteeKey', trusteeId: 't2', key: '{}', at }).thenRefuses('NotATrustee');
    const serverKeyAgain = '{"pok":{"challenge":"1","response":"2"},"public_key":"77"}';
    given([{ ...prepared, data: { ...prepared.data, serverKey: '{"pok":{"challenge":"3","response":"4"},"public_key":"77"}' } } as VoteSetupEvent])
      .when({ type: 'SubmitTrusteeKey', trusteeId: 't1', key: serverKeyAgain, at })
      .thenRefuses('KeyReused');
  });

  it('runs the threshold ceremony in order: every certificate, then every polynomial, then every voutput', () => {
    given([prepared, cert('t2')]).when({ type: 'SubmitThresholdPolynomial', trusteeId: 't2', polynomial: 'pt2', at }).thenRefuses('WrongCeremonyStep', { step: 'certificates' });
    given([prepared, cert('t2'), cert('t3'), cert('t4')]).when({ type: 'SubmitThresholdPolynomial', trusteeId: 't2', polynomial: 'pt2', at }).then([poly('t2')]);
    given([prepared]).when({ type: 'SubmitThresholdCertificate', trusteeId: 't1', certificate: 'x', at }).thenRefuses('NotATrustee');
    given([prepared, cert('t2')]).when({ type: 'SubmitThresholdCertificate', trusteeId: 't3', certificate: 'ct2', at }).thenRefuses('InvalidCertificate');
  });

  it('publishes the key only when credentials and every key are in, and says what is missing', () => {
    const publish: VoteSetupCommand = { type: 'PublishElectionKey', election: '{}', trustees: '[]', publicKey: '5', at };
    given(ceremony).when(publish).then([published]);
    given([prepared, key('t1')]).when(publish).thenRefuses('CeremonyIncomplete');
    let error: unknown;
    try {
      voteSetupDecider.decide(publish, [prepared, handedOver].reduce(voteSetupDecider.evolve, voteSetupDecider.initialState()));
    } catch (e) {
      error = e;
    }
    expect((error as DomainError).details.missing).toEqual(['the key of trustee t1', 'the threshold key share of trustee t2', 'the threshold key share of trustee t3', 'the threshold key share of trustee t4']);
  });

  it('seals after the key, and refuses a tally whose seal does not match', () => {
    given([...ceremony]).when({ type: 'SealVote', fingerprints, seal: 'S', at }).thenRefuses('WrongVoteStage');
    given([...ceremony, published]).when({ type: 'SealVote', fingerprints, seal: 'S', at }).then([sealed]);
    const tally = { type: 'RecordEncryptedTally' as const, encryptedTally: '[]', numTallied: 0, totalWeight: '0', at };
    given([...ceremony, published, sealed]).when({ ...tally, seal: 'changed' }).thenRefuses('SealMismatch');
    given([...ceremony, published, sealed])
      .when({ ...tally, seal: 'S' })
      .then([{ type: 'EncryptedTallyComputed', data: { ...ids, encryptedTally: '[]', numTallied: 0, totalWeight: '0', seal: 'S', at } }]);
  });
});

describe('casting a ballot: the rules over the ballot box, the émargement and the credential binding', () => {
  const open = () => evolveBallotBox(initialBallotBoxState(), { type: 'BallotBoxOpened', data: { ...ids, beleniosUuid: 'u', sealFingerprint: 'S', at } });
  const context = (overrides: Partial<CastContext> = {}): CastContext => ({
    ...ids,
    district: '75011',
    registrationId: 'r1',
    voter: 'pseudo-r1',
    revotePolicy: 'last-vote-counts',
    ballotBox: open(),
    alreadyVoted: false,
    credentialBoundTo: null,
    credentialInList: true,
    ballot: { text: '{"b":1}', trackingNumber: 'h1', credential: 'C1' },
    at,
    ...overrides,
  });
  const refusal = (c: CastContext) => {
    try {
      decideCast(c);
    } catch (error) {
      return (error as DomainError).code;
    }
    return 'accepted';
  };

  it('records the émargement without ballot content, the ballot without the voter, and binds the credential on first use', () => {
    const decision = decideCast(context());
    expect(decision.emargement.data).toEqual({ ...ids, registrationId: 'r1', district: '75011', revote: false, at });
    expect(JSON.stringify(decision.emargement)).not.toMatch(/h1|C1|"b"/);
    expect(decision.ballot.data).toEqual({ ...ids, ballot: '{"b":1}', trackingNumber: 'h1', credential: 'C1', replaces: null, at });
    expect(JSON.stringify(decision.ballot)).not.toMatch(/r1|75011/);
    expect(decision.binding?.data).toEqual({ ...ids, voter: 'pseudo-r1', at });
  });

  it('refuses with Belenios reasons', () => {
    expect(refusal(context({ ballotBox: initialBallotBoxState() }))).toBe('ElectionClosed');
    const closed = evolveBallotBox(open(), { type: 'BallotBoxClosed', data: { ...ids, by: 'council', acceptedBallots: 0, countedBallots: 0, at } });
    expect(refusal(context({ ballotBox: closed }))).toBe('ElectionClosed');
    expect(refusal(context({ credentialInList: false }))).toBe('InvalidCredential');
    expect(refusal(context({ credentialBoundTo: 'pseudo-r2' }))).toBe('UsedCredential');
    expect(refusal(context({ alreadyVoted: true, revotePolicy: 'single-vote', credentialBoundTo: 'pseudo-r1' }))).toBe('RevoteNotAllowed');
    expect(refusal(context({ alreadyVoted: true, credentialBoundTo: null }))).toBe('WrongCredential');
    const withBallot = open();
    evolveBallotBox(withBallot, { type: 'BallotAccepted', data: { ...ids, ballot: '{"b":1}', trackingNumber: 'h1', credential: 'C1', replaces: null, at } });
    expect(refusal(context({ ballotBox: withBallot, credentialBoundTo: 'pseudo-r1', alreadyVoted: true }))).toBe('DuplicateBallot');
  });

  it('a revote with the bound credential replaces the earlier ballot, and marks the émargement as a revote', () => {
    const box = open();
    evolveBallotBox(box, { type: 'BallotAccepted', data: { ...ids, ballot: '{"b":1}', trackingNumber: 'h1', credential: 'C1', replaces: null, at } });
    const decision = decideCast(context({ ballotBox: box, alreadyVoted: true, credentialBoundTo: 'pseudo-r1', ballot: { text: '{"b":2}', trackingNumber: 'h2', credential: 'C1' } }));
    expect(decision.ballot.data.replaces).toBe('h1');
    expect(decision.emargement.data.revote).toBe(true);
    expect(decision.binding).toBeNull();
  });
});
