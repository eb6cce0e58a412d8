import { parse, type Options as CsvParseOptions } from 'csv-parse';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Streaming CSV reading for reference data files, with bounded memory whatever the file's size:
 * records are parsed and handed over one at a time (the next one is read only once the handler's
 * promise, if any, has settled), while the SHA-256 of the file's exact bytes is computed on the way.
 *
 * Accepted files: UTF-8 (a byte order mark is skipped), a header line first, fields separated by
 * `;`, `,`, a tab or `|` (detected on the header line), RFC 4180 quoting (`"…"`, `""` for a quote),
 * empty lines skipped, whitespace around fields trimmed. Header names are matched without case,
 * accents, spaces or hyphens (`Date de naissance` = `date_de_naissance`), in French or English.
 * Columns the format does not know are ignored (and reported).
 */

export interface CsvColumn<Key extends string = string> {
  key: Key;
  /** Accepted header names, already normalised (see normaliseHeader). The first is the documented one. */
  names: readonly string[];
  required: boolean;
}

/** A problem found in a file, with its line (1 is the header). */
export interface CsvIssue {
  line: number;
  column?: string;
  message: string;
}

/** The file cannot be imported: nothing was written. */
export class InvalidCsvFileError extends Error {
  readonly code = 'INVALID_CSV_FILE';
  constructor(
    readonly file: string,
    /** The first issues (at most MAX_REPORTED_ISSUES), in line order. */
    readonly issues: readonly CsvIssue[],
    /** How many issues there are in all. */
    readonly totalIssues: number,
  ) {
    super(formatIssues(file, issues, totalIssues));
    this.name = 'InvalidCsvFileError';
  }
}

export const MAX_REPORTED_ISSUES = 50;

function formatIssues(file: string, issues: readonly CsvIssue[], total: number): string {
  const lines = issues.map((issue) => `  line ${issue.line}${issue.column ? ` (${issue.column})` : ''}: ${issue.message}`);
  const more = total > issues.length ? `\n  … and ${total - issues.length} more` : '';
  return `${file} is not a valid file (${total} problem${total === 1 ? '' : 's'}); nothing was imported:\n${lines.join('\n')}${more}`;
}

/** `Prénoms` → `prenoms`, `Date de naissance` → `date_de_naissance`, `N° électeur` → `n_electeur`. */
export function normaliseHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export interface CsvReadProgress {
  /** Bytes of the file read so far. */
  bytes: number;
  totalBytes: number;
  /** Data rows handed over so far (the header excluded). */
  rows: number;
}

export interface CsvReadOptions {
  /** Called at most every `progressEveryRows` rows and once at the end. */
  onProgress?: (progress: CsvReadProgress) => void;
  progressEveryRows?: number;
}

export interface CsvReadResult {
  /** SHA-256 of the file's bytes, lower-case hex. */
  contentHash: string;
  bytes: number;
  /** Data rows (the header excluded). */
  rows: number;
  /** Header names that matched no column (ignored). */
  ignoredColumns: string[];
}

/** One data row: its values in the order of the format's columns ('' for an absent optional column). */
export interface CsvRow {
  line: number;
  values: string[];
}

const DELIMITERS = [';', ',', '\t', '|'] as const;
/** A field this long is a broken file (an unclosed quote swallowing the rest): stop, with a line number. */
const MAX_RECORD_CHARS = 64 * 1024;

/** The delimiter used on the first line: the candidate that occurs most often outside quotes. */
export function detectDelimiter(file: string): string {
  const fd = openSync(file, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    text = buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const end = text.search(/\r?\n/);
  const header = end < 0 ? text : text.slice(0, end);
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const [delimiter, count] of counts) {
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

/** Hashes and counts the bytes flowing through. */
class HashingCounter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Reads `file` and calls `onRow` for each data row, in order, waiting for its promise if it
 * returns one. Throws InvalidCsvFileError for a header that lacks a required column (or names one
 * twice) or for a syntax error (unclosed quote, wrong number of fields…), with its line.
 */
export async function readCsvFile(
  file: string,
  columns: readonly CsvColumn[],
  onRow: (row: CsvRow) => void | Promise<void>,
  options: CsvReadOptions = {},
): Promise<CsvReadResult> {
  const totalBytes = statSync(file).size;
  const delimiter = detectDelimiter(file);
  const counter = new HashingCounter();
  const parseOptions: CsvParseOptions = {
    delimiter,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: false,
    max_record_size: MAX_RECORD_CHARS,
    // Carry the line number with the record, without csv-parse's per-record info snapshot.
    on_record: (record: string[], context) => ({ line: context.lines, values: record }) as unknown as string[],
  };
  const parser = parse(parseOptions);
  const piping = pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), counter, parser);
  // Iteration below surfaces the same errors; keep this promise from being reported as unhandled.
  piping.catch(() => undefined);

  let indexes: number[] | null = null;
  const ignoredColumns: string[] = [];
  let rows = 0;
  const every = options.progressEveryRows ?? 10_000;
  const report = () => options.onProgress?.({ bytes: counter.bytes, totalBytes, rows });
  try {
    for await (const record of parser as AsyncIterable<{ line: number; values: string[] }>) {
      if (indexes === null) {
        indexes = mapHeader(file, record.values, columns, ignoredColumns);
        continue;
      }
      const values = new Array<string>(indexes.length);
      for (let i = 0; i < indexes.length; i++) {
        const index = indexes[i]!;
        values[i] = index < 0 ? '' : record.values[index]!;
      }
      rows++;
      const pending = onRow({ line: record.line, values });
      if (pending) await pending;
      if (rows % every === 0) report();
    }
    await piping;
  } catch (error) {
    parser.destroy();
    if (error instanceof InvalidCsvFileError) throw error;
    const csvError = error as Error & { code?: string; lines?: number };
    if (typeof csvError.code === 'string' && csvError.code.startsWith('CSV_')) {
      throw new InvalidCsvFileError(file, [{ line: csvError.lines ?? 0, message: describeCsvError(csvError) }], 1);
    }
    throw error;
  }
  if (indexes === null) throw new InvalidCsvFileError(file, [{ line: 1, message: 'the file is empty: expected a header line' }], 1);
  report();
  return { contentHash: counter.hash.digest('hex'), bytes: counter.bytes, rows, ignoredColumns };
}

function mapHeader(file: string, header: string[], columns: readonly CsvColumn[], ignored: string[]): number[] {
  const normalised = header.map(normaliseHeader);
  const issues: CsvIssue[] = [];
  const indexes = columns.map((column) => {
    const found = normalised.flatMap((name, index) => (column.names.includes(name) ? [index] : []));
    if (found.length > 1)
      issues.push({ line: 1, column: column.names[0], message: `the column "${column.names[0]}" appears ${found.length} times (${found.map((i) => `"${header[i]}"`).join(', ')})` });
    if (found.length === 0 && column.required)
      issues.push({ line: 1, column: column.names[0], message: `missing column "${column.names[0]}" (accepted names: ${column.names.join(', ')})` });
    return found[0] ?? -1;
  });
  if (issues.length > 0) throw new InvalidCsvFileError(file, issues, issues.length);
  header.forEach((name, index) => {
    if (!indexes.includes(index)) ignored.push(name);
  });
  return indexes;
}

function describeCsvError(error: Error & { code?: string }): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `wrong number of fields: ${error.message.replace(/^Invalid Record Length: /, '')}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (a " is missing)';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record is longer than ${MAX_RECORD_CHARS} characters (an unclosed quote, or a wrong delimiter?)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `a quote is misplaced inside a field (${error.message})`;
    default:
      return error.message;
  }
}
