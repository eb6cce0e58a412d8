/**
 * The canonical JSON text of a value, as the ledger chain hashes it: RFC 8785 (JSON
 * Canonicalization Scheme) for the JSON that Urne stores. Object keys are sorted recursively by
 * UTF-16 code units (JavaScript's default string order, which is what RFC 8785 prescribes); no
 * whitespace; strings and numbers are written as ECMAScript's JSON.stringify writes them (which is
 * RFC 8785's number form: shortest round-trip, `1e+21`, `-0` as `0`); array order is kept.
 * `undefined` members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonical JSON has no bigint: write it as a decimal string');
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (lone surrogates, which JSON.stringify escapes, never reach here). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new TypeError('not lower-case hexadecimal');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
