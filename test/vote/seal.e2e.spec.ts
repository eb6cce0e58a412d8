import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { ballotBoxStream } from '../../src/domain/vote/vote.events.js';
import { credentialsStream } from '../../src/domain/vote/vote-setup.events.js';
import { codesOf } from '../support/graphql-client.js';
import { E, PEOPLE, VoteFixture } from './support/vote-fixture.js';

const M = (name: string) => `mutation ($input: VoteRoundInput!) { ${name}(input: $input) { stage seal } }`;
const ISSUE = `mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`;
const input = { input: { electionId: E } };
const metadata = () => ({ correlationId: randomUUID(), actor: 'intruder', schemaVersion: 1, occurredAt: new Date().toISOString() });

/** A round prepared with the server as its only trustee, credentials issued, key published, sealed. */
async function sealedRound(f: VoteFixture): Promise<void> {
  expect((await f.gql(`mutation ($input: PrepareVoteInput!) { prepareVote(input: $input) { stage } }`, input, f.council)).errors).toBeUndefined();
  f.clock.set('2013-05-29T08:00:00.000Z');
  expect((await f.gql(ISSUE, input, f.council)).errors).toBeUndefined();
  expect((await f.gql(M('publishElectionKey'), input, f.council)).errors).toBeUndefined();
  expect((await f.gql(M('sealVote'), input, f.council)).data).toMatchObject({ sealVote: { stage: 'sealed' } });
}

describe('the seal: the ballot box opens only empty', () => {
  const f = new VoteFixture();
  beforeAll(() => f.start({}, PEOPLE.slice(0, 1)), 60_000);
  afterAll(() => f.stop());

  it('a ballot box that already holds something refuses to open (BallotBoxNotEmpty), on schedule and by hand', async () => {
    await sealedRound(f);
    // Written behind the application's back, before the opening.
    await f.store.appendToStream(ballotBoxStream(E, 1), [{ id: randomUUID(), type: 'BallotAccepted', data: { electionId: E, round: 1, ballot: '{}', trackingNumber: 'x', credential: '1', replaces: null, at: '2013-05-30T00:00:00.000Z' }, metadata: metadata() }]);
    f.clock.set('2013-05-31T07:00:00.000Z');
    await f.server.app.get(BallotBoxSchedule).tick();
    expect(codesOf(await f.gql(M('openBallotBox'), input, f.council))).toEqual(['BallotBoxNotEmpty']);
    expect(f.logs.join('\n')).toMatch(/scheduled vote step failed/);
  });
});

describe('the seal: re-checked before the tally', () => {
  const f = new VoteFixture();
  beforeAll(() => f.start({}, PEOPLE.slice(0, 1)), 60_000);
  afterAll(() => f.stop());

  it('a public credential added after the seal makes the tally refuse (SealMismatch), and nothing is tallied', async () => {
    await sealedRound(f);
    f.clock.set('2013-05-31T07:00:00.000Z');
    await f.server.app.get(BallotBoxSchedule).tick();
    // A credential slipped into the published list after sealing (ballot stuffing, prepared).
    await f.store.appendToStream(credentialsStream(E, 1), [{ id: randomUUID(), type: 'PublicCredentialsPublished', data: { electionId: E, round: 1, batch: 1, credentials: ['4'] }, metadata: metadata() }]);
    expect((await f.gql(M('closeBallotBox'), input, f.council)).errors).toBeUndefined();
    expect(codesOf(await f.gql(M('computeTally'), input, f.council))).toEqual(['SealMismatch']);
    const round = await f.gql(`query { voteRound(electionId: "${E}") { stage encryptedTallyJson } }`);
    expect(round.data).toEqual({ voteRound: { stage: 'sealed', encryptedTallyJson: null } });
  });
});
