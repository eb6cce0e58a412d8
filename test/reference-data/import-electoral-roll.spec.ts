import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { ForgetSubjectCommand } from '../../src/application/personal-data/forget-subject/forget-subject.command.js';
import { forgetSubject } from '../../src/application/personal-data/forget-subject/forget-subject.handler.js';
import { InvalidCsvFileError } from '../../src/application/reference-data/shared/csv-reader.js';
import type { ElectoralRollBatchData } from '../../src/domain/reference-data/electoral-roll.js';
import { readActiveOfficials } from '../../src/projections/elected-officials/elected-officials.projection.js';
import { ReferenceDataFixture, ROLL_HEADER } from './support/reference-data-fixture.js';

const E = 'paris-2013';

const NKM = 'Kosciusko-Morizet;Nathalie;1973-05-14;12 rue de Rivoli;4;4-02;75104000123';
const NDIAYE = "N'Diaye;Élodie Marie;1985-11-30;3 boulevard de Belleville;20;20-11;75120000456";
const ESTAING = 'd’Estaing;Lœtitia;1962-02-01;8 quai Saint-Exupéry;16;16-04;75116000789';
const DUPONT = 'Dupont;Jean-Pierre;1950-07-14;1 place de la République;11;11-01;75111000001';
const HOMONYM = 'DUPONT;jean pierre;14/07/1950;99 rue Oberkampf;11;11-02;75111000002';

