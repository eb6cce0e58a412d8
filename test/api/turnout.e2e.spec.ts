import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ballotBoxStream, emargementStream, type Round } from '../../src/domain/vote/vote.events.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import type { EventStore, EventToAppend } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { ReadModelDb } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { ProjectionsService, READ_MODEL_DB } from '../../src/projections/projections.service.js';
import { turnoutProjection } from '../../src/projections/turnout/turnout.projection.js';
import { codesOf, firstMessage, graphql, wsClient, type GraphqlResponse } from '../support/graphql-client.js';
import { createStaffAccount, staffToken, voterToken } from '../support/staff-sessions.js';

/**
 * The live turnout read model over real HTTP and graphql-ws, on the real SQLite store. The events
 * are appended straight to the store, as the cast-ballot slice will write them.
 */

const E = 'paris-2013';
const OTHER = 'lyon-2014';
const LIVE = 'live-2013';

const event = (type: string, data: Record<string, unknown>): EventToAppend => ({
  id: randomUUID(),
  type,
  data: data as never,
  metadata: { correlationId: randomUUID(), actor: 'system:test', schemaVersion: 1, occurredAt: new Date().toISOString() },
});

const TURNOUT_FIELDS = `electionId round registered voted turnoutPercent
  byDistrict { district registered voted turnoutPercent } byHour { hourStart votes }
  ballotBoxOpenedAt ballotBoxClosedAt position`;

interface Turnout {
  electionId: string;
  round: number;
  registered: number;
  voted: number;
  turnoutPercent: number | null;
  byDistrict: Array<{ district: string; registered: number; voted: number; turnoutPercent: number | null }>;
  byHour: Array<{ hourStart: string; votes: number }>;
  ballotBoxOpenedAt: string | null;
  ballotBoxClosedAt: string | null;
  position: string | null;
}

