import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Args, Field, Int, Mutation, ObjectType, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/application/ports/clock.js';
import { ONE_TIME_CODES, type OneTimeCodes } from '../../src/application/ports/one-time-codes.js';
import { ChangeStaffRoleCommand } from '../../src/application/staff/change-staff-role/change-staff-role.command.js';
import { DisableStaffAccountCommand } from '../../src/application/staff/disable-staff-account/disable-staff-account.command.js';
import { StaffActionRecorder } from '../../src/application/staff/record-staff-action/staff-action-recorder.js';
import { ResetStaffPasswordCommand } from '../../src/application/staff/reset-staff-password/reset-staff-password.command.js';
import { SignInCommand } from '../../src/application/staff/sign-in/sign-in.command.js';
import { INVALID_CREDENTIALS } from '../../src/application/staff/sign-in/sign-in.handler.js';
import type { Actor } from '../../src/infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../src/infrastructure/auth/auth.decorators.js';
import { GUARD_DENIALS } from '../../src/infrastructure/auth/auth.guard.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { collect, type EventStore, type RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { codesOf, firstMessage, graphql, wsClient, type GraphqlResponse } from '../support/graphql-client.js';
import { createStaffAccount, staffToken, voterToken } from '../support/staff-sessions.js';

const MINUTE = 60_000;

@ObjectType()
class ProbeItem {
  @Field() label!: string;
}

/** Resolvers with every kind of access rule, including forgotten ones, plugged in for this test. */
@Resolver(() => ProbeItem)
class GuardProbeResolver {
  constructor(private readonly audit: StaffActionRecorder) {}

  @Query(() => String)
  @AllowedFor('council')
  councilOnly(@CurrentActor() actor: Actor): string {
    return actor.id;
  }

  @Query(() => String)
  @AllowedFor('voter')
  voterOnly(@CurrentActor() actor: Actor): string {
    return actor.id;
  }

  @Query(() => String)
  forgotten(): string {
    return 'should never be seen';
  }

  @Query(() => ProbeItem)
  @AllowedFor('public')
  probeItem(): ProbeItem {
    return { label: 'public label' };
  }

  @ResolveField(() => String)
  @AllowedFor('council')
  secret(): string {
    return 'council eyes only';
  }

  @ResolveField(() => String)
  forgottenField(): string {
    return 'should never be seen';
  }

  @Subscription(() => Int, { resolve: (value: number) => value })
  @AllowedFor('council')
  async *ticks(): AsyncGenerator<number> {
    yield 1;
  }

  @Mutation(() => String, { description: 'What a support slice does: act, and record the action.' })
  @AllowedFor('operator')
  async lookUpVoter(@CurrentActor() actor: Actor, @Args('registrationId') registrationId: string, @Args('withSecret', { defaultValue: false }) withSecret: boolean): Promise<string> {
    const { eventId } = await this.audit.recordStaffAction(actor, 'voter.lookup', registrationId, withSecret ? { code: '12345678' } : { found: false });
    return eventId;
  }
}

@Module({ providers: [GuardProbeResolver] })
class GuardProbeModule {}

