import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../src/infrastructure/cli/cli-error.js';
import { GraphqlClient, GraphqlRefusal } from '../../src/infrastructure/cli/trustee/graphql-client.js';
import { ensureBuilt, runUrneAsync } from './trustee-support.js';

/**
 * The trustee's GraphQL client against a real tiny HTTP server in this process: each kind of
 * failure becomes one clear line; the CLI prints it and exits 1, never with a stack trace.
 */
interface Seen {
  authorization?: string;
  contentType?: string;
  body: { query: string; variables: Record<string, unknown> };
}

type Reply = (seen: Seen) => { status?: number; type?: string; body: string };

let server: Server;
let url: string;
let reply: Reply = () => ({ body: '{}' });
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const entry: Seen = { authorization: request.headers.authorization, contentType: request.headers['content-type'], body: JSON.parse(raw || '{}') as Seen['body'] };
      seen.push(entry);
      const answer = reply(entry);
      response.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const ME = { kind: 'staff', staffId: 'staff-ada', username: 'ada', role: 'trustee' };
const ROUND = (stage: string) => ({ electionId: 'paris-2013', round: 1, stage, missing: [], thresholdStep: 'none', decryptedBy: [] });
const errors = (code: string | undefined, message: string) => () => ({ body: JSON.stringify({ data: null, errors: [{ message, extensions: code ? { code } : {} }] }) });

describe('urne trustee: the GraphQL client', () => {
  it('sends JSON with the bearer token and returns data', async () => {
    reply = () => ({ body: JSON.stringify({ data: { voteRound: { stage: 'tallying' } } }) });
    const data = await new GraphqlClient(url, 'tok-123').request<{ voteRound: { stage: string } }>('query { voteRound(electionId: "x") { stage } }', { a: 1 });
    expect(data).toEqual({ voteRound: { stage: 'tallying' } });
    const last = seen.at(-1)!;
    expect(last.authorization).toBe('Bearer tok-123');
    expect(last.contentType).toBe('application/json');
    expect(last.body.variables).toEqual({ a: 1 });
  });

  it('maps refusals to one line: session, role, domain codes, unknown operations', async () => {
    const client = new GraphqlClient(url, 'tok');
    const failure = async (make: Reply) => {
      reply = make;
      try {
        await client.request('query { x }');
      } catch (error) {
        return error as GraphqlRefusal;
      }
      throw new Error('expected a refusal');
    };
    const unauthenticated = await failure(errors('UNAUTHENTICATED', 'Sign in first'));
    expect(unauthenticated).toBeInstanceOf(CliError);
    expect(unauthenticated.message).toBe(`not signed in, or the session has expired: run "urne trustee sign-in --server ${url} --username <you>"`);
    expect((await failure(errors('FORBIDDEN', 'Forbidden resource'))).message).toMatch(/^this account may not do that \(Forbidden resource\): trustees sign in with a staff account of role trustee$/);
    const invalid = await failure(errors('InvalidPartialDecryption', 'The proofs of the partial decryption do not hold'));
    expect(invalid.message).toBe('The proofs of the partial decryption do not hold (InvalidPartialDecryption)');
    expect(invalid.code).toBe('InvalidPartialDecryption');
    expect((await failure(errors('WrongVoteStage', 'Cannot accept a partial decryption at this stage (sealed)'))).message).toBe('Cannot accept a partial decryption at this stage (sealed) (WrongVoteStage)');
    expect((await failure(errors('GRAPHQL_VALIDATION_FAILED', 'Cannot query field "thresholdVinput" on type "Query".'))).message).toMatch(/^the server does not offer this operation/);
    expect((await failure(errors(undefined, 'multi\nline   message'))).message).toBe('multi line message');
  });

  it('says when the answer is not GraphQL (a proxy page, a wrong path)', async () => {
    reply = () => ({ status: 502, type: 'text/html', body: '<html>Bad gateway</html>' });
    await expect(new GraphqlClient(url).request('query { x }')).rejects.toThrow(/^the server at .* did not answer with GraphQL \(HTTP 502 Bad Gateway\): is --server the \/graphql address of Urne\?$/);
  });

  it('says when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(new GraphqlClient(`http://127.0.0.1:${port}/graphql`).request('query { x }')).rejects.toThrow(
      `cannot reach the server at http://127.0.0.1:${port}/graphql: connection refused (is the server running?)`,
    );
  });

  it('refuses a server address that is not http(s)', () => {
    expect(() => new GraphqlClient('ftp://example.org')).toThrow('--server must be an http:// or https:// URL');
    expect(() => new GraphqlClient('not a url')).toThrow('--server must be a URL like http://127.0.0.1:4000/graphql');
  });
});

