import { DomainError } from '../../shared/decider.js';

/**
 * Reading the JSON of the threshold messages. Every refusal is a `DomainError` with code
 * `MalformedThresholdMessage` naming the offending field. Serialization follows belenios-tool
 * (atdgen): fields in the order of the specification, no spaces, numbers as base-10 strings.
 */
export function malformed(what: string, reason: string): DomainError<'MalformedThresholdMessage'> {
  return new DomainError('MalformedThresholdMessage', `${what}: ${reason}`, { what });
}

export function object(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformed(what, 'must be a JSON object');
  return json as Record<string, unknown>;
}

export function array(json: unknown, what: string): unknown[] {
  if (!Array.isArray(json)) throw malformed(what, 'must be a JSON array');
  return json;
}

export function string(json: unknown, what: string): string {
  if (typeof json !== 'string') throw malformed(what, 'must be a string');
  return json;
}

export function bigNumber(json: unknown, what: string): bigint {
  if (typeof json !== 'string' || !/^\d+$/.test(json)) throw malformed(what, 'must be a base-10 number in a string');
  return BigInt(json);
}

/** Parses JSON text, refusing it as `what` when it is not JSON. */
export function parseText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformed(what, 'is not JSON text');
  }
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

export function mod(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

/** Lowercase hexadecimal, as belenios-tool writes it. */
export function toHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX[bytes[i]!]!;
  return parts.join('');
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function fromHex(hex: string, what: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw malformed(what, 'must be hexadecimal');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