describe('staff sign-in, sessions and the auth guard (real HTTP, real SQLite)', () => {
  let dataDir: string;
  let server: RunningServer;
  let store: EventStore;
  const clock = new ManualClock('2013-05-31T08:00:00.000Z');
  const logLines: string[] = [];
  /** Every secret the scenario handled: none may reach the log or an event. */
  const secrets = new Set<string>();
  let council: Awaited<ReturnType<typeof createStaffAccount>>;
  let operator: Awaited<ReturnType<typeof createStaffAccount>>;

  const gql = (query: string, options: Parameters<typeof graphql>[2] = {}) => graphql(server.graphqlUrl, query, options);
  const signIn = async (username: string, password: string) => {
    secrets.add(password);
    const response = await gql('mutation($input: SignInInput!) { signIn(input: $input) { token expiresAt role } }', { variables: { input: { username, password } } });
    const token = (response.data as { signIn?: { token: string } } | null)?.signIn?.token;
    if (token) secrets.add(token);
    return response as GraphqlResponse<{ signIn: { token: string; expiresAt: string; role: string } }>;
  };
  const auditEvents = async (staffId: string): Promise<RecordedEvent[]> => collect(store.readStream(`staffaudit-${staffId}`)).catch(() => []);
  const signInFor = (username: string, password: string, address: string) => server.app.get(CommandBus).execute(new SignInCommand(username, password, address));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-staff-'));
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'debug', URNE_SESSION_TTL_MINUTES: '60' });
    const logger = createLogger(config, { write: (line: string) => void logLines.push(line) });
    server = await startServer(config, { logger, clock, extraModules: [GuardProbeModule] });
    store = server.app.get<EventStore>(EVENT_STORE);
    council = await createStaffAccount(server.app, 'Conseil.Alice', 'council');
    operator = await createStaffAccount(server.app, 'bob', 'operator');
    secrets.add(council.password).add(operator.password);
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('signIn', () => {
    it('opens a session for the right password: a token, its expiry (URNE_SESSION_TTL_MINUTES) and the role', async () => {
      const response = await signIn('conseil.alice', council.password);
      expect(response.errors).toBeUndefined();
      expect(response.data!.signIn).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: '2013-05-31T09:00:00.000Z', role: 'council' });
      const me = await gql('{ me { kind actorId staffId username role registrationId } }', { token: response.data!.signIn.token });
      expect(me.data).toEqual({ me: { kind: 'staff', actorId: `staff:${council.staffId}`, staffId: council.staffId, username: 'conseil.alice', role: 'council', registrationId: null } });
    });

    it('records StaffSignedIn with the session id and expiry, never the token or the password', async () => {
      const [event] = (await auditEvents(council.staffId)).filter((e) => e.type === 'StaffSignedIn');
      expect(event).toMatchObject({
        stream: `staffaudit-${council.staffId}`,
        data: { staffId: council.staffId, username: 'conseil.alice', role: 'council', sessionId: expect.any(String), expiresAt: '2013-05-31T09:00:00.000Z' },
        metadata: { actor: `staff:${council.staffId}` },
      });
    });

    it('answers a wrong password and an unknown username identically', async () => {
      const wrongPassword = await signIn('bob', 'not the password at all');
      const unknownUser = await signIn('nobody-here', 'not the password at all');
      expect(wrongPassword.data).toBeNull();
      expect(wrongPassword.errors).toEqual([expect.objectContaining({ message: INVALID_CREDENTIALS, extensions: { code: 'InvalidCredentials', details: {} } })]);
      expect(unknownUser.errors!.map(({ message, extensions }) => ({ message, extensions }))).toEqual(wrongPassword.errors!.map(({ message, extensions }) => ({ message, extensions })));
    });

    it('records the failures: the account for a wrong password; for an unknown name, not the name (it may be a password)', async () => {
      expect((await auditEvents(operator.staffId)).map((e) => e.data)).toContainEqual({ staffId: operator.staffId, username: 'bob', reason: 'wrong_password' });
      const unidentified = await auditEvents('unidentified');
      expect(unidentified.map((e) => [e.type, e.data])).toContainEqual(['StaffSignInFailed', { staffId: null, username: null, reason: 'unknown_username' }]);
      expect(JSON.stringify(unidentified.map((e) => [e.data, e.metadata]))).not.toContain('nobody-here');
    });

    it('validates its input (BAD_USER_INPUT) before anything else', async () => {
      const response = await gql('mutation { signIn(input: { username: "", password: "x" }) { token } }');
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('rate limits on failed sign-ins', () => {
    it('refuses a username after 5 failures in 15 minutes, even with the right password (RATE_LIMITED), until the window slides', async () => {
      clock.advance(16 * MINUTE);
      const carol = await createStaffAccount(server.app, 'carol', 'auditor');
      secrets.add(carol.password);
      for (let i = 0; i < 5; i++) await expect(signInFor('carol', 'wrong password!', `10.0.1.${i}`)).rejects.toMatchObject({ code: 'InvalidCredentials' });
      await expect(signInFor('carol', carol.password, '10.0.1.99')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 15 * 60 } });
      // Over HTTP, with its code and delay.
      const response = await signIn('carol', carol.password);
      expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: 'RATE_LIMITED', details: { retryAfterSeconds: 900 } } })]);
      clock.advance(15 * MINUTE);
      await expect(signInFor('carol', carol.password, '10.0.1.99')).resolves.toMatchObject({ role: 'auditor' });
    });

    it('refuses an address after 5 failures, whatever the username', async () => {
      clock.advance(16 * MINUTE);
      for (let i = 0; i < 5; i++) await expect(signInFor(`guess-${i}`, 'wrong password!', '10.0.2.1')).rejects.toMatchObject({ code: 'InvalidCredentials' });
      await expect(signInFor('bob', operator.password, '10.0.2.1')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(signInFor('bob', operator.password, '10.0.2.2')).resolves.toMatchObject({ role: 'operator' });
    });

    it('counts parallel guesses: of 10 at once, 5 are checked and 5 refused', async () => {
      clock.advance(16 * MINUTE);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => signInFor('bob', `parallel guess ${i}`, `10.0.3.${i}`).catch((error: { code: string }) => error.code)));
      expect(outcomes.filter((code) => code === 'InvalidCredentials')).toHaveLength(5);
      expect(outcomes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(5);
    });

    it('forgets a username’s failures once it signs in', async () => {
      clock.advance(16 * MINUTE);
      for (let i = 0; i < 4; i++) await signInFor('bob', 'wrong password!', `10.0.4.${i}`).catch(() => undefined);
      await signInFor('bob', operator.password, '10.0.4.50');
      for (let i = 0; i < 4; i++) await expect(signInFor('bob', 'wrong password!', `10.0.5.${i}`)).rejects.toMatchObject({ code: 'InvalidCredentials' });
      await expect(signInFor('bob', operator.password, '10.0.5.50')).resolves.toMatchObject({ role: 'operator' });
    });
  });

  describe('sessions', () => {
    it('expire: a token past its expiry is UNAUTHENTICATED ("sign in again") and the caller anonymous', async () => {
      clock.advance(16 * MINUTE);
      const { data } = await signIn('conseil.alice', council.password);
      const token = data!.signIn.token;
      expect((await gql('{ councilOnly }', { token })).data).toEqual({ councilOnly: `staff:${council.staffId}` });
      clock.advance(60 * MINUTE - 1);
      expect((await gql('{ councilOnly }', { token })).data).toEqual({ councilOnly: `staff:${council.staffId}` });
      clock.advance(1);
      const expired = await gql('{ councilOnly }', { token });
      expect(expired.errors).toEqual([expect.objectContaining({ message: GUARD_DENIALS.sessionInvalid, extensions: { code: 'UNAUTHENTICATED' } })]);
      expect((await gql('{ me { kind } }', { token })).data).toEqual({ me: { kind: 'anonymous' } });
    });

    it('signOut ends the session at once and is recorded; anonymous callers cannot sign out', async () => {
      const { data } = await signIn('conseil.alice', council.password);
      const token = data!.signIn.token;
      expect((await gql('mutation { signOut }', { token })).data).toEqual({ signOut: true });
      expect(codesOf(await gql('{ councilOnly }', { token }))).toEqual(['UNAUTHENTICATED']);
      expect(codesOf(await gql('mutation { signOut }', { token }))).toEqual(['UNAUTHENTICATED']);
      expect(codesOf(await gql('mutation { signOut }'))).toEqual(['UNAUTHENTICATED']);
      const signedOut = (await auditEvents(council.staffId)).filter((e) => e.type === 'StaffSignedOut');
      expect(signedOut).toHaveLength(1);
      expect(signedOut[0]!.data).toEqual({ staffId: council.staffId, sessionId: expect.any(String) });
    });

    it('end when the role changes, the password is reset or the account is disabled; a disabled account cannot sign in', async () => {
      const dave = await createStaffAccount(server.app, 'dave', 'operator');
      secrets.add(dave.password);
      const bus = server.app.get(CommandBus);
      const first = (await signIn('dave', dave.password)).data!.signIn.token;
      await bus.execute(new ChangeStaffRoleCommand(randomUUID(), { username: 'dave', role: 'trustee' }, 'system:test'));
      expect(codesOf(await gql('{ me { kind } }', { token: first }))).toEqual([]);
      expect((await gql('{ me { kind } }', { token: first })).data).toEqual({ me: { kind: 'anonymous' } });
      const second = await signIn('dave', dave.password);
      expect(second.data!.signIn.role).toBe('trustee');

      const newPassword = `new-${randomUUID()}`;
      secrets.add(newPassword);
      await bus.execute(new ResetStaffPasswordCommand(randomUUID(), { username: 'dave', password: newPassword }, 'system:test'));
      expect((await gql('{ me { kind } }', { token: second.data!.signIn.token })).data).toEqual({ me: { kind: 'anonymous' } });
      expect(codesOf(await signIn('dave', dave.password))).toEqual(['InvalidCredentials']);
      const third = (await signIn('dave', newPassword)).data!.signIn.token;

      await bus.execute(new DisableStaffAccountCommand(randomUUID(), { username: 'dave', reason: 'left the team' }, 'system:test'));
      expect((await gql('{ me { kind } }', { token: third })).data).toEqual({ me: { kind: 'anonymous' } });
      const refused = await signIn('dave', newPassword);
      expect(refused.errors).toEqual([expect.objectContaining({ message: INVALID_CREDENTIALS, extensions: { code: 'InvalidCredentials', details: {} } })]);
      expect((await auditEvents(dave.staffId)).map((e) => e.data)).toContainEqual({ staffId: dave.staffId, username: 'dave', reason: 'disabled' });
      expect((await collect(store.readStream(`staff-${dave.staffId}`))).map((e) => e.type)).toEqual(['StaffAccountCreated', 'StaffRoleChanged', 'StaffPasswordReset', 'StaffAccountDisabled']);
    });

    it('serve voters: a voter session makes the caller a voter, for voter-only operations only', async () => {
      const token = await voterToken(server.app, 'reg-0042');
      secrets.add(token);
      expect((await gql('{ me { kind actorId registrationId } }', { token })).data).toEqual({ me: { kind: 'voter', actorId: 'voter:reg-0042', registrationId: 'reg-0042' } });
      expect((await gql('{ voterOnly }', { token })).data).toEqual({ voterOnly: 'voter:reg-0042' });
      expect(codesOf(await gql('{ councilOnly }', { token }))).toEqual(['FORBIDDEN']);
      expect(codesOf(await gql('{ staffAccounts { username } }', { token }))).toEqual(['FORBIDDEN']);
      expect((await gql('mutation { signOut }', { token })).data).toEqual({ signOut: true });
      expect(codesOf(await gql('{ voterOnly }', { token }))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('the guard', () => {
    let councilToken: string;
    let operatorToken: string;

    beforeAll(async () => {
      councilToken = await staffToken(server.app, council);
      operatorToken = await staffToken(server.app, operator);
      secrets.add(councilToken).add(operatorToken);
    });

    it('UNAUTHENTICATED for anonymous callers, FORBIDDEN for the wrong role, through for the right one', async () => {
      expect((await gql('{ councilOnly }')).errors).toEqual([expect.objectContaining({ message: GUARD_DENIALS.signIn, extensions: { code: 'UNAUTHENTICATED' }, path: ['councilOnly'] })]);
      expect((await gql('{ councilOnly }', { token: operatorToken })).errors).toEqual([expect.objectContaining({ message: GUARD_DENIALS.forbidden, extensions: { code: 'FORBIDDEN' } })]);
      expect(codesOf(await gql('{ voterOnly }', { token: councilToken }))).toEqual(['FORBIDDEN']);
      expect((await gql('{ councilOnly }', { token: councilToken })).data).toEqual({ councilOnly: `staff:${council.staffId}` });
    });

    it('treats a malformed or unknown token as an invalid session, never as a signed-in caller', async () => {
      for (const authorization of ['Bearer not-a-token', 'Basic dXNlcjpwYXNz', `Bearer ${'A'.repeat(43)}`, councilToken])
        expect((await gql('{ councilOnly }', { authorization })).errors).toEqual([expect.objectContaining({ message: GUARD_DENIALS.sessionInvalid, extensions: { code: 'UNAUTHENTICATED' } })]);
      expect((await gql('{ me { kind } }', { authorization: 'Bearer nope' })).data).toEqual({ me: { kind: 'anonymous' } });
    });

    it('denies a resolver without @AllowedFor to everyone, and logs an error naming it', async () => {
      for (const token of [undefined, councilToken, operatorToken])
        expect((await gql('{ forgotten }', token === undefined ? {} : { token })).errors).toEqual([expect.objectContaining({ message: GUARD_DENIALS.noRule, extensions: { code: 'FORBIDDEN' } })]);
      const errors = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 'error');
      expect(errors).toContainEqual(expect.objectContaining({ context: 'Auth', resolver: 'GuardProbeResolver.forgotten' }));
      expect(errors).toContainEqual(expect.objectContaining({ context: 'Auth', resolver: 'GuardProbeResolver.forgottenField' }));
    });

    it('guards field resolvers: the public parent resolves, the council-only field is FORBIDDEN to others', async () => {
      const asOperator = await gql('{ probeItem { label secret } }', { token: operatorToken });
      expect(asOperator.errors).toEqual([expect.objectContaining({ path: ['probeItem', 'secret'], extensions: { code: 'FORBIDDEN' } })]);
      expect(codesOf(await gql('{ probeItem { label secret } }'))).toEqual(['UNAUTHENTICATED']);
      expect((await gql('{ probeItem { label secret } }', { token: councilToken })).data).toEqual({ probeItem: { label: 'public label', secret: 'council eyes only' } });
      expect(codesOf(await gql('{ probeItem { forgottenField } }', { token: councilToken }))).toEqual(['FORBIDDEN']);
      expect((await gql('{ probeItem { label } }')).data).toEqual({ probeItem: { label: 'public label' } });
    });

    it('guards subscriptions over graphql-ws, reading connectionParams.authorization', async () => {
      const clients = [wsClient(server.graphqlUrl), wsClient(server.graphqlUrl, operatorToken), wsClient(server.graphqlUrl, councilToken)];
      try {
        const [anonymous, asOperator, asCouncil] = await Promise.all(clients.map((client) => firstMessage(client, 'subscription { ticks }')));
        expect(anonymous).not.toBe('pending');
        expect(codesOf(anonymous as GraphqlResponse)).toEqual(['UNAUTHENTICATED']);
        expect(codesOf(asOperator as GraphqlResponse)).toEqual(['FORBIDDEN']);
        expect(asCouncil).toEqual({ data: { ticks: 1 } });
      } finally {
        await Promise.all(clients.map((client) => client.dispose()));
      }
    });

    it('leaves plain HTTP routes public (GET /health), whatever the Authorization header', async () => {
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/health`, { headers: { authorization: 'Bearer junk' } })).status).toBe(200);
    });

    it('protects the staff list (council, auditor) and the projections status (council, auditor); ledger statistics stay public', async () => {
      expect(codesOf(await gql('{ staffAccounts { username } }', { token: operatorToken }))).toEqual(['FORBIDDEN']);
      const list = await gql('{ staffAccounts { username role status } }', { token: councilToken });
      expect((list.data as { staffAccounts: unknown[] }).staffAccounts).toEqual(
        expect.arrayContaining([
          { username: 'conseil.alice', role: 'council', status: 'active' },
          { username: 'dave', role: 'trustee', status: 'disabled' },
        ]),
      );
      expect(codesOf(await gql('{ projections { name } }'))).toEqual(['UNAUTHENTICATED']);
      expect(codesOf(await gql('{ projections { name } }', { token: operatorToken }))).toEqual(['FORBIDDEN']);
      expect(codesOf(await gql('{ projections { name } }', { token: councilToken }))).toEqual([]);
      expect(codesOf(await gql('{ ledgerStatistics { totalEvents } }'))).toEqual([]);
    });
  });

  describe('operator actions', () => {
    it('are recorded as StaffActionRecorded in the operator’s audit stream, with the actor', async () => {
      const token = await staffToken(server.app, operator);
      secrets.add(token);
      const response = await gql('mutation { lookUpVoter(registrationId: "reg-0042") }', { token });
      expect(response.errors).toBeUndefined();
      const recorded = (await auditEvents(operator.staffId)).find((e) => e.type === 'StaffActionRecorded');
      expect(recorded).toMatchObject({
        id: (response.data as { lookUpVoter: string }).lookUpVoter,
        data: { staffId: operator.staffId, username: 'bob', role: 'operator', action: 'voter.lookup', subject: 'reg-0042', details: { found: false } },
        metadata: { actor: `staff:${operator.staffId}`, occurredAt: clock.now().toISOString() },
      });
    });

    it('refuse details that look like a secret', async () => {
      const token = await staffToken(server.app, operator);
      secrets.add(token);
      expect(codesOf(await gql('mutation { lookUpVoter(registrationId: "reg-0042", withSecret: true) }', { token }))).toEqual(['SecretInAuditDetails']);
    });
  });

  describe('one-time codes through the application', () => {
    it('are issued and verified by the ONE_TIME_CODES service other slices inject', async () => {
      const codes = server.app.get<OneTimeCodes>(ONE_TIME_CODES);
      const { code } = await codes.issue('sms-authentication', 'reg-0042', { digits: 8 });
      secrets.add(code);
      expect(await codes.verify('sms-authentication', 'reg-0042', code)).toBe('valid');
    });
  });

  it('never lets a password, token or code into the events or the log', async () => {
    expect(secrets.size).toBeGreaterThan(15);
    const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
    let dump: string;
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
      dump = tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all(), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).join('\n');
    } finally {
      db.close();
    }
    expect(dump).toContain('StaffSignedIn');
    const log = logLines.join('');
    expect(log).toContain('staff signed in');
    const secretsFile = readFileSync(join(dataDir, 'secrets.sqlite')).toString('latin1') + readFileSync(join(dataDir, 'secrets.sqlite-wal')).toString('latin1');
    for (const secret of secrets) {
      expect(dump.includes(secret) ? `events.sqlite holds ${secret}` : 'clean').toBe('clean');
      expect(log.includes(secret) ? `the log holds ${secret}` : 'clean').toBe('clean');
      expect(secretsFile.includes(secret) ? `secrets.sqlite holds ${secret}` : 'clean').toBe('clean');
    }
  });
});
