/**
 * Normalised identities, for matching a person to the electoral roll whatever the spelling:
 * "KOSCIUSKO-MORIZET Nathalie" and "Kosciusko Morizet nathalie", "N'Diaye" and "N’DIAYE",
 * "ÉLODIE  marie" and "Elodie-Marie", "Lœtitia" and "LOETITIA" are the same name.
 *
 * The normalised form is what the blind index of a roll entry is computed from
 * (`vault.blindIndex('roll-identity', rollIdentityKey(identity))`), so the roll import and every
 * look-up (registration, support) must call these same functions. Changing them invalidates every
 * stored identity index: that is a new import of the roll, never a silent edit.
 */

/** Letters that Unicode decomposition (NFD) does not split into a base letter and marks. */
const FOLDED_LETTERS: Readonly<Record<string, string>> = {
  œ: 'oe',
  æ: 'ae',
  ß: 'ss',
  ẞ: 'ss',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ĳ: 'ij',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDED_LETTERS).join('')}]`, 'gu');
const COMBINING_MARKS = /\p{M}/gu;
/** Everything that is neither a letter nor a digit: spaces, hyphens, apostrophes (' ’ ‘ ʼ), dots… */
const SEPARATORS = /[^\p{L}\p{N}]+/gu;

/**
 * A name reduced to lower-case letters and digits without accents: case, accents and ligatures
 * are folded (é → e, œ → oe), and separators (spaces, hyphens, apostrophes, dots) are dropped, so
 * "Jean-Marie", "jean marie" and "JEAN  MARIE" give "jeanmarie", and "N'Diaye", "N’Diaye" and
 * "NDIAYE" give "ndiaye".
 */
export function normaliseName(name: string): string {
  return name
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(FOLDABLE, (letter) => FOLDED_LETTERS[letter] ?? letter)
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SEPARATORS, '');
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FRENCH_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/**
 * A birth date as `YYYY-MM-DD`, or null when the text is not a real calendar date. Accepts
 * `YYYY-MM-DD` and the French `DD/MM/YYYY` (`JJ/MM/AAAA`); years before 1880 are refused.
 * Matching is on the exact date: a different day is a different person.
 */
export function parseBirthDate(text: string): string | null {
  const trimmed = text.trim();
  let year: number;
  let month: number;
  let day: number;
  const iso = ISO_DATE.exec(trimmed);
  if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = Number(iso[3]);
  } else {
    const french = FRENCH_DATE.exec(trimmed);
    if (!french) return null;
    day = Number(french[1]);
    month = Number(french[2]);
    year = Number(french[3]);
  }
  if (year < 1880 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Who a person says they are: what a registration form and a roll entry have in common. */
export interface RollIdentity {
  lastName: string;
  firstNames: string;
  /** `YYYY-MM-DD` (or `DD/MM/YYYY`). */
  birthDate: string;
}

/**
 * The string whose blind index identifies a roll entry: `lastname|firstnames|YYYY-MM-DD`, each
 * part normalised. Null when the birth date is not a date (nothing can match it).
 */
export function rollIdentityKey(identity: RollIdentity): string | null {
  const birthDate = parseBirthDate(identity.birthDate);
  if (birthDate === null) return null;
  return `${normaliseName(identity.lastName)}|${normaliseName(identity.firstNames)}|${birthDate}`;
}

/** The purpose under which roll identities are blind-indexed by the personal data vault. */
export const ROLL_IDENTITY_PURPOSE = 'roll-identity';

/**
 * An arrondissement (district) as stored in clear: trimmed; numeric forms are reduced to the
 * number ("01", "1er", "1e", "1ème" → "1") so that spread rules count districts, not spellings.
 */
export function normaliseArrondissement(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  const numeric = /^0*(\d+)\s*(?:er|re|e|eme|ème|è|°)?$/iu.exec(trimmed);
  if (numeric) return numeric[1] === '' ? '0' : String(Number(numeric[1]));
  return trimmed;
}

/** A keyed hash function (the personal data vault's `blindIndex`). */
export type BlindIndexFunction = (purpose: string, value: string) => string;

/**
 * The blind index of an identity, as stored in roll entries: what registration and support look
 * a person up with. Null when the birth date is not a date.
 */
export function rollIdentityIndex(blindIndex: BlindIndexFunction, identity: RollIdentity): string | null {
  const key = rollIdentityKey(identity);
  return key === null ? null : blindIndex(ROLL_IDENTITY_PURPOSE, key);
}