describe('live turnout (read model, GraphQL query and graphql-ws subscription)', () => {
  let dataDir: string;
  let server: RunningServer;
  let store: EventStore;
  let council: string;
  let auditor: string;

  const append = async (stream: string, type: string, data: Record<string, unknown>) => (await store.appendToStream(stream, [event(type, data)])).position;
  const approve = (registrationId: string, district: string, electionId = E) =>
    append(`registration-${registrationId}`, 'RegistrationApproved', { registrationId, electionId, district, by: 'automatic', at: '2013-05-20T10:00:00.000Z' });
  const cancel = (registrationId: string, district: string, electionId = E) =>
    append(`registration-${registrationId}`, 'RegistrationCancelled', { registrationId, electionId, district, at: '2013-05-21T10:00:00.000Z' });
  const reject = (registrationId: string, district: string, electionId = E) =>
    append(`registration-${registrationId}`, 'RegistrationRejected', { registrationId, electionId, district, reason: 'test', at: '2013-05-21T10:00:00.000Z' });
  const emarge = (registrationId: string, district: string, at: string, { round = 1 as Round, revote = false, electionId = E } = {}) =>
    append(emargementStream(electionId, round, registrationId), 'EmargementRecorded', { electionId, round, registrationId, district, revote, at });
  const open = (at: string, round: Round = 1, electionId = E) =>
    append(ballotBoxStream(electionId, round), 'BallotBoxOpened', { electionId, round, beleniosUuid: 'uuid', sealFingerprint: 'seal', at });
  const close = (at: string, round: Round = 1, electionId = E) =>
    append(ballotBoxStream(electionId, round), 'BallotBoxClosed', { electionId, round, by: 'schedule', acceptedBallots: 0, countedBallots: 0, at });

  const caughtUp = async () => {
    const head = (await store.headPosition())!;
    await server.app.get(ProjectionsService).runner('turnout')!.waitForPosition(head);
    return head.toString();
  };

  const turnout = (token: string | undefined, electionId: string, round?: number) =>
    graphql<{ turnout: Turnout }>(server.graphqlUrl, `query ($e: String!, $r: Int) { turnout(electionId: $e, round: $r) { ${TURNOUT_FIELDS} } }`, {
      variables: round === undefined ? { e: electionId } : { e: electionId, r: round },
      ...(token === undefined ? {} : { token }),
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-turnout-'));
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' });
    server = await startServer(config);
    store = server.app.get<EventStore>(EVENT_STORE);
    council = await staffToken(server.app, await createStaffAccount(server.app, 'council.turnout', 'council'));
    auditor = await staffToken(server.app, await createStaffAccount(server.app, 'auditor.turnout', 'auditor'));

    // District 5: three approved, one of them cancelled; one cancelled before any approval; one approval delivered twice.
    await approve('r5a', '5');
    await approve('r5a', '5');
    await approve('r5b', '5');
    await approve('r5c', '5');
    await cancel('r5c', '5');
    await cancel('r5d', '5');
    // District 12: one approved, nobody votes. District 20: four approved, one rejected afterwards.
    await approve('r12a', '12');
    for (const id of ['r20a', 'r20b', 'r20c', 'r20d']) await approve(id, '20');
    await reject('r20d', '20');
    // Another election: counts nowhere here.
    await approve('rx', '5', OTHER);
    await emarge('rx', '5', '2013-05-31T06:30:00.000Z', { electionId: OTHER });

    await open('2013-05-31T06:00:00.000Z');
    await emarge('r5a', '5', '2013-05-31T06:12:00.000Z');
    await emarge('r5a', '5', '2013-05-31T07:05:00.000Z', { revote: true });
    await emarge('r20a', '20', '2013-05-31T07:30:00.000Z');
    await emarge('r20b', '20', '2013-05-31T07:59:59.999Z');
    // The same voter's "first vote" twice (it must never happen; it still counts one voter).
    await emarge('r5a', '5', '2013-05-31T08:10:00.000Z');
    // Round 2.
    await emarge('r5b', '5', '2013-06-14T06:30:00.000+00:00', { round: 2 });
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts registered voters, distinct voters by district, first votes by UTC hour, as of a stated position', async () => {
    const head = await caughtUp();
    const response = await turnout(council, E);
    expect(response.errors).toBeUndefined();
    expect(response.data!.turnout).toEqual({
      electionId: E,
      round: 1,
      registered: 6,
      voted: 3,
      turnoutPercent: 50,
      byDistrict: [
        { district: '5', registered: 2, voted: 1, turnoutPercent: 50 },
        { district: '12', registered: 1, voted: 0, turnoutPercent: 0 },
        { district: '20', registered: 3, voted: 2, turnoutPercent: 66.7 },
      ],
      byHour: [
        { hourStart: '2013-05-31T06:00:00.000Z', votes: 1 },
        { hourStart: '2013-05-31T07:00:00.000Z', votes: 2 },
      ],
      ballotBoxOpenedAt: '2013-05-31T06:00:00.000Z',
      ballotBoxClosedAt: null,
      position: head,
    });

    const round2 = await turnout(auditor, E, 2);
    expect(round2.errors).toBeUndefined();
    expect(round2.data!.turnout).toMatchObject({
      round: 2,
      registered: 6,
      voted: 1,
      turnoutPercent: 16.7,
      byDistrict: [
        { district: '5', registered: 2, voted: 1, turnoutPercent: 50 },
        { district: '12', registered: 1, voted: 0, turnoutPercent: 0 },
        { district: '20', registered: 3, voted: 0, turnoutPercent: 0 },
      ],
      byHour: [{ hourStart: '2013-06-14T06:00:00.000Z', votes: 1 }],
      ballotBoxOpenedAt: null,
    });

    const unknown = await turnout(council, 'nowhere-2013');
    expect(unknown.data!.turnout).toMatchObject({ registered: 0, voted: 0, turnoutPercent: null, byDistrict: [], byHour: [] });
    expect(codesOf(await turnout(council, E, 3))).toEqual(['BAD_USER_INPUT']);

    await close('2013-05-31T18:00:00.000Z');
    await caughtUp();
    expect((await turnout(council, E)).data!.turnout.ballotBoxClosedAt).toBe('2013-05-31T18:00:00.000Z');
  });

  it('a rebuild replays the log into the same figures (each event counted once)', async () => {
    const before = (await turnout(council, E)).data!.turnout;
    ProjectionRunner.reset(server.app.get<ReadModelDb>(READ_MODEL_DB), turnoutProjection);
    expect((await turnout(council, E)).data!.turnout).toMatchObject({ registered: 0, voted: 0, position: null });
    // The live runner notices the moved checkpoint at its next event, then replays from the start.
    const probe = await append(`probe-${randomUUID()}`, 'ProbeRecorded', {});
    let after: Turnout | undefined;
    for (let tries = 0; tries < 200; tries++) {
      after = (await turnout(council, E)).data!.turnout;
      if (after.position === probe.toString()) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(after).toEqual({ ...before, position: probe.toString() });
  });

  it('is for the council and auditors only', async () => {
    expect(codesOf(await turnout(undefined, E))).toEqual(['UNAUTHENTICATED']);
    for (const role of ['operator', 'trustee'] as const) {
      const token = await staffToken(server.app, await createStaffAccount(server.app, `${role}.turnout`, role));
      expect(codesOf(await turnout(token, E))).toEqual(['FORBIDDEN']);
      const client = wsClient(server.graphqlUrl, token);
      try {
        const message = await firstMessage(client, `subscription { turnoutChanged(electionId: "${E}") { voted } }`);
        expect(message === 'pending' ? [] : codesOf(message)).toEqual(['FORBIDDEN']);
      } finally {
        await client.dispose();
      }
    }
    expect(codesOf(await turnout(await voterToken(server.app, 'r5a'), E))).toEqual(['FORBIDDEN']);
    const auditorClient = wsClient(server.graphqlUrl, auditor);
    try {
      const message = (await firstMessage<{ turnoutChanged: Turnout }>(auditorClient, `subscription { turnoutChanged(electionId: "${E}") { voted } }`)) as GraphqlResponse<{ turnoutChanged: Turnout }>;
      expect(message.errors).toBeUndefined();
      expect(message.data!.turnoutChanged.voted).toBe(3);
    } finally {
      await auditorClient.dispose();
    }
  });

  it('pushes the new figures over graphql-ws after each vote (a revote pushes nothing)', async () => {
    const voters = Array.from({ length: 6 }, (_, i) => `live${i}`);
    for (const id of voters) await approve(id, '7', LIVE);
    await open('2013-05-31T06:00:00.000Z', 1, LIVE);
    await caughtUp();

    const client = wsClient(server.graphqlUrl, council);
    const iterator = client.iterate<{ turnoutChanged: Turnout }>({
      query: `subscription ($e: String!) { turnoutChanged(electionId: $e, round: 1) { ${TURNOUT_FIELDS} } }`,
      variables: { e: LIVE },
    });
    const next = async (): Promise<Turnout> => {
      const result = await iterator.next();
      expect(result.done).toBe(false);
      const message = result.value as GraphqlResponse<{ turnoutChanged: Turnout }>;
      expect(message.errors).toBeUndefined();
      return message.data!.turnoutChanged;
    };
    const latencies: number[] = [];
    const runner = server.app.get(ProjectionsService).runner('turnout')!;
    const hour = (i: number) => `2013-05-31T${String(6 + i).padStart(2, '0')}`;
    try {
      const first = await next();
      expect(first).toMatchObject({ electionId: LIVE, registered: 6, voted: 0, turnoutPercent: 0, ballotBoxOpenedAt: '2013-05-31T06:00:00.000Z' });
      for (const [i, id] of voters.entries()) {
        // The previous voter votes again first: no voter added, so no message for it.
        // Waiting until the read model has applied it lets the subscription see it alone.
        if (i > 0) await runner.waitForPosition(await emarge(voters[i - 1]!, '7', `${hour(i)}:40:00.000Z`, { revote: true, electionId: LIVE }));
        const started = performance.now();
        const position = await emarge(id, '7', `${hour(i)}:15:00.000Z`, { electionId: LIVE });
        let timer: NodeJS.Timeout | undefined;
        const figures = await Promise.race([
          next(),
          new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error('no turnoutChanged message within 10 s (sanity timeout)')), 10_000))),
        ]).finally(() => clearTimeout(timer));
        latencies.push(performance.now() - started);
        expect(figures.voted).toBe(i + 1);
        expect(figures.byDistrict).toEqual([{ district: '7', registered: 6, voted: i + 1, turnoutPercent: Math.round(((i + 1) * 1000) / 6) / 10 }]);
        expect(figures.byHour.at(-1)).toEqual({ hourStart: `${hour(i)}:00:00.000Z`, votes: 1 });
        expect(BigInt(figures.position!)).toBeGreaterThanOrEqual(position);
      }
    } finally {
      await iterator.return?.();
      await client.dispose();
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stdout.write(
      `\nturnoutChanged latency (append → graphql-ws message), ${latencies.length} votes: ` +
        `min ${sorted[0]!.toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms\n`,
    );
  });

  it('no turnout type has a field about candidates, choices or ballot content', async () => {
    type Field = { name: string; args: Array<{ name: string }>; type: TypeRef };
    type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };
    const REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
    const introspect = async (name: string) =>
      (await graphql<{ __type: { name: string; fields: Field[] | null } }>(server.graphqlUrl, `{ __type(name: "${name}") { name fields { name args { name } type { ${REF} } } } }`)).data!.__type;
    const named = (ref: TypeRef): string => (ref.ofType ? named(ref.ofType) : ref.name!);

    const roots = [...(await introspect('Query')).fields!, ...(await introspect('Subscription')).fields!].filter((field) => field.name.startsWith('turnout'));
    expect(roots.map((field) => field.name).sort()).toEqual(['turnout', 'turnoutChanged']);
    const names = new Set<string>();
    const seen = new Set<string>();
    const visit = async (typeName: string) => {
      if (seen.has(typeName)) return;
      seen.add(typeName);
      const type = await introspect(typeName);
      names.add(type.name);
      for (const field of type.fields ?? []) {
        names.add(field.name);
        for (const arg of field.args) names.add(arg.name);
        await visit(named(field.type));
      }
    };
    for (const root of roots) {
      root.args.forEach((arg) => names.add(arg.name));
      await visit(named(root.type));
    }

    // Exactly these names: a new field is a decision to review, not an accident.
    expect([...names].sort()).toEqual(
      [
        'DistrictTurnout', 'Float', 'HourlyTurnout', 'Int', 'String', 'Turnout',
        'ballotBoxClosedAt', 'ballotBoxOpenedAt', 'byDistrict', 'byHour', 'district', 'electionId', 'hourStart', 'position',
        'registered', 'round', 'turnoutPercent', 'voted', 'votes',
      ].sort(),
    );
    // Ballot content: candidates, lists, choices, answers, results, ballots (other than the box's instants), credentials.
    const FORBIDDEN = /candidat|choice|choix|answer|question|liste?s?$|party|parti|score|result|tally|seat|ballot(?!Box(Opened|Closed)At$)|credential|tracking|cipher|plaintext/i;
    expect([...names].filter((name) => FORBIDDEN.test(name))).toEqual([]);
    // The check is not vacuous.
    expect(['candidateVotes', 'byCandidate', 'choices', 'ballots', 'ballotText', 'listResults', 'trackingNumber'].filter((name) => !FORBIDDEN.test(name))).toEqual([]);
  });
});
