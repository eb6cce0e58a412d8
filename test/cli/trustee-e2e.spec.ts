import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/application/ports/clock.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { graphql } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';
import { ensureBuilt, runUrneAsync } from './trustee-support.js';

/**
 * Two trustees run `urne trustee` (the compiled CLI, in its own processes) against a real Urne
 * server: sign in, make and submit their keys, check the published key, and decrypt the tally.
 * The election (certified candidates, ballot order, approved registrations) is built by
 * `urne demo` on a small roll; the server then runs on its data folder with a manual clock.
 */
const E = 'paris-2013';
const ELECTION = {
  electionId: E,
  name: 'Trustee CLI test',
  organiser: 'Test',
  timeZone: 'Europe/Paris',
  sponsorship: [
    { sponsorKind: 'elected-official', minimumSponsors: 1, minimumDistinctDistricts: 1 },
    { sponsorKind: 'voter', minimumSponsors: 2, minimumDistinctDistricts: 1 },
  ],
  sponsorshipDeadline: '2013-05-17T18:00',
  registrationOpensAt: '2013-05-06T10:00',
  registrationClosesAt: '2013-05-28T19:00',
  votingOpensAt: '2013-05-31T08:00',
  votingClosesAt: '2013-06-03T19:00',
  rounds: { count: 1, majorityPercent: 50 },
  blankVoteAllowed: true,
  revotePolicy: 'single-vote',
};
const ROUND_FIELDS = 'stage missing decryptedBy trusteesJson result { countedBallots blank candidates { name votes } }';

interface Round {
  stage: string;
  missing: string[];
  decryptedBy: string[];
  trusteesJson: string | null;
  result: { countedBallots: number; blank: number; candidates: { name: string; votes: number }[] } | null;
}

/**
 * A server on the data folder `urne demo` builds on a small roll (certified candidates, a ballot
 * order, approved registrations), on a manual clock after registration closed.
 */
