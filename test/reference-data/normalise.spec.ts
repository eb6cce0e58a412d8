import { describe, expect, it } from '@jest/globals';
import { normaliseArrondissement, normaliseName, parseBirthDate, rollIdentityKey } from '../../src/domain/reference-data/normalise.js';

describe('normaliseName', () => {
  it.each([
    ['Kosciusko-Morizet', 'kosciuskomorizet'],
    ['KOSCIUSKO MORIZET', 'kosciuskomorizet'],
    ["N'Diaye", 'ndiaye'],
    ['N’DIAYE', 'ndiaye'],
    ['N Diaye', 'ndiaye'],
    ['d’Estaing', 'destaing'],
    ["D'ESTAING", 'destaing'],
    ['ÉLODIE  marie', 'elodiemarie'],
    ['Élodie-Marie', 'elodiemarie'],
    ['  élodie\tmarie ', 'elodiemarie'],
    ['Lœtitia', 'loetitia'],
    ['LŒTITIA', 'loetitia'],
    ['Lætitia', 'laetitia'],
    ['Weiß', 'weiss'],
    ['Øster', 'oster'],
    ['Łukasz', 'lukasz'],
    ['Noël', 'noel'],
    ['Maëlle', 'maelle'],
    ['François', 'francois'],
    ['Hélène', 'helene'],
    ['Saint-Exupéry', 'saintexupery'],
    ['de La Fontaine', 'delafontaine'],
    ['Martínez', 'martinez'],
    ['Jean-Pierre', 'jeanpierre'],
  ])('%s → %s', (name, expected) => {
    expect(normaliseName(name)).toBe(expected);
  });

  it('composed and decomposed accents give the same result', () => {
    expect(normaliseName('E\u0301lodie')).toBe(normaliseName('\u00c9lodie'));
  });

  it('keeps different names different', () => {
    expect(normaliseName('Martin')).not.toBe(normaliseName('Martine'));
    expect(normaliseName('Dupont')).not.toBe(normaliseName('Dupond'));
  });
});

describe('parseBirthDate', () => {
  it.each([
    ['1973-05-14', '1973-05-14'],
    [' 1973-05-14 ', '1973-05-14'],
    ['14/05/1973', '1973-05-14'],
    ['4/5/1973', '1973-05-04'],
    ['2000-02-29', '2000-02-29'],
  ])('%s → %s', (text, expected) => {
    expect(parseBirthDate(text)).toBe(expected);
  });

  it.each(['', '1973-5-14', '1973-13-01', '1973-02-30', '1900-02-29', '14-05-1973', '1973/05/14', 'hier', '1850-01-01', '1973-05-14T00:00'])(
    'refuses %j',
    (text) => {
      expect(parseBirthDate(text)).toBeNull();
    },
  );
});

describe('rollIdentityKey', () => {
  const reference = rollIdentityKey({ lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-14' });

  it('is the normalised last name, first names and ISO birth date', () => {
    expect(reference).toBe('kosciuskomorizet|nathalie|1973-05-14');
  });

  it('ignores case, accents, hyphens, apostrophes and spaces, and the date notation', () => {
    expect(rollIdentityKey({ lastName: 'KOSCIUSKO MORIZET', firstNames: ' nathalie ', birthDate: '14/05/1973' })).toBe(reference);
    expect(rollIdentityKey({ lastName: 'N’Diaye', firstNames: 'ÉLODIE  marie', birthDate: '1990-01-02' })).toBe(
      rollIdentityKey({ lastName: "n'diaye", firstNames: 'Elodie-Marie', birthDate: '1990-01-02' }),
    );
  });

  it('differs on a different birth date, and is null on a bad one', () => {
    expect(rollIdentityKey({ lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-05-15' })).not.toBe(reference);
    expect(rollIdentityKey({ lastName: 'Kosciusko-Morizet', firstNames: 'Nathalie', birthDate: '1973-02-31' })).toBeNull();
  });

  it('does not let a name spill into the first names', () => {
    expect(rollIdentityKey({ lastName: 'Jean', firstNames: 'Pierre Marie', birthDate: '1973-05-14' })).not.toBe(
      rollIdentityKey({ lastName: 'Jean Pierre', firstNames: 'Marie', birthDate: '1973-05-14' }),
    );
  });
});

describe('normaliseArrondissement', () => {
  it.each([
    ['1', '1'],
    ['01', '1'],
    ['1er', '1'],
    ['1e', '1'],
    ['2ème', '2'],
    ['20e', '20'],
    [' 15 ', '15'],
    ['Paris Centre', 'Paris Centre'],
  ])('%s → %s', (text, expected) => {
    expect(normaliseArrondissement(text)).toBe(expected);
  });
});