describe('urne trustee: errors at the command line are one line and exit 1', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'urne-trustee-client-'));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const session = (expiresAt: string, server = url) =>
    writeFileSync(join(dir, 'session.json'), JSON.stringify({ server, username: 'ada', role: 'trustee', token: 'tok-ada', expiresAt }), { mode: 0o600 });
  const oneLine = (result: { code: number | null; stderr: string }) => {
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  };

  it('not signed in', async () => {
    const result = await runUrneAsync(['trustee', 'decrypt', '--election', 'paris-2013', '--server', url, '--dir', join(dir, 'nobody')]);
    oneLine(result);
    expect(result.stderr).toBe(`urne: not signed in: run "urne trustee sign-in --server ${url} --username <you> --dir ${join(dir, 'nobody')}"\n`);
  });

  it('a session the server no longer accepts: expired, or ended', async () => {
    reply = errors('UNAUTHENTICATED', 'Sign in first');
    session('2020-01-01T00:00:00.000Z');
    const expired = await runUrneAsync(['trustee', 'decrypt', '--election', 'paris-2013', '--dir', dir]);
    oneLine(expired);
    expect(expired.stderr).toBe(`urne: the session of "ada" expired at 2020-01-01T00:00:00.000Z: run "urne trustee sign-in --server ${url} --username ada --dir ${dir}"\n`);
    expect(seen.at(-1)!.authorization).toBe('Bearer tok-ada');
    session('2999-01-01T00:00:00.000Z');
    // Public queries answer an unknown token as anonymous: the first request already tells.
    reply = () => ({ body: JSON.stringify({ data: { me: { kind: 'anonymous', staffId: null, username: null, role: null }, voteRound: ROUND('tallying') } }) });
    const revoked = await runUrneAsync(['trustee', 'decrypt', '--election', 'paris-2013', '--dir', dir]);
    oneLine(revoked);
    expect(revoked.stderr).toMatch(/^urne: the server no longer accepts the session of "ada" \(expired or ended\): run "urne trustee sign-in/);
    expect(seen.at(-1)!.body.query).toMatch(/TrusteeVoteRound/);
  });

  it('an account that is not a trustee', async () => {
    session('2999-01-01T00:00:00.000Z');
    reply = () => ({ body: JSON.stringify({ data: { me: { kind: 'staff', staffId: 's1', username: 'ada', role: 'council' }, voteRound: ROUND('preparing') } }) });
    const result = await runUrneAsync(['trustee', 'generate-key', '--election', 'paris-2013', '--dir', dir]);
    oneLine(result);
    expect(result.stderr).toBe('urne: "ada" is signed in with the role council, not trustee: the trustees\' operations will be refused (FORBIDDEN)\n');
  });

  it('the wrong stage, before any computation', async () => {
    session('2999-01-01T00:00:00.000Z');
    reply = () => ({ body: JSON.stringify({ data: { me: ME, voteRound: ROUND('sealed') } }) });
    const result = await runUrneAsync(['trustee', 'decrypt', '--election', 'paris-2013', '--dir', dir]);
    oneLine(result);
    expect(result.stderr).toBe('urne: cannot decrypt now: round 1 of paris-2013 is at stage "sealed", this needs "tallying" (WrongVoteStage)\n');
  });

  it('a refusal from the server, and a server that is down', async () => {
    session('2999-01-01T00:00:00.000Z');
    reply = errors('VoteNotPrepared', 'Round 1 of paris-2013 has not been prepared');
    const refused = await runUrneAsync(['trustee', 'generate-key', '--election', 'paris-2013', '--dir', dir]);
    oneLine(refused);
    expect(refused.stderr).toBe('urne: Round 1 of paris-2013 has not been prepared (VoteNotPrepared)\n');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await runUrneAsync(['trustee', 'check', '--election', 'paris-2013', '--dir', dir, '--server', `http://127.0.0.1:${port}/graphql`]);
    oneLine(down);
    expect(down.stderr).toBe(`urne: cannot reach the server at http://127.0.0.1:${port}/graphql: connection refused (is the server running?)\n`);
  });

  it('sign-in stores the session 0600 without the password; a wrong password is one line', async () => {
    const passwordFile = join(dir, 'pw');
    writeFileSync(passwordFile, 'correct horse battery staple\n');
    reply = (s) =>
      s.body.variables.password === 'correct horse battery staple'
        ? { body: JSON.stringify({ data: { signIn: { token: 'tok-new', expiresAt: '2999-01-01T00:00:00.000Z', role: 'trustee' } } }) }
        : errors('InvalidCredentials', 'Wrong username or password')();
    const signedIn = await runUrneAsync(['trustee', 'sign-in', '--username', 'ada', '--password-file', passwordFile, '--server', url, '--dir', join(dir, 's')]);
    expect(signedIn.stderr).toBe('');
    expect(signedIn.code).toBe(0);
    const { readFileSync, statSync } = await import('node:fs');
    const stored = readFileSync(join(dir, 's', 'session.json'), 'utf8');
    expect(JSON.parse(stored)).toMatchObject({ server: url, username: 'ada', token: 'tok-new', role: 'trustee' });
    expect(stored).not.toContain('horse');
    expect(statSync(join(dir, 's', 'session.json')).mode & 0o777).toBe(0o600);
    const wrong = await runUrneAsync(['trustee', 'sign-in', '--username', 'ada', '--server', url, '--dir', join(dir, 's')], { URNE_TRUSTEE_PASSWORD: 'nope' });
    oneLine(wrong);
    expect(wrong.stderr).toBe('urne: Wrong username or password (InvalidCredentials)\n');
  });
});
