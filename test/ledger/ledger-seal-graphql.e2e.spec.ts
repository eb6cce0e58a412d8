import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSealDocument } from '../../src/domain/ledger/index.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { trustedKeyOf } from '../../src/infrastructure/ledger-seal/ledger-crypto.js';
import { storeLedgerSource, verifyLedger } from '../../src/infrastructure/ledger-seal/verify-ledger.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { sample, waitFor } from './ledger-support.js';

describe('ledger seals over GraphQL (public), from a running server', () => {
  let dataDir: string;
  let server: RunningServer;
  let store: EventStore;
  const saved = process.env.URNE_LEDGER_SEAL_EVERY_EVENTS;

  const query = async <T>(text: string): Promise<T> => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text }) });
    const body = (await response.json()) as { data: T; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-ledger-graphql-'));
    process.env.URNE_LEDGER_SEAL_EVERY_EVENTS = '3';
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0' });
    server = await startServer(config, { logger: createLogger({ logLevel: 'warn' }, { write: () => undefined }) });
    store = server.app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await server?.app.close();
    if (saved === undefined) delete process.env.URNE_LEDGER_SEAL_EVERY_EVENTS;
    else process.env.URNE_LEDGER_SEAL_EVERY_EVENTS = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes the key and the seals to anyone; a kept seal verifies against the server\'s log', async () => {
    const { ledgerSealingKey } = await query<{ ledgerSealingKey: { keyId: string; algorithm: string; publicKey: string; publicKeyPem: string } }>(
      '{ ledgerSealingKey { keyId algorithm publicKey publicKeyPem } }',
    );
    expect(ledgerSealingKey).toMatchObject({ algorithm: 'Ed25519', keyId: expect.stringMatching(/^[0-9a-f]{32}$/), publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });
    expect(existsSync(join(dataDir, 'ledger-seal.key'))).toBe(true);

    for (let i = 0; i < 7; i++) await store.appendToStream(`probe-${i % 2}`, [sample('ProbeRecorded', { i })]);
    type Page = { ledgerSeals: { seals: Array<{ position: string; sealPosition: string; reason: string; keyId: string; document: string }>; endCursor: string | null; hasNextPage: boolean } };
    let page: Page | undefined;
    await waitFor(async () => {
      page = await query<Page>('{ ledgerSeals(first: 1) { seals { position sealPosition reason keyId document } endCursor hasNextPage } }');
      return page.ledgerSeals.hasNextPage;
    }, 'two seals');
    const first = page!.ledgerSeals.seals[0]!;
    expect(first).toMatchObject({ reason: 'interval', keyId: ledgerSealingKey.keyId });
    const next = await query<Page>(`{ ledgerSeals(first: 10, after: "${page!.ledgerSeals.endCursor}") { seals { position sealPosition } hasNextPage } }`);
    expect(BigInt(next.ledgerSeals.seals[0]!.sealPosition)).toBeGreaterThan(BigInt(first.sealPosition));

    const { latestLedgerSeal } = await query<{ latestLedgerSeal: { document: string } }>('{ latestLedgerSeal { document } }');
    const kept = parseSealDocument(JSON.parse(latestLedgerSeal.document));
    expect(kept.publicKey).toBe(ledgerSealingKey.publicKey);
    const report = await verifyLedger(storeLedgerSource(store), { seal: kept, key: trustedKeyOf(Buffer.from(ledgerSealingKey.publicKey, 'hex')) });
    expect(report).toMatchObject({ ok: true, target: { matches: true } });
  });
});
