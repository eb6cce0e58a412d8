import { DomainError } from '../shared/decider.js';

/**
 * JSON helpers for the Belenios 2.0 messages (specification section 4). Big numbers (G, Zq, N)
 * are base-10 strings; small integers (I) are JSON numbers. Hashes that must match belenios-tool
 * are taken over a compact serialization with the fields in the specification's order, so every
 * serializer here builds its objects in that order and `compactJson` keeps insertion order.
 */

/** Malformed input: a missing field, a wrong type, a number that is not base 10. */
export class BeleniosFormatError extends DomainError<'BeleniosFormat'> {
  constructor(message: string) {
    super('BeleniosFormat', message);
  }
}

export type JsonObject = { readonly [key: string]: unknown };

const BASE_10 = /^[0-9]+$/;

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BeleniosFormatError(`${what} is not JSON`);
  }
}

export function readObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BeleniosFormatError(`${what} must be an object`);
  return value as JsonObject;
}

export function readArray(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new BeleniosFormatError(`${what} must be an array`);
  return value;
}

export function readString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new BeleniosFormatError(`${what} must be a string`);
  return value;
}

export function readBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new BeleniosFormatError(`${what} must be a boolean`);
  return value;
}

/** A small integer (I): a JSON number that is a safe integer. */
export function readInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new BeleniosFormatError(`${what} must be an integer`);
  return value;
}

/** A big integer written in base 10 in a JSON string (G, Zq, N). */
export function readBigInt(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !BASE_10.test(value)) throw new BeleniosFormatError(`${what} must be a base-10 number in a string`);
  return BigInt(value);
}

/**
 * A weight (or a count of weights): belenios-tool 2.0 writes it as a JSON number below 2^30
 * and as a base-10 string from 2^30 on; both are read.
 */
export function readWeight(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && BASE_10.test(value)) return BigInt(value);
  throw new BeleniosFormatError(`${what} must be a non-negative integer (number or base-10 string)`);
}

const WEIGHT_AS_NUMBER_LIMIT = 1n << 30n;

/** The JSON value of a weight as belenios-tool writes it (number below 2^30, string above). */
export function weightToJson(weight: bigint): number | string {
  return weight < WEIGHT_AS_NUMBER_LIMIT ? Number(weight) : weight.toString();
}

/** A required field of an object. */
export function field(object: JsonObject, name: string, what: string): unknown {
  if (!Object.hasOwn(object, name)) throw new BeleniosFormatError(`${what}.${name} is missing`);
  return object[name];
}

/** An optional field: undefined when absent. */
export function optionalField(object: JsonObject, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

/** Reads every element of an array with `read`, naming each element in errors. */
export function readList<T>(value: unknown, what: string, read: (element: unknown, what: string) => T): T[] {
  return readArray(value, what).map((element, index) => read(element, `${what}[${index}]`));
}

/**
 * Compact JSON (no whitespace), object fields in insertion order, bigints as base-10 strings:
 * the serialization Belenios hashes. Callers build objects in the specification's field order.
 */
export function compactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