describe('electoral roll import (real files, real SQLite store and key store)', () => {
  let fx: ReferenceDataFixture;
  beforeEach(() => {
    fx = new ReferenceDataFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  it('imports a roll as events: started, batches of sealed entries, completed; the projection serves it', async () => {
    const file = fx.file([ROLL_HEADER, NKM, NDIAYE, ESTAING, DUPONT]);
    const outcome = await fx.rollImporter.import({ electionId: E, file, actor: 'test' });
    expect(outcome).toMatchObject({ status: 'imported', version: 1, rows: 4, batches: 1, rowsAppended: 4, resumedFromRow: 0 });
    expect(outcome.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const events = await fx.events();
    expect(events.map((e) => `${e.stream} ${e.type}`)).toEqual([
      `electoralroll-${E} ElectoralRollImportStarted`,
      `electoralrollbatch-${E}_${outcome.importId} ElectoralRollBatchImported`,
      `electoralroll-${E} ElectoralRollImportCompleted`,
    ]);
    expect(events[0]!.data).toMatchObject({ electionId: E, importId: outcome.importId, version: 1, contentHash: outcome.contentHash, sourceName: 'file-1.csv' });
    expect(events[2]!.data).toMatchObject({ importId: outcome.importId, rows: 4, batches: 1, contentHash: outcome.contentHash });
    expect(events[1]!.metadata.actor).toBe('test');
    const batch = events[1]!.data as unknown as ElectoralRollBatchData;
    expect(batch.entries).toHaveLength(4);
    expect(batch.entries[0]).toEqual({
      rollEntryId: expect.stringMatching(/^roll_[A-Za-z0-9_-]{22}$/),
      arrondissement: '4',
      pollingStation: '4-02',
      identityIndex: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      sealed: { sealed: 'v1', subject: batch.entries[0]!.rollEntryId, iv: expect.any(String), data: expect.any(String) },
    });

    await fx.catchUp();
    expect(await fx.lookup.activeVersions(E)).toEqual({ roll: { importId: outcome.importId, version: 1, rows: 4, contentHash: outcome.contentHash }, officials: null });
    const entry = await fx.lookup.findEntry(E, batch.entries[1]!.rollEntryId);
    expect(entry).toEqual({
      rollEntryId: batch.entries[1]!.rollEntryId,
      arrondissement: '20',
      pollingStation: '20-11',
      lastName: "N'Diaye",
      firstNames: 'Élodie Marie',
      birthDate: '1985-11-30',
      address: '3 boulevard de Belleville',
      rollIdentifier: '75120000456',
      erased: false,
      importId: outcome.importId,
      version: 1,
    });
  });

  it('matches a person despite case, accents, hyphens, apostrophes and spaces; not with another birth date', async () => {
    await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, NKM, NDIAYE, ESTAING, DUPONT]) });
    await fx.catchUp();
    const nkm = await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' });
    expect(nkm).toEqual({ rollEntryId: expect.any(String), arrondissement: '4', pollingStation: '4-02', matches: 1 });

    for (const identity of [
      { lastName: 'KOSCIUSKO MORIZET', firstNames: 'nathalie', birthDate: '1973-05-14' },
      { lastName: ' kosciusko  -  morizet ', firstNames: 'NATHALIE', birthDate: '14/05/1973' },
    ])
      expect((await fx.lookup.findByIdentity(E, identity))?.rollEntryId).toBe(nkm!.rollEntryId);
    expect((await fx.lookup.findByIdentity(E, { lastName: 'N’DIAYE', firstNames: 'elodie-marie', birthDate: '1985-11-30' }))?.arrondissement).toBe('20');
    expect((await fx.lookup.findByIdentity(E, { lastName: "D'ESTAING", firstNames: 'Loetitia', birthDate: '1962-02-01' }))?.arrondissement).toBe('16');
    expect((await fx.lookup.findByIdentity(E, { lastName: 'destaing', firstNames: 'LŒTITIA', birthDate: '1962-02-01' }))?.arrondissement).toBe('16');

    expect(await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-15' })).toBeNull();
    expect(await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: 'not a date' })).toBeNull();
    expect(await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko', firstNames: 'Nathalie', birthDate: '1973-05-14' })).toBeNull();
    expect(await fx.lookup.findByIdentity('another-election', { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' })).toBeNull();

    // Staff search on the normalised last name.
    expect(fx.lookup.search(E, { lastName: 'ndiaye' }).map((e) => e.firstNames)).toEqual(['Élodie Marie']);
    expect(fx.lookup.search(E, { lastName: 'kosciusko', prefix: true }).map((e) => e.lastName)).toEqual(['Kosciusko-Morizet']);
  });

  it('reports homonyms born the same day as several matches', async () => {
    await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, DUPONT, HOMONYM]) });
    await fx.catchUp();
    expect(await fx.lookup.findByIdentity(E, { lastName: 'Dupont', firstNames: 'Jean-Pierre', birthDate: '1950-07-14' })).toMatchObject({ matches: 2 });
  });

  it('a re-import of the same file is a no-op: unchanged, and no event written', async () => {
    const file = fx.file([ROLL_HEADER, NKM, NDIAYE]);
    const first = await fx.rollImporter.import({ electionId: E, file });
    const head = await fx.store.headPosition();
    const again = await fx.rollImporter.import({ electionId: E, file });
    expect(again).toMatchObject({ status: 'unchanged', version: 1, importId: first.importId, rows: 2, rowsAppended: 0 });
    expect(await fx.store.headPosition()).toBe(head);
  });

  it('a changed file is version 2, and the projection then shows version 2 entries only', async () => {
    const v1 = await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, NKM, NDIAYE, ESTAING]) });
    await fx.catchUp();
    const nkmV1 = await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' });
    const estaingV1 = await fx.lookup.findByIdentity(E, { lastName: 'd’Estaing', firstNames: 'Lœtitia', birthDate: '1962-02-01' });

    // NKM moved to the 7th; d'Estaing left; Dupont arrived.
    const moved = NKM.replace(';4;4-02;', ';7;7-05;');
    const v2 = await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, moved, NDIAYE, DUPONT]) });
    expect(v2).toMatchObject({ status: 'imported', version: 2, rows: 3 });
    expect(v2.importId).not.toBe(v1.importId);
    await fx.catchUp();

    expect((await fx.lookup.activeVersions(E)).roll).toMatchObject({ importId: v2.importId, version: 2, rows: 3 });
    const nkmV2 = await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' });
    expect(nkmV2).toMatchObject({ rollEntryId: nkmV1!.rollEntryId, arrondissement: '7', pollingStation: '7-05', matches: 1 });
    expect(await fx.lookup.findByIdentity(E, { lastName: 'd’Estaing', firstNames: 'Lœtitia', birthDate: '1962-02-01' })).toBeNull();
    expect(await fx.lookup.findEntry(E, estaingV1!.rollEntryId)).toBeNull();
    expect(await fx.lookup.findByIdentity(E, { lastName: 'Dupont', firstNames: 'Jean-Pierre', birthDate: '1950-07-14' })).not.toBeNull();
    const rows = fx.db.prepare('SELECT import_id AS importId, count(*) AS n FROM electoral_roll_entries GROUP BY import_id').all();
    expect(rows).toEqual([{ importId: v2.importId, n: 3 }]);
    expect(fx.db.prepare('SELECT import_id AS importId, status FROM electoral_roll_imports ORDER BY version').all()).toEqual([
      { importId: v1.importId, status: 'replaced' },
      { importId: v2.importId, status: 'completed' },
    ]);
  });

  it('keeps every append under the store\'s 1 MiB limit, even with the longest fields allowed', async () => {
    const long = (char: string, length: number) => char.repeat(length);
    const rows = Array.from({ length: 400 }, (_, i) => `${long('É', 200)};${long('œ', 200)};1970-01-01;${long('€', 500)};${long('é', 50)};${long('ü', 50)};ID-${i}`);
    const outcome = await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, ...rows]) });
    expect(outcome).toMatchObject({ status: 'imported', rows: 400 });
    const sizes = (await fx.events()).filter((e) => e.type === 'ElectoralRollBatchImported').map((e) => Buffer.byteLength(JSON.stringify(e.data)));
    // 400 rows of about 4.5 KB each: 1.8 MB in all, so the appends were cut by size, not by count.
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThan(1024 * 1024);
  });

  it('accepts English headers, columns in any order, commas, quotes, CRLF, a BOM, DD/MM/YYYY dates; ignores extra columns', async () => {
    const file = fx.file([
      '\ufeffroll_identifier,Last Name,First-Names,Birth Date,Address,Arrondissement,Polling Station,Notes\r',
      '75104000123,Kosciusko-Morizet,Nathalie,14/05/1973,"12, rue de Rivoli",04,4-02,"a ""note"""\r',
    ]);
    const outcome = await fx.rollImporter.import({ electionId: E, file });
    expect(outcome).toMatchObject({ status: 'imported', rows: 1, ignoredColumns: ['Notes'] });
    await fx.catchUp();
    const match = await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' });
    expect(await fx.lookup.findEntry(E, match!.rollEntryId)).toMatchObject({ arrondissement: '4', address: '12, rue de Rivoli', birthDate: '1973-05-14' });
  });

  describe('an invalid file is refused with line numbers, and nothing is written', () => {
    const cases: Array<[string, string[], Array<{ line: number; message: RegExp }>]> = [
      ['a missing column', ['nom;prenoms;date_naissance;adresse;arrondissement;identifiant', 'Dupont;Jean;1950-07-14;1 place;11;75111000001'], [{ line: 1, message: /missing column "bureau"/ }]],
      ['a bad date', [ROLL_HEADER, NKM, 'Dupont;Jean;1950-02-30;1 place;11;11-01;75111000001'], [{ line: 3, message: /bad birth date "1950-02-30"/ }]],
      ['an empty identifier', [ROLL_HEADER, 'Dupont;Jean;1950-07-14;1 place;11;11-01;', NKM], [{ line: 2, message: /empty roll identifier/ }]],
      ['a duplicate identifier', [ROLL_HEADER, NKM, NDIAYE, DUPONT, `Autre;Personne;1990-01-01;2 rue;4;4-02;75104000123`], [{ line: 5, message: /duplicate roll identifier "75104000123" \(already on line 2\)/ }]],
      ['a wrong number of fields', [ROLL_HEADER, NKM, 'Dupont;Jean;1950-07-14;11;11-01;75111000001'], [{ line: 3, message: /wrong number of fields/ }]],
      ['an unclosed quote', [ROLL_HEADER, NKM, 'Dupont;"Jean;1950-07-14;1 place;11;11-01;75111000001'], [{ line: 3, message: /never closed/ }]],
      ['an empty last name', [ROLL_HEADER, ';Jean;1950-07-14;1 place;11;11-01;75111000001'], [{ line: 2, message: /empty nom/ }]],
      ['an empty file', [''], [{ line: 1, message: /empty/ }]],
      [
        'several problems at once, in line order',
        [ROLL_HEADER, 'Dupont;Jean;hier;1 place;11;11-01;', NKM, 'Durand;Paul;1960-01-01;2 rue;;11-01;75111000009'],
        [
          { line: 2, message: /bad birth date "hier"/ },
          { line: 2, message: /empty roll identifier/ },
          { line: 4, message: /empty arrondissement/ },
        ],
      ],
    ];

    it.each(cases)('%s', async (_label, lines, expected) => {
      const good = await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, DUPONT]) });
      const head = await fx.store.headPosition();
      const keysBefore = fx.vault.statistics();
      const file = fx.file(lines);
      let error: unknown;
      try {
        await fx.rollImporter.import({ electionId: E, file });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidCsvFileError);
      const invalid = error as InvalidCsvFileError;
      expect(invalid.issues.map((issue) => ({ line: issue.line, message: issue.message }))).toEqual(
        expected.map((issue) => ({ line: issue.line, message: expect.stringMatching(issue.message) })),
      );
      expect(invalid.totalIssues).toBe(expected.length);
      expect(invalid.message).toContain(`line ${expected[0]!.line}`);
      expect(invalid.message).toContain('nothing was imported');
      // Nothing written: no event, no key; the version in force is still the good one.
      expect(await fx.store.headPosition()).toBe(head);
      expect(fx.vault.statistics()).toEqual(keysBefore);
      await fx.catchUp();
      expect((await fx.lookup.activeVersions(E)).roll?.importId).toBe(good.importId);
    });
  });

  it('a forgotten subject shows [erased], stops matching, and stays blank in later versions', async () => {
    await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, NKM, NDIAYE]) });
    await fx.catchUp();
    const match = await fx.lookup.findByIdentity(E, { lastName: "N'Diaye", firstNames: 'Élodie Marie', birthDate: '1985-11-30' });
    const subject = match!.rollEntryId;

    await forgetSubject({ store: fx.store, vault: fx.vault, clock: { now: () => new Date() } }, ForgetSubjectCommand.from({ subject, reason: 'request of the person, ticket 42' }, 'test'));
    await fx.catchUp();
    expect(await fx.lookup.findEntry(E, subject)).toMatchObject({
      rollEntryId: subject,
      arrondissement: '20',
      pollingStation: '20-11',
      lastName: '[erased]',
      firstNames: '[erased]',
      birthDate: '[erased]',
      address: '[erased]',
      rollIdentifier: '[erased]',
      erased: true,
    });
    expect(await fx.lookup.findByIdentity(E, { lastName: "N'Diaye", firstNames: 'Élodie Marie', birthDate: '1985-11-30' })).toBeNull();
    expect(fx.lookup.search(E, { lastName: 'ndiaye' })).toEqual([]);

    // A later version of the roll still lists the person (same roll identifier), without personal data.
    const v2 = await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, NKM, NDIAYE, DUPONT]) });
    const batch = (await fx.events()).find((e) => e.type === 'ElectoralRollBatchImported' && (e.data as unknown as ElectoralRollBatchData).importId === v2.importId)!;
    const blank = (batch.data as unknown as ElectoralRollBatchData).entries.find((entry) => entry.rollEntryId === subject);
    expect(blank).toEqual({ rollEntryId: subject, arrondissement: '20', pollingStation: '20-11', identityIndex: null, sealed: null });
    await fx.catchUp();
    expect(await fx.lookup.findEntry(E, subject)).toMatchObject({ lastName: '[erased]', erased: true, version: 2 });
    expect(await fx.lookup.findByIdentity(E, { lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' })).not.toBeNull();
  });

  it('writes no plaintext name, first name, birth date, address or roll identifier to events.sqlite', async () => {
    await fx.rollImporter.import({ electionId: E, file: fx.file([ROLL_HEADER, NKM, NDIAYE, ESTAING, DUPONT, HOMONYM]) });
    await fx.officialsImporter.import({ electionId: E, file: fx.file(['identifiant;nom;prenoms;mandat;arrondissement', 'ELU-1;Hidalgo;Anne;maire;']) });
    const files = ['events.sqlite', 'events.sqlite-wal'].map((name) => `${fx.dir}/${name}`).filter(existsSync);
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    const secrets = [
      'Kosciusko', 'Morizet', 'Nathalie', 'Diaye', 'Élodie', 'Estaing', 'Lœtitia', 'Dupont', 'DUPONT', 'Jean-Pierre',
      '1973-05-14', '1985-11-30', '1962-02-01', '1950-07-14', '14/07/1950',
      'rue de Rivoli', 'Belleville', 'Saint-Exupéry', 'République', 'Oberkampf',
      '75104000123', '75120000456', '75116000789', '75111000001', '75111000002',
    ];
    for (const secret of secrets) expect({ secret, found: bytes.includes(Buffer.from(secret, 'utf8')) }).toEqual({ secret, found: false });
    // The scan does see what is stored in clear: districts, polling stations, officials' names.
    for (const visible of ['4-02', '20-11', 'Hidalgo', 'ElectoralRollBatchImported']) expect(bytes.includes(Buffer.from(visible, 'utf8'))).toBe(true);
  });
});