async function electionServer(root: string, clock: ManualClock): Promise<RunningServer> {
  const data = join(root, 'data');
  writeFileSync(join(root, 'election.json'), JSON.stringify(ELECTION));
  const demo = await runUrneAsync(['demo', '--size', '300', '--registrations', '5', '--officials', '30', '--districts', '5', '--port', '0', '--no-vote', '--data-dir', data, '--election', join(root, 'election.json')]);
  if (demo.code !== 0) throw new Error(`urne demo failed: ${demo.stderr}`);
  const config = loadConfig({ URNE_DATA_DIR: data, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' });
  return startServer(config, { logger: createLogger(config, { write: () => undefined }), clock });
}

/** The council's GraphQL mutations on round 1; a refusal throws with its codes. */
async function councilMutation(server: RunningServer, token: string, mutation: string, input: Record<string, unknown> = {}): Promise<Round> {
  const type = mutation === 'prepareVote' ? 'PrepareVoteInput' : 'VoteRoundInput';
  const fields = mutation === 'issueCredentials' ? 'voters' : ROUND_FIELDS;
  const response = await graphql<Record<string, Round>>(server.graphqlUrl, `mutation($input: ${type}!) { ${mutation}(input: $input) { ${fields} } }`, {
    variables: { input: { electionId: E, round: 1, ...input } },
    token,
  });
  if (response.errors) throw new Error(`${mutation}: ${response.errors.map((e) => `${e.message} (${e.extensions?.code})`).join('; ')}`);
  return response.data![mutation]!;
}

describe('urne trustee against a real server: keys, check, decryption', () => {
  let root: string;
  let server: RunningServer;
  const clock = new ManualClock('2013-05-29T10:00:00.000Z');
  let councilToken: string;
  const trustees = { ada: { username: 'ada.trustee', password: '' }, bob: { username: 'bob.trustee', password: '' }, eve: { username: 'eve.trustee', password: '' } };
  const dirOf = (who: keyof typeof trustees) => join(root, who);
  const trustee = (who: keyof typeof trustees, args: string[], env: Record<string, string> = {}) => runUrneAsync(['trustee', ...args, '--dir', dirOf(who)], env);

  const council = (mutation: string, input: Record<string, unknown> = {}) => councilMutation(server, councilToken, mutation, input);
  const roundNow = async (): Promise<Round> => (await graphql<{ voteRound: Round }>(server.graphqlUrl, `{ voteRound(electionId: "${E}") { ${ROUND_FIELDS} } }`)).data!.voteRound;
  const signIn = async (who: keyof typeof trustees) => {
    const passwordFile = join(root, `${who}.password`);
    writeFileSync(passwordFile, `${trustees[who].password}\n`, { mode: 0o600 });
    return trustee(who, ['sign-in', '--server', server.graphqlUrl, '--username', trustees[who].username, '--password-file', passwordFile]);
  };

  beforeAll(async () => {
    ensureBuilt();
    root = mkdtempSync(join(tmpdir(), 'urne-trustee-e2e-'));
    server = await electionServer(root, clock);
    const app = server.app;
    councilToken = await staffToken(app, await createStaffAccount(app, 'council.e2e', 'council'));
    for (const who of Object.keys(trustees) as (keyof typeof trustees)[]) trustees[who].password = (await createStaffAccount(app, trustees[who].username, 'trustee')).password;
  }, 180_000);

  afterAll(async () => {
    await server?.app.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('sign-in stores a session (0600) that later commands use; a wrong password is one line', async () => {
    for (const who of ['ada', 'bob', 'eve'] as const) {
      const result = await signIn(who);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`as "${trustees[who].username}" (trustee)`);
      expect(statSync(join(dirOf(who), 'session.json')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dirOf(who), 'session.json'), 'utf8')).not.toContain(trustees[who].password);
    }
    const wrong = await trustee('ada', ['sign-in', '--server', server.graphqlUrl, '--username', trustees.ada.username], { URNE_TRUSTEE_PASSWORD: 'not the password' });
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringMatching(/^urne: .*\(InvalidCredentials\)\n$/) });
  });

  it('before the round is prepared, generate-key refuses without making a key', async () => {
    const result = await trustee('ada', ['generate-key', '--election', E]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`urne: round 1 of ${E} has not been prepared on ${server.graphqlUrl}\n`);
    expect(() => statSync(join(dirOf('ada'), `${E}.1.privkey`))).toThrow();
  });

  it('the trustees make and submit their keys; one outside the plan is refused', async () => {
    const prepared = await council('prepareVote', { singleTrustees: [trustees.ada.username, trustees.bob.username] });
    expect(prepared.stage).toBe('preparing');

    const ada = await trustee('ada', ['generate-key', '--election', E]);
    expect(ada.stderr).toBe('');
    expect(ada.code).toBe(0);
    expect(ada.stdout).toMatch(/public key [A-Za-z0-9+/]{43} submitted for round 1 of paris-2013: stage preparing; still missing: /);

    const bob = await trustee('bob', ['generate-key', '--election', E, '--no-submit']);
    expect(bob.code).toBe(0);
    const fingerprint = /fingerprint: (\S+)/.exec(bob.stdout)![1]!;
    const submitted = await trustee('bob', ['submit-key', '--election', E]);
    expect(submitted.stderr).toBe('');
    expect(submitted.stdout).toContain(`public key ${fingerprint} submitted`);
    // Sent again (a lost answer): applied once.
    expect((await trustee('bob', ['submit-key', '--election', E])).code).toBe(0);

    const eve = await trustee('eve', ['generate-key', '--election', E]);
    expect(eve.code).toBe(1);
    expect(eve.stderr).toMatch(/^urne: .*\(NotATrustee\)\n$/);
    expect(eve.stdout).toMatch(/key [0-9A-F]{8} generated/);

    const early = await trustee('ada', ['check', '--election', E]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^urne: the election key of round 1 of paris-2013 is not published yet \(stage "preparing"/);
  });

  it('check: OK once the key is published, with the fingerprints; a key from another folder is a mismatch', async () => {
    await council('issueCredentials');
    expect((await council('publishElectionKey')).stage).toBe('key-published');
    for (const who of ['ada', 'bob'] as const) {
      const result = await trustee(who, ['check', '--election', E]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^OK: your key is trustee \d of 3 \(Single\) in the published trustees of round 1 of paris-2013\n {2}your key [0-9A-F]{8}, fingerprint \S+\n {2}trustees fingerprint \S+; every trustee's proof holds\n {2}election fingerprint \S+; its public key is the product of the trustees' keys\n$/);
    }
    const eve = await trustee('eve', ['check', '--election', E]);
    expect(eve.code).toBe(1);
    expect(eve.stderr).toMatch(/^urne: MISMATCH: your key [0-9A-F]{8} \(fingerprint \S+\) is not among the published Single trustees/);
  });

  it('decrypt: refused before the tally; an expired session says so; then each trustee decrypts and the result comes', async () => {
    expect((await council('sealVote')).stage).toBe('sealed');
    const tooEarly = await trustee('ada', ['decrypt', '--election', E]);
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.stderr).toBe(`urne: cannot decrypt now: round 1 of ${E} is at stage "sealed", this needs "tallying" (WrongVoteStage)\n`);

    clock.set('2013-05-31T07:00:00.000Z');
    const app = server.app;
    councilToken = await staffToken(app, await createStaffAccount(app, 'council.e2e2', 'council'));
    await council('openBallotBox').catch((error: Error) => {
      if (!/BallotBoxNotEmpty|already open|BallotBoxAlreadyOpen/.test(error.message)) throw error;
    });
    await council('closeBallotBox');
    expect((await council('computeTally')).stage).toBe('tallying');

    const expired = await trustee('ada', ['decrypt', '--election', E]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/^urne: the (session of "ada\.trustee" expired at \S+|server no longer accepts the session of "ada\.trustee" \(expired or ended\)): run "urne trustee sign-in --server \S+ --username ada\.trustee --dir /);

    for (const who of ['ada', 'bob'] as const) {
      expect((await signIn(who)).code).toBe(0);
      const result = await trustee(who, ['decrypt', '--election', E]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^decrypting \d+ tally ciphertexts of round 1 of paris-2013 with your private key…\npartial decryption submitted: stage /);
    }
    const round = await roundNow();
    expect(round.stage).toBe('tallied');
    expect(round.result).toMatchObject({ countedBallots: 0, blank: 0 });
    const again = await trustee('bob', ['decrypt', '--election', E]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^your partial decryption of round 1 of paris-2013 is already recorded: stage tallied/);
  });
});

describe('urne trustee against a real server: a 2-of-3 threshold group', () => {
  let root: string;
  let server: RunningServer;
  const clock = new ManualClock('2013-05-29T10:00:00.000Z');
  let councilToken: string;
  const members = ['carol.trustee', 'dan.trustee', 'fay.trustee'];
  const dirOf = (username: string) => join(root, username);
  const trustee = (username: string, args: string[]) => runUrneAsync(['trustee', ...args, '--election', E, '--dir', dirOf(username)]);
  const council = (mutation: string, input: Record<string, unknown> = {}) => councilMutation(server, councilToken, mutation, input);
  const expectOk = (result: { code: number | null; stderr: string }) => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  };

  beforeAll(async () => {
    ensureBuilt();
    root = mkdtempSync(join(tmpdir(), 'urne-trustee-e2e-threshold-'));
    server = await electionServer(root, clock);
    const app = server.app;
    councilToken = await staffToken(app, await createStaffAccount(app, 'council.e2e', 'council'));
    for (const username of members) {
      const { password } = await createStaffAccount(app, username, 'trustee');
      writeFileSync(join(root, `${username}.password`), password, { mode: 0o600 });
      const signedIn = await runUrneAsync(['trustee', 'sign-in', '--server', server.graphqlUrl, '--username', username, '--password-file', join(root, `${username}.password`), '--dir', dirOf(username)]);
      if (signedIn.code !== 0) throw new Error(signedIn.stderr);
    }
    await council('prepareVote', { thresholdGroup: { trustees: members, threshold: 2 } });
  }, 180_000);

  afterAll(async () => {
    await server?.app.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('certificates, polynomials (a wrong --threshold is refused, then redone), voutputs; check OK for each member', async () => {
    const early = await trustee(members[0]!, ['threshold-polynomial', '--threshold', '2']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^urne: the threshold ceremony still waits for certificates/);
    for (const member of members) expectOk(await trustee(member, ['threshold-certificate']));
    expect((await roundNowOf(server)).thresholdStep).toBe('polynomials');

    const wrong = await trustee(members[0]!, ['threshold-polynomial', '--threshold', '3']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^urne: .*must have 2 \(degree 1\).*\(InvalidPolynomial\)\n$/);
    const redone = await trustee(members[0]!, ['threshold-polynomial', '--threshold', '2']);
    expectOk(redone);
    expect(redone.stdout).toMatch(/the saved polynomial has 3 coefficients, not 2: set aside as .*\.polynomial\.set-aside-/);
    for (const member of members.slice(1)) expectOk(await trustee(member, ['threshold-polynomial']));
    for (const member of members) expectOk(await trustee(member, ['threshold-voutput']));
    expect((await roundNowOf(server)).thresholdStep).toBe('done');

    await council('issueCredentials');
    expect((await council('publishElectionKey')).stage).toBe('key-published');
    for (const [i, member] of members.entries()) {
      const checked = await trustee(member, ['check']);
      expectOk(checked);
      expect(checked.stdout).toMatch(new RegExp(`^OK: your certificate is number ${i + 1} of 3 in the threshold group \\(trustee \\d, 2 of 3 needed\\), and your key share matches its published verification key`));
    }
  });

  it('two of the three members decrypt and the result comes', async () => {
    await council('sealVote');
    clock.set('2013-05-31T07:00:00.000Z');
    councilToken = await staffToken(server.app, await createStaffAccount(server.app, 'council.e2e2', 'council'));
    await council('openBallotBox').catch((error: Error) => {
      if (!/BallotBoxNotEmpty|BallotBoxAlreadyOpen|already open/.test(error.message)) throw error;
    });
    await council('closeBallotBox');
    expect((await council('computeTally')).stage).toBe('tallying');
    for (const member of [members[0]!, members[2]!]) {
      const password = readFileSync(join(root, `${member}.password`), 'utf8');
      expect((await runUrneAsync(['trustee', 'sign-in', '--username', member, '--dir', dirOf(member)], { URNE_TRUSTEE_PASSWORD: password })).code).toBe(0);
      const result = await trustee(member, ['decrypt']);
      expectOk(result);
      expect(result.stdout).toMatch(/with your threshold key share…\npartial decryption submitted: stage /);
    }
    const round = await roundNowOf(server);
    expect(round.stage).toBe('tallied');
    expect(round.result).toMatchObject({ countedBallots: 0 });
  });
});

async function roundNowOf(server: RunningServer): Promise<Round & { thresholdStep: string }> {
  return (await graphql<{ voteRound: Round & { thresholdStep: string } }>(server.graphqlUrl, `{ voteRound(electionId: "${E}") { thresholdStep ${ROUND_FIELDS} } }`)).data!.voteRound;
}
