/**
 * A minimal tar writer and reader over Uint8Array, for regular files only.
 *
 * The writer produces the "old-style" (version 7) headers that belenios-tool 2.0 writes, byte for
 * byte: name NUL-padded to 100 bytes; mode "0000644\0"; uid and gid "0000000\0"; size and mtime as
 * 11 octal digits and a NUL; checksum as 6 octal digits, a NUL and a space; typeflag '0'; every
 * other byte (link name, no "ustar" magic, no owner names) NUL. Contents are padded with NULs to
 * a 512-byte boundary. The end-of-archive marker (two zero blocks) is a separate chunk,
 * {@link tarEndOfArchive}: an append-only archive is written without it (belenios-tool writes none
 * and refuses a .bel file that has one).
 *
 * The reader accepts what standard tar tools write for regular files (v7, ustar with a name
 * prefix, an optional end-of-archive marker), validates each header checksum, the numeric fields
 * and the sizes, and refuses anything else with a {@link TarError}.
 */

export const TAR_BLOCK_SIZE = 512;
/** The longest name a v7 header holds, in UTF-8 bytes. */
export const TAR_MAX_NAME_BYTES = 100;
/** The largest size or mtime 11 octal digits hold: 8^11 - 1. */
export const TAR_MAX_OCTAL_11 = 8 ** 11 - 1;

export type TarErrorCode = 'NameTooLong' | 'BadName' | 'TooLarge' | 'BadChecksum' | 'BadHeader' | 'Truncated' | 'UnsupportedType' | 'TrailingData';

export class TarError extends Error {
  override readonly name = 'TarError';
  constructor(
    readonly code: TarErrorCode,
    message: string,
    /** Byte offset of the offending header or data, when there is one. */
    readonly offset?: number,
  ) {
    super(message);
  }
}

export interface TarFileInput {
  readonly name: string;
  readonly content: Uint8Array;
  /** Modification time, seconds since the epoch (integer, 0 ≤ mtime < 8^11). */
  readonly mtime: number;
  /** Permission bits; 0o644 when absent. */
  readonly mode?: number;
}

export interface TarMember {
  readonly name: string;
  /** A view into the archive's bytes (not a copy). */
  readonly content: Uint8Array;
  readonly size: number;
  readonly mtime: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** '0' (or NUL, its v7 spelling): a regular file. */
  readonly typeflag: string;
  /** Offset of the member's header in the archive. */
  readonly offset: number;
  /** The header and padding are exactly what {@link tarFile} writes for this name, content, mtime and mode. */
  readonly canonical: boolean;
}

