/**
 * Staff usernames: 2 to 64 characters among lower-case letters, digits and `. _ @ -`, starting
 * with a letter or a digit. They are compared after normalisation (Unicode NFKC, trimmed, lower
 * case), so "Alice" and "alice" are the same account; the normalised form is the id of the
 * `staffname-<username>` stream that makes them unique.
 */
const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

export function normaliseUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

/** The normalised username, or null when it does not follow the rule above. */
export function parseUsername(raw: string): string | null {
  const username = normaliseUsername(raw);
  return USERNAME.test(username) ? username : null;
}

export const USERNAME_RULE = '2 to 64 characters: lower-case letters, digits, ".", "_", "@" or "-", starting with a letter or a digit';
