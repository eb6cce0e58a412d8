import { DomainError } from '../shared/decider.js';

/**
 * Instants and wall-clock times, with nothing but the ECMAScript `Intl` API (no library, no Node
 * API): this file runs in browsers too.
 *
 * - An instant is an ISO 8601 string in UTC, `2013-05-28T17:00:00.000Z`: what events store.
 * - A local (wall-clock) time is `YYYY-MM-DDTHH:mm[:ss[.sss]]` with no offset: what a person reads
 *   on a clock in a given IANA time zone (`Europe/Paris`). It names zero instants (in the hour
 *   skipped when clocks go forward), one, or two (in the hour repeated when clocks go back).
 */

/** How to pick an instant for a wall-clock time that a time-zone transition skipped or repeated (as in Temporal). */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the runtime knows this IANA time zone (`Europe/Paris`, `UTC`, `America/Cayenne`…). */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The runtime's canonical spelling of a time zone (`europe/paris` → `Europe/Paris`). Throws InvalidTimeZone. */
export function canonicalTimeZone(timeZone: string): string {
  if (!isValidTimeZone(timeZone)) {
    throw new DomainError('InvalidTimeZone', `"${String(timeZone)}" is not a known IANA time zone (for example Europe/Paris, America/Martinique, UTC)`, {
      timeZone,
    });
  }
  return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
}

/** Milliseconds since the epoch for a proleptic Gregorian UTC date-time (years 0–99 included). */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, millisecond: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime();
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** Parses the numbers of a date-time match and checks they name a real calendar date and time. */
function fieldsOf(match: RegExpExecArray): Fields | null {
  const [, year, month, day, hour, minute, second, fraction] = match;
  const fields: Fields = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: second === undefined ? 0 : Number(second),
    millisecond: fraction === undefined ? 0 : Number(fraction.padEnd(3, '0')),
  };
  if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.hour > 23 || fields.minute > 59 || fields.second > 59) return null;
  const check = new Date(utcMillis(fields.year, fields.month, fields.day, 0, 0, 0, 0));
  if (check.getUTCDate() !== fields.day || check.getUTCMonth() !== fields.month - 1) return null;
  return fields;
}

/** The wall-clock reading in `timeZone` at `epochMs`, as milliseconds of a UTC calendar. */
function wallClockMillis(epochMs: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const hour = Number(parts.hour) % 24;
  const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
  return utcMillis(year, Number(parts.month), Number(parts.day), hour, Number(parts.minute), Number(parts.second), 0) + (epochMs - wholeSeconds);
}

/** The offset from UTC in `timeZone` at `epochMs`, in milliseconds (Paris in summer: +7,200,000). */
function offsetMillis(epochMs: number, timeZone: string): number {
  return wallClockMillis(epochMs, timeZone) - epochMs;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** True for `YYYY-MM-DDTHH:mm[:ss[.sss]]` naming a real calendar date and time (no offset). */
export function isLocalDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = LOCAL_TIME.exec(value);
  return match !== null && fieldsOf(match) !== null;
}

/** True for an ISO 8601 date-time with `Z` or an offset (`2013-05-28T17:00:00Z`, `2013-05-28T19:00+02:00`). */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = INSTANT.exec(value);
  return match !== null && fieldsOf(match) !== null && Number.isFinite(Date.parse(value));
}

/** Normalises an instant with any offset to UTC milliseconds: `2013-05-28T19:00+02:00` → `2013-05-28T17:00:00.000Z`. Throws InvalidInstant. */
export function normaliseInstant(value: string): string {
  if (!isInstant(value)) {
    throw new DomainError('InvalidInstant', `"${String(value)}" is not an ISO 8601 instant such as 2013-05-28T17:00:00Z or 2013-05-28T19:00+02:00`, { value });
  }
  return new Date(value).toISOString();
}

/**
 * The instant at which clocks in `timeZone` read `localTime`:
 * `zonedTimeToInstant('2013-05-28T19:00', 'Europe/Paris')` → `'2013-05-28T17:00:00.000Z'`.
 *
 * Around a transition, `disambiguation` decides (as Temporal does): `compatible` (default) takes
 * the earlier of two repeated readings and, for a skipped reading, moves forward by the length of
 * the gap (02:30 on the night clocks jump from 02:00 to 03:00 becomes 03:30); `earlier` and
 * `later` pick that side in both cases; `reject` refuses both with NonexistentLocalTime or
 * AmbiguousLocalTime.
 */