export interface TarContents {
  readonly members: readonly TarMember[];
  /** True when the archive ends with an end-of-archive marker (zero blocks) rather than after the last member. */
  readonly endMarker: boolean;
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** One member: its header, its content and the padding to the next block. */
export function tarFile(file: TarFileInput): Uint8Array {
  const size = file.content.length;
  const out = new Uint8Array(TAR_BLOCK_SIZE + paddedSize(size));
  out.set(tarHeader(file.name, size, file.mtime, file.mode ?? 0o644), 0);
  out.set(file.content, TAR_BLOCK_SIZE);
  return out;
}

/** The end-of-archive marker: two zero blocks. */
export function tarEndOfArchive(): Uint8Array {
  return new Uint8Array(2 * TAR_BLOCK_SIZE);
}

/** A whole archive: the members in order, then (by default) the end-of-archive marker. */
export function writeTar(files: readonly TarFileInput[], options: { endMarker?: boolean } = {}): Uint8Array {
  const chunks = files.map(tarFile);
  if (options.endMarker ?? true) chunks.push(tarEndOfArchive());
  return concatBytes(chunks);
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function tarHeader(name: string, size: number, mtime: number, mode: number): Uint8Array {
  const nameBytes = encoder.encode(name);
  if (nameBytes.length === 0 || name.includes('\0')) throw new TarError('BadName', `a tar member name must be non-empty and without NUL: ${JSON.stringify(name)}`);
  if (nameBytes.length > TAR_MAX_NAME_BYTES) throw new TarError('NameTooLong', `the name ${JSON.stringify(name)} is ${nameBytes.length} bytes long; an old-style tar header holds at most ${TAR_MAX_NAME_BYTES}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > TAR_MAX_OCTAL_11) throw new TarError('TooLarge', `a tar member holds at most ${TAR_MAX_OCTAL_11} bytes (${size} given)`);
  if (!Number.isSafeInteger(mtime) || mtime < 0 || mtime > TAR_MAX_OCTAL_11) throw new TarError('BadHeader', `the mtime must be an integer between 0 and ${TAR_MAX_OCTAL_11} (${mtime} given)`);
  if (!Number.isSafeInteger(mode) || mode < 0 || mode > 0o7777777) throw new TarError('BadHeader', `bad mode ${mode}`);
  const header = new Uint8Array(TAR_BLOCK_SIZE);
  header.set(nameBytes, 0);
  header.set(octal(mode, 7), 100);
  header.set(octal(0, 7), 108); // uid
  header.set(octal(0, 7), 116); // gid
  header.set(octal(size, 11), 124);
  header.set(octal(mtime, 11), 136);
  header[156] = 0x30; // typeflag '0': regular file
  header.set(checksumField(headerChecksum(header)), 148);
  return header;
}

/** `digits` octal digits, zero-padded, then a NUL. */
function octal(value: number, digits: number): Uint8Array {
  return encoder.encode(`${value.toString(8).padStart(digits, '0')}\0`);
}

/** 6 octal digits, NUL, space: the traditional spelling. */
function checksumField(sum: number): Uint8Array {
  return encoder.encode(`${sum.toString(8).padStart(6, '0')}\0 `);
}

/** Sum of the header's bytes, the checksum field counted as eight spaces; also the signed-byte sum some old tars used. */
function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

function signedHeaderChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i]! << 24) >> 24;
  return sum;
}

function paddedSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK_SIZE) * TAR_BLOCK_SIZE;
}

function isZeroBlock(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + TAR_BLOCK_SIZE; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** An octal numeric field: optional leading spaces, octal digits, then NULs or spaces. */
function parseOctal(field: Uint8Array, what: string, offset: number): number {
  const text = latin1.decode(field);
  const match = /^ *([0-7]+)[ \0]*$/.exec(text);
  if (!match) throw new TarError('BadHeader', `the ${what} field of the tar header at offset ${offset} is not an octal number: ${JSON.stringify(text)}`, offset);
  const value = Number.parseInt(match[1]!, 8);
  if (!Number.isSafeInteger(value)) throw new TarError('BadHeader', `the ${what} field of the tar header at offset ${offset} is too large`, offset);
  return value;
}

function cString(field: Uint8Array): Uint8Array {
  const end = field.indexOf(0);
  return end < 0 ? field : field.subarray(0, end);
}

/** Reads every member; refuses a bad checksum, a bad numeric field, a truncated member, a non-regular file, or data after the end marker. */
export function readTar(bytes: Uint8Array): TarContents {
  const members: TarMember[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < TAR_BLOCK_SIZE) throw new TarError('Truncated', `the archive ends in the middle of a block at offset ${offset} (${bytes.length - offset} bytes left)`, offset);
    if (isZeroBlock(bytes, offset)) {
      for (let i = offset; i < bytes.length; i++) {
        if (bytes[i] !== 0) throw new TarError('TrailingData', `data after the end-of-archive marker at offset ${i}`, i);
      }
      return { members, endMarker: true };
    }
    const header = bytes.subarray(offset, offset + TAR_BLOCK_SIZE);
    let stored: number;
    try {
      stored = parseOctal(header.subarray(148, 156), 'checksum', offset);
    } catch {
      throw new TarError('BadChecksum', `the checksum field of the tar header at offset ${offset} is not an octal number`, offset);
    }
    if (stored !== headerChecksum(header) && stored !== signedHeaderChecksum(header)) {
      throw new TarError('BadChecksum', `the tar header at offset ${offset} has checksum ${stored.toString(8)} but its bytes sum to ${headerChecksum(header).toString(8)}`, offset);
    }
    let nameBytes = cString(header.subarray(0, 100));
    const ustar = latin1.decode(header.subarray(257, 262)) === 'ustar';
    if (ustar) {
      const prefix = cString(header.subarray(345, 500));
      if (prefix.length > 0) nameBytes = concatBytes([prefix, encoder.encode('/'), nameBytes]);
    }
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      throw new TarError('BadName', `the name of the tar member at offset ${offset} is not UTF-8`, offset);
    }
    if (name.length === 0) throw new TarError('BadName', `the tar member at offset ${offset} has an empty name`, offset);
    const typeflag = String.fromCharCode(header[156]!);
    if (typeflag !== '0' && typeflag !== '\0') throw new TarError('UnsupportedType', `the tar member ${JSON.stringify(name)} at offset ${offset} is not a regular file (typeflag ${JSON.stringify(typeflag)})`, offset);
    const mode = parseOctal(header.subarray(100, 108), 'mode', offset);
    const uid = parseOctal(header.subarray(108, 116), 'uid', offset);
    const gid = parseOctal(header.subarray(116, 124), 'gid', offset);
    const size = parseOctal(header.subarray(124, 136), 'size', offset);
    const mtime = parseOctal(header.subarray(136, 148), 'mtime', offset);
    const start = offset + TAR_BLOCK_SIZE;
    const end = start + paddedSize(size);
    if (end > bytes.length) throw new TarError('Truncated', `the tar member ${JSON.stringify(name)} at offset ${offset} declares ${size} bytes but the archive ends ${bytes.length - start} bytes after its header`, offset);
    const content = bytes.subarray(start, start + size);
    let canonical = uid === 0 && gid === 0 && mode <= 0o7777777 && size <= TAR_MAX_OCTAL_11 && mtime <= TAR_MAX_OCTAL_11 && encoder.encode(name).length <= TAR_MAX_NAME_BYTES && !name.includes('\0');
    if (canonical) {
      const expected = tarHeader(name, size, mtime, mode);
      canonical = expected.every((b, i) => b === header[i]) && bytes.subarray(start + size, end).every((b) => b === 0);
    }
    members.push({ name, content, size, mtime, mode, uid, gid, typeflag, offset, canonical });
    offset = end;
  }
  return { members, endMarker: false };
}
