import { DomainError } from '../shared/decider.js';
import { GROUPS, type FiniteFieldGroup } from './groups.js';
import {
  BeleniosFormatError,
  field,
  optionalField,
  parseJsonText,
  readArray,
  readBigInt,
  readBoolean,
  readInt,
  readList,
  readObject,
  readString,
  type JsonObject,
} from './json.js';
import type { Sha256 } from './trustee-key.js';

/**
 * Questions and elections (Belenios 2.0, sections 4.9 and 4.10). The election is published as a
 * text that never changes; its fingerprint φ = HJSON(text) is hashed into every ballot and proof,
 * so we keep that exact text and never re-serialize it.
 */

/** question_h: fields in the specification's order (answers, ?blank, min, max, question). */
export interface HomomorphicQuestion {
  readonly answers: readonly string[];
  /** When true, a ciphertext for "blank" leads the choices. */
  readonly blank: boolean;
  readonly min: number;
  readonly max: number;
  readonly question: string;
}

export interface Election {
  /** The election JSON exactly as published: what φ hashes. */
  readonly text: string;
  /** φ = BASE64-no-padding(SHA256(text)). */
  readonly fingerprint: string;
  readonly version: number;
  readonly description: string;
  readonly name: string;
  readonly group: FiniteFieldGroup;
  /** y, the election public key. */
  readonly publicKey: bigint;
  readonly questions: readonly HomomorphicQuestion[];
  readonly uuid: string;
  readonly administrator?: string;
  readonly credentialAuthority?: string;
}

/** Non-homomorphic questions (4.9.2) and their shuffles (4.17) are not implemented. */
export class UnsupportedQuestionError extends DomainError<'UnsupportedQuestion'> {
  constructor(index: number, type: string) {
    super('UnsupportedQuestion', `question ${index} is of type ${type}: only homomorphic questions are supported`, { index, type });
  }
}

const UUID = /^[1-9A-HJ-NP-Za-km-z]{14,}$/;

/** Parses an election text, refusing anything but homomorphic questions, and computes φ. */
export async function parseElection(text: string, sha256: Sha256): Promise<Election> {
  const json = readObject(parseJsonText(text, 'election'), 'election');
  const groupName = readString(field(json, 'group', 'election'), 'election.group');
  const group = GROUPS[groupName as FiniteFieldGroup['name']];
  if (!Object.hasOwn(GROUPS, groupName) || !group) throw new BeleniosFormatError(`election.group: unknown group ${groupName}`);
  const uuid = readString(field(json, 'uuid', 'election'), 'election.uuid');
  if (!UUID.test(uuid)) throw new BeleniosFormatError('election.uuid must be at least 14 base-58 characters');
  const administrator = optionalField(json, 'administrator');
  const credentialAuthority = optionalField(json, 'credential_authority');
  return {
    text,
    fingerprint: await hjson(text, sha256),
    version: readInt(field(json, 'version', 'election'), 'election.version'),
    description: readString(field(json, 'description', 'election'), 'election.description'),
    name: readString(field(json, 'name', 'election'), 'election.name'),
    group,
    publicKey: readBigInt(field(json, 'public_key', 'election'), 'election.public_key'),
    questions: readArray(field(json, 'questions', 'election'), 'election.questions').map(readQuestion),
    uuid,
    ...(administrator === undefined ? {} : { administrator: readString(administrator, 'election.administrator') }),
    ...(credentialAuthority === undefined ? {} : { credentialAuthority: readString(credentialAuthority, 'election.credential_authority') }),
  };
}

function readQuestion(value: unknown, index: number): HomomorphicQuestion {
  const what = `election.questions[${index}]`;
  const json: JsonObject = readObject(value, what);
  // question_gen ({type, value}) wraps non-homomorphic questions.
  if (Object.hasOwn(json, 'type')) throw new UnsupportedQuestionError(index, String(json['type']));
  const blank = optionalField(json, 'blank');
  const question: HomomorphicQuestion = {
    answers: readList(field(json, 'answers', what), `${what}.answers`, readString),
    blank: blank === undefined ? false : readBoolean(blank, `${what}.blank`),
    min: readInt(field(json, 'min', what), `${what}.min`),
    max: readInt(field(json, 'max', what), `${what}.max`),
    question: readString(field(json, 'question', what), `${what}.question`),
  };
  if (question.answers.length === 0) throw new BeleniosFormatError(`${what} has no answers`);
  if (question.min < 0 || question.max < question.min || question.max > question.answers.length) {
    throw new BeleniosFormatError(`${what}: need 0 <= min <= max <= number of answers`);
  }
  return question;
}

/** The number of ciphertexts of an answer: one per answer, plus the leading blank one. */
export function choiceCount(question: HomomorphicQuestion): number {
  return question.answers.length + (question.blank ? 1 : 0);
}

/** HJSON(J) = BASE64(SHA256(J)) without padding (section 4.15). */
export async function hjson(text: string, sha256: Sha256): Promise<string> {
  return base64NoPadding(await sha256(text));
}

/** SHA256 in hexadecimal: the H type, used for payload references in the archive. */
export async function sha256Hex(text: string, sha256: Sha256): Promise<string> {
  let hex = '';
  for (const byte of await sha256(text)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard Base64 alphabet, no '=' padding (no Buffer or btoa in the pure domain). */
export function base64NoPadding(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += BASE64[(chunk >> (18 - 6 * c)) & 63];
  }
  return out;
}
