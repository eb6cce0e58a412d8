import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllowedFor } from '../../src/infrastructure/auth/auth.decorators.js';
import { loadConfig, type AppConfig } from '../../src/infrastructure/config/app-config.js';
import { APP_CONFIG } from '../../src/infrastructure/config/config.token.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';

/** A feature module as the projections will be: it injects the global providers and adds a resolver. */
@Injectable()
@Resolver()
class ProbeResolver {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Query(() => String)
  @AllowedFor('public')
  probe(): string {
    return `${this.store.kind}:${this.config.readModelsFile}`;
  }
}

@Module({ providers: [ProbeResolver] })
class ProbeModule {}

describe('the API over HTTP (SQLite store)', () => {
  let dataDir: string;
  let config: AppConfig;
  let server: RunningServer;
  const logLines: Array<Record<string, unknown>> = [];
  let closed = false;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-api-'));
    config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'debug' });
    const logger = createLogger(config, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    server = await startServer(config, { logger, extraModules: [ProbeModule] });
  });

  afterAll(async () => {
    if (server && !closed) await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const graphql = (query: string, headers: Record<string, string> = { 'content-type': 'application/json' }, body = JSON.stringify({ query })) =>
    fetch(server.graphqlUrl, { method: 'POST', headers, body });

  it('listens on a real port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.graphqlUrl).toBe(`http://127.0.0.1:${server.port}/graphql`);
  });

  it('GET /health is 200 with the store and its head position', async () => {
    const response = await fetch(`${server.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', store: 'sqlite', headPosition: null });
  });

  it('answers the GraphQL health query', async () => {
    const response = await graphql('{ health { status store headPosition version } }');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { health: { status: 'ok', store: 'sqlite', headPosition: null, version: expect.stringMatching(/^\d+\.\d+\.\d+/) } } });
  });

  it('reports the head position as a string once events exist', async () => {
    const store = server.app.get<EventStore>(EVENT_STORE);
    await store.appendToStream('probe-1', [
      { id: '6f1f6a52-9a2b-4c43-8a43-3f8e2b6f0a01', type: 'ProbeRecorded', data: {}, metadata: { correlationId: 'c', schemaVersion: 1, occurredAt: new Date().toISOString() } },
    ]);
    const head = (await store.headPosition())!.toString();
    expect(await (await fetch(`${server.baseUrl}/health`)).json()).toMatchObject({ headPosition: head });
    expect(await (await graphql('{ health { headPosition } }')).json()).toEqual({ data: { health: { headPosition: head } } });
  });

  it('refuses a POST without content-type application/json (CSRF prevention)', async () => {
    const response = await graphql('{ health { status } }', { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toMatch(/Cross-Site Request Forgery/);
    expect(body).not.toHaveProperty('data');
  });

  it('serves the resolvers of feature modules, which see EVENT_STORE and APP_CONFIG', async () => {
    expect(await (await graphql('{ probe }')).json()).toEqual({ data: { probe: `sqlite:${join(dataDir, 'read-models.sqlite')}` } });
  });

  it('does not leak stack traces in GraphQL errors', async () => {
    const body = (await (await graphql('{ nope }')).json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(body.errors[0]!.message).toMatch(/Cannot query field "nope"/);
    expect(body.errors[0]!.extensions).not.toHaveProperty('stacktrace');
  });

  it('logs JSON lines with level, time, msg and context, Nest included', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(typeof line.level).toBe('string');
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
    }
    expect(logLines).toContainEqual(expect.objectContaining({ context: 'EventStore', msg: 'event store opened', store: 'sqlite' }));
    expect(logLines).toContainEqual(expect.objectContaining({ context: 'NestApplication', msg: 'Nest application successfully started', level: 'info' }));
  });

  it('reports the store unavailable (503 on /health) when it fails', async () => {
    await server.app.get<EventStore>(EVENT_STORE).close();
    const response = await fetch(`${server.baseUrl}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', store: 'sqlite', reason: expect.stringMatching(/closed/) });
    expect(await (await graphql('{ health { status store headPosition } }')).json()).toEqual({
      data: { health: { status: 'unavailable', store: 'sqlite', headPosition: null } },
    });
  });

  it('on close, stops listening, closes the event store and logs "stopped"; the SQLite file stays', async () => {
    await server.app.close();
    closed = true;
    await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
    expect(logLines).toContainEqual(expect.objectContaining({ context: 'App', msg: 'stopped' }));
    expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
  });
});