describe('elected officials import', () => {
  let fx: ReferenceDataFixture;
  beforeEach(() => {
    fx = new ReferenceDataFixture();
  });
  afterEach(async () => {
    await fx.close();
  });
  const HEADER = 'identifiant;nom;prenoms;mandat;arrondissement';

  it('imports the list in clear, versioned like the roll; lookups see the active version', async () => {
    const v1 = await fx.officialsImporter.import({ electionId: E, file: fx.file([HEADER, "ELU-1;Hidalgo;Anne;maire d'arrondissement;", 'ELU-2;Dati;Rachida;maire;7e', 'ELU-3;Goasguen;Claude;député;16']) });
    expect(v1).toMatchObject({ status: 'imported', version: 1, rows: 3 });
    const events = await fx.events();
    expect(events.map((e) => e.type)).toEqual(['ElectedOfficialsImportStarted', 'ElectedOfficialsBatchImported', 'ElectedOfficialsImportCompleted']);
    expect((events[1]!.data as { entries: unknown[] }).entries[1]).toEqual({ officialId: 'ELU-2', lastName: 'Dati', firstNames: 'Rachida', mandate: 'maire', arrondissement: '7' });
    await fx.catchUp();
    expect(await fx.lookup.findOfficial(E, 'ELU-2')).toEqual({ officialId: 'ELU-2', lastName: 'Dati', firstNames: 'Rachida', mandate: 'maire', arrondissement: '7' });
    expect(await fx.lookup.findOfficial(E, 'ELU-9')).toBeNull();

    const head = await fx.store.headPosition();
    expect(await fx.officialsImporter.import({ electionId: E, file: fx.file([HEADER, "ELU-1;Hidalgo;Anne;maire d'arrondissement;", 'ELU-2;Dati;Rachida;maire;7e', 'ELU-3;Goasguen;Claude;député;16']) })).toMatchObject({ status: 'unchanged', version: 1 });
    expect(await fx.store.headPosition()).toBe(head);

    const v2 = await fx.officialsImporter.import({ electionId: E, file: fx.file(['official_identifier,last_name,first_names,mandate,district', 'ELU-2,Dati,Rachida,maire,7', 'ELU-4,Juppé,Alain,sénateur,']) });
    expect(v2).toMatchObject({ status: 'imported', version: 2, rows: 2 });
    await fx.catchUp();
    expect(readActiveOfficials(fx.db, E).map((o) => o.officialId)).toEqual(['ELU-2', 'ELU-4']);
    expect(await fx.lookup.findOfficial(E, 'ELU-1')).toBeNull();
    expect((await fx.lookup.activeVersions(E)).officials).toMatchObject({ version: 2, rows: 2 });
  });

  it('refuses a duplicate official identifier and an empty mandate, with line numbers', async () => {
    await expect(fx.officialsImporter.import({ electionId: E, file: fx.file([HEADER, 'ELU-1;Hidalgo;Anne;maire;', 'ELU-2;Dati;Rachida;;7', 'ELU-1;Autre;Personne;maire;3']) })).rejects.toMatchObject({
      issues: [
        { line: 3, column: 'mandat', message: 'empty mandat' },
        { line: 4, column: 'identifiant', message: 'duplicate official identifier "ELU-1" (already on line 2)' },
      ],
    });
    expect(await fx.store.headPosition()).toBeNull();
  });
});
