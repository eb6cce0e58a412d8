import { pino } from 'pino';

export const REDACTED = '[REDACTED]';

/** Key fragments that mark a secret, matched case-insensitively, ignoring `_` and `-`. */
const SECRET_FRAGMENTS = ['password', 'passwd', 'passphrase', 'token', 'secret', 'credential', 'privatekey', 'authorization', 'cookie', 'apikey'];
/** Keys ending in "code" are secrets here (access code, authentication code)... */
const CODE_SUFFIX = 'code';
/** ...except these well-known, harmless ones. */
const HARMLESS_CODES = new Set(['statuscode', 'exitcode', 'errorcode', 'httpcode', 'countrycode', 'languagecode', 'postalcode', 'zipcode']);

const MAX_DEPTH = 12;

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Whether a key names a secret: password, token, code, credential, secret, privateKey,
 * authorization (and close variants such as accessCode, refresh_token, x-api-key).
 * `code` is spared inside error objects, where it is a machine-readable error code.
 */
export function isSecretKey(key: string, inError = false): boolean {
  const name = normalise(key);
  if (SECRET_FRAGMENTS.some((fragment) => name.includes(fragment))) return true;
  if (name === CODE_SUFFIX) return !inError;
  return name.endsWith(CODE_SUFFIX) && !HARMLESS_CODES.has(name);
}

/**
 * Returns a copy of `value` with every secret-looking key replaced by "[REDACTED]", at any depth.
 * Errors are serialised first (pino's standard error serializer) so their own fields are redacted too.
 * Objects that hold no secret are returned as they are (no copy).
 */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0, false, new WeakSet()) as T;
}

function walk(value: unknown, depth: number, inError: boolean, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return walk(pino.stdSerializers.err(value), depth, true, seen);
  if (seen.has(value) || depth >= MAX_DEPTH) return value;
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof Map || value instanceof Set) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, index) => {
        const next = walk(item, depth + 1, inError, seen);
        if (next !== item) (copy ??= [...value])[index] = next;
      });
      return copy ?? value;
    }
    const isError = inError || ('stack' in value && 'message' in value && 'type' in value);
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const next = isSecretKey(key, isError) ? (item === undefined || item === null ? item : REDACTED) : walk(item, depth + 1, isError, seen);
      if (next !== item) (copy ??= { ...value })[key] = next;
    }
    return copy ?? value;
  } finally {
    seen.delete(value);
  }
}
