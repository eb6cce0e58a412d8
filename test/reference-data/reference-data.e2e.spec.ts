import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ELECTORAL_ROLL_LOOKUP, type ElectoralRollLookup } from '../../src/application/ports/electoral-roll.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { ElectedOfficialsImporter } from '../../src/application/reference-data/import-elected-officials/import-elected-officials.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { ReadModelDb } from '../../src/projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../src/projections/projections.service.js';
import { codesOf, graphql } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';

const E = 'paris-2013';

describe('reference data in the running server (real HTTP, real SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let operator: string;
  let auditor: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-roll-api-'));
    server = await startServer(loadConfig({ URNE_DATA_DIR: dir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' }), { logger: createLogger({ logLevel: 'warn' }, { write: () => undefined }) });
    const app = server.app;
    operator = await staffToken(app, await createStaffAccount(app, 'operator-1', 'operator'));
    auditor = await staffToken(app, await createStaffAccount(app, 'auditor-1', 'auditor'));

    const roll = join(dir, 'roll.csv');
    writeFileSync(roll, [
      'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
      'Kosciusko-Morizet;Nathalie;1973-05-14;12 rue de Rivoli;4;4-02;75104000123',
      "N'Diaye;Élodie Marie;1985-11-30;3 boulevard de Belleville;20;20-11;75120000456",
    ].join('\n'));
    const officials = join(dir, 'elus.csv');
    writeFileSync(officials, 'identifiant;nom;prenoms;mandat;arrondissement\nELU-2;Dati;Rachida;maire;7\n');
    const store = app.get<EventStore>(EVENT_STORE);
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    await new ElectedOfficialsImporter(store).import({ electionId: E, file: officials });
    const head = (await store.headPosition())!;
    const service = app.get(ProjectionsService);
    await service.runner('elected-officials')!.waitForPosition(head);
    let rollHead = 0n;
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'eventType', prefixes: ['ElectoralRoll'] } })) rollHead = event.position;
    await service.runner('electoral-roll')!.waitForPosition(rollHead);
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('other slices get the ElectoralRollLookup by injection', async () => {
    const lookup = server.app.get<ElectoralRollLookup>(ELECTORAL_ROLL_LOOKUP);
    expect(await lookup.findByIdentity(E, { lastName: 'KOSCIUSKO MORIZET', firstNames: 'nathalie', birthDate: '14/05/1973' })).toMatchObject({ arrondissement: '4', pollingStation: '4-02', matches: 1 });
    expect(await lookup.findOfficial(E, 'ELU-2')).toEqual({ officialId: 'ELU-2', lastName: 'Dati', firstNames: 'Rachida', mandate: 'maire', arrondissement: '7' });
  });

  it('the server attaches its vault to the read model: entries are opened while projecting', () => {
    const db = server.app.get<ReadModelDb>(READ_MODEL_DB);
    expect(db.prepare('SELECT last_name AS lastName, sealed FROM electoral_roll_entries ORDER BY name_key').all()).toEqual([
      { lastName: 'Kosciusko-Morizet', sealed: null },
      { lastName: "N'Diaye", sealed: null },
    ]);
  });

  it('operators search the roll by name; the versions in force are visible to auditors; anonymous callers get nothing', async () => {
    const search = await graphql<{ rollEntries: Array<Record<string, unknown>> }>(
      server.graphqlUrl,
      `query ($e: String!) { rollEntries(electionId: $e, lastName: "n’diaye") { lastName firstNames birthDate address arrondissement pollingStation erased version } }`,
      { variables: { e: E }, token: operator },
    );
    expect(search).toEqual({
      data: { rollEntries: [{ lastName: "N'Diaye", firstNames: 'Élodie Marie', birthDate: '1985-11-30', address: '3 boulevard de Belleville', arrondissement: '20', pollingStation: '20-11', erased: false, version: 1 }] },
    });

    const status = await graphql<{ referenceData: { roll: { version: number; rows: number }; officials: { rows: number } } }>(
      server.graphqlUrl,
      `query ($e: String!) { referenceData(electionId: $e) { electionId roll { importId version rows contentHash } officials { version rows } } }`,
      { variables: { e: E }, token: auditor },
    );
    expect(status.data?.referenceData).toMatchObject({ roll: { version: 1, rows: 2 }, officials: { rows: 1 } });

    expect(codesOf(await graphql(server.graphqlUrl, `{ rollEntries(electionId: "${E}", lastName: "ndiaye") { lastName } }`, { token: auditor }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await graphql(server.graphqlUrl, `{ rollEntries(electionId: "${E}", lastName: "ndiaye") { lastName } }`))).toEqual(['UNAUTHENTICATED']);
  });
});
