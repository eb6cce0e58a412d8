import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { staffToken } from '../support/staff-sessions.js';

const metadata = () => ({ correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString() });

describe('read models over GraphQL', () => {
  let dataDir: string;
  let server: RunningServer;
  let store: EventStore;
  /** The projections' status is operational data, for the council and auditors. */
  let auditorToken: string;
  const logLines: Array<Record<string, unknown>> = [];

  const query = async <T>(text: string): Promise<T> => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${auditorToken}` };
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query: text }) });
    const body = (await response.json()) as { data: T; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-read-models-'));
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0' });
    const logger = createLogger(config, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    server = await startServer(config, { logger });
    store = server.app.get<EventStore>(EVENT_STORE);
    // A session straight from the session store: creating an account would add events to the counts below.
    auditorToken = await staffToken(server.app, { staffId: 'auditor-1', username: 'auditor', role: 'auditor' });
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the ledger statistics as of a stated position, within moments of an append', async () => {
    // Neutral event types: real domain types would be read by their own projections, which expect real data.
    await store.appendToStream('probe-1', [1, 2, 3].map(() => ({ id: randomUUID(), type: 'ProbeRecorded', data: {}, metadata: metadata() })));
    const { position } = await store.appendToStream('sample-1', [{ id: randomUUID(), type: 'SampleTaken', data: {}, metadata: metadata() }]);

    type Stats = { ledgerStatistics: { position: string | null; totalEvents: number; rows: Array<{ category: string; type: string; events: number }> } };
    let stats: Stats | undefined;
    for (let tries = 0; tries < 100; tries++) {
      stats = await query<Stats>('{ ledgerStatistics { position totalEvents rows { category type events } } }');
      if (stats.ledgerStatistics.position === position.toString()) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(stats!.ledgerStatistics).toEqual({
      position: position.toString(),
      totalEvents: 4,
      rows: [
        { category: 'probe', type: 'ProbeRecorded', events: 3 },
        { category: 'sample', type: 'SampleTaken', events: 1 },
      ],
    });
  });

  it('reports each projection with its lag', async () => {
    const head = (await store.headPosition())!.toString();
    type Status = { name: string; state: string; position: string | null; eventsApplied: number; eventsBehind: number; msBehind: number; headPosition: string | null; error: string | null };
    let projections: Status[] = [];
    // Every projection reads every event (the runner filters), so each one reaches the head.
    for (let tries = 0; tries < 100; tries++) {
      ({ projections } = await query<{ projections: Status[] }>('{ projections { name version state position eventsApplied eventsBehind eventsBehindCapped msBehind headPosition error } }'));
      if (projections.every((p) => p.position === head)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(projections.map((p) => p.name)).toContain('ledger-statistics');
    for (const status of projections) {
      expect(status).toMatchObject({ state: 'live', position: head, eventsBehind: 0, msBehind: 0, headPosition: head, error: null });
    }
    expect(projections.find((p) => p.name === 'ledger-statistics')!.eventsApplied).toBe(4);
  });

  it('logs when a projection has caught up', () => {
    expect(logLines.some((line) => line.msg === 'projection caught up' && line.projection === 'ledger-statistics')).toBe(true);
  });
});
