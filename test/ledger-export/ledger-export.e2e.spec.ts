import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { parseElection } from '../../src/domain/belenios/election.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { checkLedgerText, eventLine, exportLedger, exportLedgerToFile, type LedgerExportOptions } from '../../src/infrastructure/ledger-export/ledger-export.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { graphql } from '../support/graphql-client.js';
import { staffToken, voterToken } from '../support/staff-sessions.js';
import { E, PEOPLE, VoteFixture } from '../vote/support/vote-fixture.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const crypto = nodeBeleniosCrypto();
const ROUND = `mutation ($input: VoteRoundInput!) { NAME(input: $input) { stage electionJson } }`;
const M = (name: string) => ROUND.replace('NAME', name);

interface Line {
  position: string;
  stream: string;
  revision: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recordedAt: string;
}

/** An export as text (the function, in memory). */
async function exportText(f: VoteFixture, options: LedgerExportOptions = {}): Promise<string> {
  let text = '';
  await exportLedger(f.store, (chunk) => {
    text += chunk;
  }, { chunkSize: 997, ...options });
  return text;
}

const linesOf = (text: string) => text.split('\n').slice(0, -1);
const eventsOf = (text: string) => linesOf(text).slice(1, -1);

describe('the public record: the ledger as NDJSON (GET /ledger.ndjson, urne export ledger), from a real election', () => {
  const f = new VoteFixture();
  /** Every secret that went to someone during the election: codes, access codes, session tokens, passwords. */
  const secrets: string[] = [];
  let auditor: { staffId: string; username: string; role: 'auditor' };
  let auditorPassword: string;
  let events: RecordedEvent[];

  beforeAll(async () => {
    await f.start({}, PEOPLE.slice(0, 3));
    const created = await f.addStaff('verificateur', 'auditor');
    auditor = { staffId: created.staffId, username: created.username, role: 'auditor' };
    auditorPassword = created.password;
    // A staff sign-in and a failed one are recorded (StaffSignedIn, StaffSignInFailed), without the password.
    const signIn = (password: string) => f.gql<{ signIn: { token: string } }>('mutation($input: SignInInput!) { signIn(input: $input) { token } }', { input: { username: 'verificateur', password } });
    secrets.push((await signIn(auditorPassword)).data!.signIn.token, auditorPassword);
    await signIn('wrong-password-9f3e1c');
    secrets.push('wrong-password-9f3e1c');

    // The vote: the server as the only trustee, credentials issued (access codes by e-mail), sealed, opened, cast, counted.
    const input = { input: { electionId: E } };
    expect((await f.gql(`mutation ($input: PrepareVoteInput!) { prepareVote(input: $input) { stage } }`, input, f.council)).errors).toBeUndefined();
    f.clock.set('2013-05-29T08:00:00.000Z');
    expect((await f.gql(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`, input, f.council)).errors).toBeUndefined();
    const published = await f.gql<{ publishElectionKey: { electionJson: string } }>(M('publishElectionKey'), input, f.council);
    expect(published.errors).toBeUndefined();
    const election = await parseElection(published.data!.publishElectionKey.electionJson, crypto.sha256);
    expect((await f.gql(M('sealVote'), input, f.council)).errors).toBeUndefined();
    f.clock.set('2013-05-31T07:00:00.000Z');
    await f.server.app.get(BallotBoxSchedule).tick();
    for (const [index, voter] of f.voters.entries()) {
      voter.accessCode = (await f.accessCodes(voter, 1))[0]!;
      voter.token = await f.signInToVote(voter);
      secrets.push(voter.accessCode, voter.token, voter.registrationToken);
      const ballot = await createBallot(election, voter.accessCode, [[0, ...[0, 1, 2].map((i) => (i === index % 3 ? 1 : 0))]], crypto);
      const cast = await f.gql(`mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber } }`, { input: { electionId: E, ballot: ballot.text } }, voter.token);
      expect(cast.errors).toBeUndefined();
    }
    expect((await f.gql(M('closeBallotBox'), input, f.council)).errors).toBeUndefined();
    expect((await f.gql(M('computeTally'), input, f.council)).errors).toBeUndefined();
    // Every code sent by e-mail or SMS (registration confirmations, voting sign-in codes).
    const mailed = f.smtp.received.flatMap((mail) => [...(mail.parsed.text ?? '').matchAll(/code : (\d{6,8})/g)].map((match) => match[1]!));
    const texted = f.sms.received.flatMap((sms) => [...sms.text.matchAll(/: (\d{6,8})/g)].map((match) => match[1]!));
    // Per voter: an e-mail confirmation code; an SMS confirmation code and an SMS sign-in code.
    expect([new Set(mailed).size >= 3, new Set(texted).size >= 6]).toEqual([true, true]);
    secrets.push(...new Set([...mailed, ...texted]));
    secrets.push(await f.council(), 'sms-token-vote', readFileSync(join(f.dir, 'master.key'), 'utf8').trim());
    // The last messages' NotificationSent may still be on their way: wait until every notification has its outcome.
    for (;;) {
      events = await f.all();
      const count = (type: string) => events.filter((event) => event.type === type).length;
      if (count('NotificationRequested') === count('NotificationSent')) break;
      await new Promise((done) => setTimeout(done, 50));
    }
  }, 240_000);
  afterAll(() => f.stop());

  it('exports every event in $all order, each line exactly the stored event: data and metadata byte for byte as stored, header first, trailer last', async () => {
    expect(events.length).toBeGreaterThan(80);
    const text = await exportText(f, { now: () => new Date('2013-06-01T00:00:00.000Z') });
    const lines = linesOf(text);
    const head = events.at(-1)!.position.toString();
    expect(JSON.parse(lines[0]!)).toEqual({ format: 'urne-ledger', version: 1, from: null, exportedAt: '2013-06-01T00:00:00.000Z', headPosition: head, redacted: [] });
    expect(lines[0]).toBe(`{"format":"urne-ledger","version":1,"from":null,"exportedAt":"2013-06-01T00:00:00.000Z","headPosition":"${head}","redacted":[]}`);
    expect(lines.at(-1)).toBe(`{"end":true,"position":"${head}","count":${events.length}}`);
    const body = eventsOf(text);
    expect(body).toHaveLength(events.length);
    // The stored bytes, straight from the SQLite file.
    const db = new Database(join(f.dir, 'events.sqlite'), { readonly: true });
    const rows = db.prepare<[], { position: number; stream: string; revision: number; id: string; type: string; data: string; metadata: string; recorded_at: number }>('SELECT * FROM events ORDER BY position').all();
    db.close();
    expect(rows).toHaveLength(events.length);
    for (const [index, line] of body.entries()) {
      const event = events[index]!;
      const row = rows[index]!;
      expect(line).toBe(
        `{"position":"${row.position}","stream":"${row.stream}","revision":"${row.revision}","id":"${row.id}","type":"${row.type}","data":${row.data},"metadata":${row.metadata},"recordedAt":"${new Date(row.recorded_at).toISOString()}"}`,
      );
      const parsed = JSON.parse(line) as Line;
      expect(parsed).toEqual({
        position: event.position.toString(),
        stream: event.stream,
        revision: event.revision.toString(),
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        recordedAt: event.recordedAt.toISOString(),
      });
      expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(event.data));
      expect(JSON.stringify(parsed.metadata)).toBe(JSON.stringify(event.metadata));
    }
    expect(checkLedgerText(text)).toMatchObject({ complete: true, problem: null, events: events.length, lastPosition: head });
    // Kinds of events an auditor needs are all there.
    const types = new Set(events.map((event) => event.type));
    for (const type of ['ElectionDeclared', 'RegistrationSubmitted', 'NotificationSent', 'CredentialsIssued', 'BallotAccepted', 'EmargementRecorded', 'EncryptedTallyComputed', 'StaffSignedIn', 'StaffSignInFailed'])
      expect([type, types.has(type)]).toEqual([type, true]);
  });

  it('resumes after a position: exactly the rest, so that two exports make the whole', async () => {
    const full = eventsOf(await exportText(f));
    for (const cut of [1, Math.floor(events.length / 2), events.length - 1]) {
      const from = events[cut - 1]!.position;
      const rest = await exportText(f, { from });
      expect(JSON.parse(linesOf(rest)[0]!)).toMatchObject({ from: from.toString(), headPosition: events.at(-1)!.position.toString() });
      expect(eventsOf(rest)).toEqual(full.slice(cut));
      expect(checkLedgerText(rest)).toMatchObject({ complete: true, events: events.length - cut });
    }
    // At (or past) the head: nothing more, and the trailer says where to continue from.
    const head = events.at(-1)!.position;
    for (const from of [head, head + 10n]) {
      const none = await exportText(f, { from });
      expect(eventsOf(none)).toEqual([]);
      expect(linesOf(none).at(-1)).toBe(`{"end":true,"position":"${from}","count":0}`);
    }
  });

  it('a truncated export is detectable: any cut before the end fails the framing check, and the last whole line says where to resume', async () => {
    const text = await exportText(f);
    expect(checkLedgerText(text).complete).toBe(true);
    const ends: number[] = [];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) ends.push(i + 1);
    // Cut at every line end but the last, and in the middle of lines.
    for (const cut of [...ends.slice(0, -1), ...ends.slice(0, -1).map((end) => end - 7)]) {
      const check = checkLedgerText(text.slice(0, cut));
      expect([cut, check.complete]).toEqual([cut, false]);
    }
    const cut = ends[Math.floor(ends.length / 2)]!;
    const partial = checkLedgerText(text.slice(0, cut));
    expect(partial.problem).toMatch(/truncated/);
    const rest = await exportText(f, { from: BigInt(partial.lastPosition!) });
    // The whole lines received, then the rest: every event once, in order.
    const received = linesOf(text.slice(0, cut)).slice(1);
    expect([...received, ...eventsOf(rest)]).toEqual(eventsOf(text));
    // A forged trailer with the wrong count or position is caught as well.
    const lines = linesOf(text);
    expect(checkLedgerText([...lines.slice(0, -2), lines.at(-1), ''].join('\n')).complete).toBe(false);
  });

  it('holds no secret (codes, access codes, tokens, passwords, keys) and no plaintext personal data; --redact sealed,indexes leaves out ciphertexts and blind indexes', async () => {
    const text = await exportText(f);
    expect(secrets.length).toBeGreaterThan(15);
    for (const secret of secrets) {
      // Codes are digits: look for them as whole numbers (ballots' proofs are long decimal numbers).
      const pattern = /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`) : new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      expect([secret, pattern.test(text)]).toEqual([secret, false]);
    }
    const people = PEOPLE.slice(0, 3);
    // In clear, personal data would be JSON strings: short names are looked for as whole strings (base 64 ciphertexts may hold "Luc").
    const quoted = people.flatMap((p) => [p.lastName, p.firstNames, p.birthDate, p.email, p.phone, p.phone.replace('+33', '0'), '1 rue de Paris']).map((value) => `"${value}"`);
    const anywhere = [...people.flatMap((p) => [p.lastName, p.email, p.phone, p.birthDate]), 'Sophie', 'rue de Paris'];
    for (const plaintext of [...quoted, ...anywhere]) expect([plaintext, text.includes(plaintext)]).toEqual([plaintext, false]);
    for (const digits of ['75100000000', '75100000001', '75100000002', ...people.map((p) => p.phone.replace('+33', '0'))])
      expect([digits, new RegExp(`(?<!\\d)${digits}(?!\\d)`).test(text)]).toEqual([digits, false]);
    // What is there instead: sealed values, blind indexes.
    expect(text).toContain('"sealed":"v1"');
    expect(text).toMatch(/"emailIndex":"[^"]+"/);

    const redacted = await exportText(f, { redact: ['sealed', 'indexes'] });
    expect(JSON.parse(linesOf(redacted)[0]!).redacted).toEqual(['sealed', 'indexes']);
    expect(redacted).not.toContain('"sealed":"v1"');
    expect(redacted).toMatch(/"personalData":\{"sealed":"redacted","subject":"registration-[^"]+"\}/);
    for (const index of ['emailIndex', 'phoneIndex', 'networkIndex', 'identityIndex']) {
      expect(redacted).toContain(`"${index}":"redacted"`);
      expect(redacted).not.toMatch(new RegExp(`"${index}":"(?!redacted")`));
    }
    // Only data changes: same events, same order, same envelopes.
    const a = eventsOf(text).map((line) => ({ ...(JSON.parse(line) as Line), data: null }));
    const b = eventsOf(redacted).map((line) => ({ ...(JSON.parse(line) as Line), data: null }));
    expect(b).toEqual(a);
    expect(checkLedgerText(redacted).complete).toBe(true);
    // The line of an event without personal data is the same either way.
    const declared = events.find((event) => event.type === 'ElectionDeclared')!;
    expect(eventLine(declared, ['sealed', 'indexes'])).toBe(eventLine(declared));
  });

  it('GET /ledger.ndjson: auditors and the council only (401 anonymous, 403 other roles and voters), 400 for a bad from or redact; streams the export and records who took it', async () => {
    const url = `${f.server.baseUrl}/ledger.ndjson`;
    const get = (query: string, token?: string) => fetch(`${url}${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await get('')).status).toBe(401);
    expect((await get('', 'not-a-token')).status).toBe(401);
    const operator = await staffToken(f.server.app, f.account('operateur'));
    const trustee = await staffToken(f.server.app, f.account('detenteur'));
    expect((await get('', operator)).status).toBe(403);
    expect((await get('', trustee)).status).toBe(403);
    expect((await get('', await voterToken(f.server.app, f.voters[0]!.registrationId))).status).toBe(403);
    const auditorToken = await staffToken(f.server.app, auditor);
    for (const bad of ['?from=abc', '?from=-1', '?from=1e3', '?redact=names', '?from=1&from=2']) {
      const response = await get(bad, auditorToken);
      expect([bad, response.status]).toEqual([bad, 400]);
    }
    const before = (await f.store.headPosition())!;
    const response = await get('', auditorToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    const check = checkLedgerText(text);
    expect(check).toMatchObject({ complete: true });
    // The download is recorded first (StaffActionRecorded ledger.export), then the log up to the head is exported.
    const exportedHead = BigInt(JSON.parse(linesOf(text)[0]!).headPosition as string);
    const all = (await f.all()).filter((event) => event.position <= exportedHead);
    const recorded = all.filter((event) => event.position > before && event.type === 'StaffActionRecorded');
    expect(recorded.map((event) => [(event.data as { action?: string }).action, (event.data as { subject?: string }).subject, event.metadata.actor])).toEqual([['ledger.export', 'ledger', `staff:${auditor.staffId}`]]);
    expect(eventsOf(text)).toEqual(all.map((event) => eventLine(event)));
    expect(response.headers.get('x-urne-head-position')).toBe(exportedHead.toString());

    // The council too; resumable with ?from=, redactable with ?redact=.
    const from = all[all.length - 5]!.position;
    const council = await get(`?from=${from}&redact=sealed`, await f.council());
    expect(council.status).toBe(200);
    const rest = await council.text();
    expect(JSON.parse(linesOf(rest)[0]!)).toMatchObject({ from: from.toString(), redacted: ['sealed'] });
    const restHead = BigInt(JSON.parse(linesOf(rest)[0]!).headPosition as string);
    const after = await f.all();
    expect(eventsOf(rest)).toEqual(after.filter((event) => event.position > from && event.position <= restHead).map((event) => eventLine(event, ['sealed'])));
  });

  it("the council's registration counters carry the position they were computed at, and the export up to it reproduces them exactly", async () => {
    const projections = f.server.app.get(ProjectionsService);
    await projections.runner('registration-counts')!.waitForPosition((await f.store.headPosition())!);
    const answer = await graphql<{ registrationCounts: Array<{ district: string; submitted: number; approved: number; position: string }> }>(
      f.server.graphqlUrl,
      `query { registrationCounts(electionId: "${E}") { district day submitted approved rejected cancelled position } }`,
    );
    expect(answer.errors).toBeUndefined();
    const rows = answer.data!.registrationCounts;
    expect(rows.length).toBeGreaterThan(0);
    const position = rows[0]!.position;
    expect(rows.every((row) => row.position === position)).toBe(true);
    // The auditor's recount, from the export alone, up to that position.
    const upTo = eventsOf(await exportText(f))
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => BigInt(line.position) <= BigInt(position) && line.data.electionId === E);
    const recount = new Map<string, { submitted: number; approved: number }>();
    for (const line of upTo) {
      const district = line.data.district as string;
      if (line.type === 'RegistrationSubmitted') recount.set(district, { submitted: (recount.get(district)?.submitted ?? 0) + 1, approved: recount.get(district)?.approved ?? 0 });
      if (line.type === 'RegistrationApproved') recount.get(district)!.approved++;
    }
    const reported = new Map<string, { submitted: number; approved: number }>();
    for (const row of rows) {
      const sum = reported.get(row.district) ?? { submitted: 0, approved: 0 };
      reported.set(row.district, { submitted: sum.submitted + row.submitted, approved: sum.approved + row.approved });
    }
    expect(reported).toEqual(recount);
    expect([...recount.values()].reduce((sum, d) => sum + d.submitted, 0)).toBe(3);
  });

  it('exportLedgerToFile writes through <file>.partial and renames it; nothing is left under the final name when the store fails', async () => {
    const out = join(f.dir, 'ledger.ndjson');
    const summary = await exportLedgerToFile(f.store, out);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const text = readFileSync(out, 'utf8');
    expect(summary).toMatchObject({ from: null, count: eventsOf(text).length, bytes: statSync(out).size, redacted: [] });
    expect(checkLedgerText(text).complete).toBe(true);
    const broken = { ...f.store, headPosition: f.store.headPosition.bind(f.store), readAll: () => ({ async *[Symbol.asyncIterator]() { throw new Error('store unreachable'); } }) } as unknown as typeof f.store;
    await expect(exportLedgerToFile(broken, join(f.dir, 'broken.ndjson'))).rejects.toThrow('store unreachable');
    expect(readdirSync(f.dir).filter((name) => name.startsWith('broken'))).toEqual([]);
  });

  describe('the CLI (node bin/urne.js, compiled code)', () => {
    const cli = (args: string[], env: Record<string, string> = {}) => {
      const result = spawnSync(process.execPath, [join(root, 'bin/urne.js'), ...args], {
        cwd: f.dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, URNE_DATA_DIR: join(f.dir, 'nowhere'), ...env },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        timeout: 60_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };

    beforeAll(() => {
      const built = join(root, 'dist/src/infrastructure/ledger-export/export-ledger.command.js');
      const sources = readdirSync(join(root, 'src/infrastructure/ledger-export')).map((name) => statSync(join(root, 'src/infrastructure/ledger-export', name)).mtimeMs);
      const fresh = () => existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources);
      // tsc emits even when files others are editing do not type-check yet: what matters is that ours are built.
      if (!fresh()) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
      if (!fresh()) throw new Error('npm run build did not produce dist/src/infrastructure/ledger-export');
    }, 180_000);

    it('urne export ledger --data-dir D --out F writes the same lines as the function, through F.partial; to stdout without --out; --from resumes', async () => {
      const head = (await f.store.headPosition())!.toString();
      const run = cli(['export', 'ledger', '--data-dir', f.dir, '--out', 'cli.ndjson']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const text = readFileSync(join(f.dir, 'cli.ndjson'), 'utf8');
      expect(existsSync(join(f.dir, 'cli.ndjson.partial'))).toBe(false);
      expect(JSON.parse(linesOf(text)[0]!)).toMatchObject({ format: 'urne-ledger', version: 1, from: null, headPosition: head });
      expect(eventsOf(text)).toEqual(eventsOf(await exportText(f)));
      expect(run.stdout).toContain(`cli.ndjson: ${eventsOf(text).length.toLocaleString('en')} events`);
      expect(run.stdout).toContain(`urne export ledger --from ${head}`);

      const from = (await f.all()).at(-10)!.position.toString();
      const piped = cli(['export', 'ledger', '--from', from, '--redact', 'sealed,indexes', '--json'], { URNE_DATA_DIR: f.dir });
      expect(piped.code).toBe(0);
      expect(eventsOf(piped.stdout)).toEqual(eventsOf(await exportText(f, { from: BigInt(from), redact: ['sealed', 'indexes'] })));
      expect(eventsOf(piped.stdout)).toHaveLength(9);
      expect(JSON.parse(piped.stderr)).toMatchObject({ from, position: head, count: 9, redacted: ['sealed', 'indexes'] });
    });

    it('exits 2 for a bad --from or --redact, and writes nothing', () => {
      const badFrom = cli(['export', 'ledger', '--data-dir', f.dir, '--from', 'yesterday', '--out', 'bad.ndjson']);
      expect(badFrom.code).toBe(2);
      expect(badFrom.stderr).toMatch(/^urne: --from: not a position: "yesterday"/);
      const badRedact = cli(['export', 'ledger', '--data-dir', f.dir, '--redact', 'names', '--out', 'bad.ndjson']);
      expect(badRedact.code).toBe(2);
      expect(badRedact.stderr).toMatch(/^urne: --redact: cannot redact "names"/);
      expect(existsSync(join(f.dir, 'bad.ndjson'))).toBe(false);
    });
  });
});
