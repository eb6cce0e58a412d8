/**
 * Personal data as the domain sees it. Names, birth dates, addresses, e-mails and phones never
 * appear in events in clear: the application seals them with the personal data vault (one key per
 * person, the "subject", kept outside the log) and events carry the sealed value. The domain may
 * hold and pass sealed values around, compare subjects, and say "erased"; it never opens them
 * (opening needs the key, which lives in infrastructure behind the PersonalDataVault port).
 *
 * Once a subject is forgotten (crypto-shredding), its sealed values stay in the log, intact and
 * verifiable, but nobody can read them: readers show ERASED instead.
 */

/** What an event carries instead of the fields: JSON-safe, opaque, bound to its subject. */
export interface SealedPersonalData {
  readonly sealed: 'v1';
  /** The person this belongs to (a roll entry id, a registration id…): whose key opens it. */
  readonly subject: string;
  /** Base64url initialisation vector (96 bits). */
  readonly iv: string;
  /** Base64url ciphertext followed by the 128-bit authentication tag. */
  readonly data: string;
}

/** Opened fields, or null once the subject was forgotten (what `PersonalDataVault.open` returns). */
export type OpenedPersonalData = Readonly<Record<string, string>> | null;

/** How an erased field is shown, in read models, APIs, exports and audit reports. */
export const ERASED = '[erased]';

/** Whether `value` has the shape of a sealed value (it says nothing of whether it opens). */
export function isSealedPersonalData(value: unknown): value is SealedPersonalData {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.sealed === 'v1' &&
    typeof candidate.subject === 'string' &&
    typeof candidate.iv === 'string' &&
    typeof candidate.data === 'string'
  );
}

/** Whether opened fields are those of a forgotten subject. */
export function isErased(fields: OpenedPersonalData): fields is null {
  return fields === null;
}

/**
 * A field for display: its value, ERASED when the subject was forgotten, or `missing` (default
 * '') when these fields never had it.
 *
 *   displayOrErased(vault.open(event.data.identity), 'lastName')   // 'Dupont' or '[erased]'
 */
export function displayOrErased(fields: OpenedPersonalData, name: string, missing = ''): string {
  if (fields === null) return ERASED;
  return Object.prototype.hasOwnProperty.call(fields, name) ? (fields[name] ?? missing) : missing;
}