export function zonedTimeToInstant(localTime: string, timeZone: string, disambiguation: Disambiguation = 'compatible'): string {
  const match = typeof localTime === 'string' ? LOCAL_TIME.exec(localTime) : null;
  const fields = match ? fieldsOf(match) : null;
  if (!fields) {
    throw new DomainError('InvalidLocalTime', `"${String(localTime)}" is not a local date-time such as 2013-05-28T19:00 (YYYY-MM-DDTHH:mm[:ss])`, { localTime });
  }
  canonicalTimeZone(timeZone);
  const wall = utcMillis(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second, fields.millisecond);

  // Real zones change offset at most once within a day: the offsets a day before and a day after
  // are the only candidates.
  const offsetBefore = offsetMillis(wall - DAY_MS, timeZone);
  const offsetAfter = offsetMillis(wall + DAY_MS, timeZone);
  const candidates = [...new Set([wall - offsetBefore, wall - offsetAfter])]
    .filter((epochMs) => wallClockMillis(epochMs, timeZone) === wall)
    .sort((a, b) => a - b);

  if (candidates.length === 1) return new Date(candidates[0]!).toISOString();
  if (candidates.length === 2) {
    if (disambiguation === 'reject') {
      throw new DomainError('AmbiguousLocalTime', `${localTime} happens twice in ${timeZone} (clocks go back): give the instant with its offset instead`, {
        localTime,
        timeZone,
        instants: candidates.map((epochMs) => new Date(epochMs).toISOString()),
      });
    }
    return new Date(disambiguation === 'later' ? candidates[1]! : candidates[0]!).toISOString();
  }
  // Skipped by a forward transition: no reading matches.
  if (disambiguation === 'reject') {
    throw new DomainError('NonexistentLocalTime', `${localTime} does not exist in ${timeZone} (clocks go forward over it)`, { localTime, timeZone });
  }
  // With the offset in force before the gap, the reading lands after it (compatible, later);
  // with the offset after, it lands before it (earlier).
  const epochMs = disambiguation === 'earlier' ? wall - offsetAfter : wall - offsetBefore;
  return new Date(epochMs).toISOString();
}

/** What clocks in `timeZone` read at `instant`: `('2013-05-28T17:00:00Z', 'Europe/Paris')` → `'2013-05-28T19:00:00'`. */
export function instantToZonedTime(instant: string, timeZone: string): string {
  const epochMs = Date.parse(normaliseInstant(instant));
  canonicalTimeZone(timeZone);
  const wall = new Date(wallClockMillis(epochMs, timeZone));
  const milliseconds = wall.getUTCMilliseconds();
  const year = wall.getUTCFullYear();
  return (
    `${year < 0 ? '-' : ''}${pad(Math.abs(year), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}${milliseconds === 0 ? '' : `.${pad(milliseconds, 3)}`}`
  );
}

/** The offset from UTC in force in `timeZone` at `instant`, as `+02:00`. */
export function zoneOffsetAt(instant: string, timeZone: string): string {
  canonicalTimeZone(timeZone);
  return formatOffset(offsetMillis(Date.parse(normaliseInstant(instant)), timeZone));
}

/**
 * A date-time as people and files give it: an instant with `Z` or an offset is taken as is; a
 * local date-time without offset is read on the clocks of `timeZone` (compatible
 * disambiguation). Returns the normalised UTC instant. Throws InvalidDateTime.
 */
export function toInstant(value: string, timeZone: string): string {
  if (isInstant(value)) return normaliseInstant(value);
  if (isLocalDateTime(value)) return zonedTimeToInstant(value, timeZone);
  throw new DomainError(
    'InvalidDateTime',
    `"${String(value)}" is not a date-time: give an instant such as 2013-05-28T17:00:00Z, or a local time in the election's time zone such as 2013-05-28T19:00`,
    { value },
  );
}

/** For messages: `2013-06-03 18:00 (Europe/Paris)`; seconds only when they are not zero. */
export function describeInstant(instant: string, timeZone: string): string {
  const local = instantToZonedTime(instant, timeZone);
  const [date, time] = local.split('T') as [string, string];
  const shown = time.endsWith(':00') && !time.includes('.') ? time.slice(0, 5) : time;
  return `${date} ${shown} (${timeZone})`;
}
