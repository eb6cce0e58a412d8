import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../src/domain/shared/decider.js';
import {
  canonicalTimeZone,
  describeInstant,
  instantToZonedTime,
  isInstant,
  isLocalDateTime,
  isValidTimeZone,
  toInstant,
  zonedTimeToInstant,
  zoneOffsetAt,
} from '../../src/domain/election/time-zone.js';

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  throw new Error('expected a refusal');
};

describe('zonedTimeToInstant: wall-clock time in a zone → instant (Intl only)', () => {
  it('reads the 2013 dates on Paris clocks (summer time, UTC+2)', () => {
    expect(zonedTimeToInstant('2013-05-28T19:00', 'Europe/Paris')).toBe('2013-05-28T17:00:00.000Z');
    expect(zonedTimeToInstant('2013-06-03T18:00', 'Europe/Paris')).toBe('2013-06-03T16:00:00.000Z');
    expect(zonedTimeToInstant('2013-05-31T08:00:00', 'Europe/Paris')).toBe('2013-05-31T06:00:00.000Z');
    expect(zonedTimeToInstant('2013-06-03T19:00:00.250', 'Europe/Paris')).toBe('2013-06-03T17:00:00.250Z');
  });

  it('uses winter time (UTC+1) in winter', () => {
    expect(zonedTimeToInstant('2013-01-15T12:00', 'Europe/Paris')).toBe('2013-01-15T11:00:00.000Z');
  });

  it('handles both sides of the spring-forward switch (Paris, 31 March 2013, 02:00 → 03:00)', () => {
    expect(zonedTimeToInstant('2013-03-31T01:59', 'Europe/Paris')).toBe('2013-03-31T00:59:00.000Z');
    expect(zonedTimeToInstant('2013-03-31T03:00', 'Europe/Paris')).toBe('2013-03-31T01:00:00.000Z');
    expect(zonedTimeToInstant('2013-03-31T03:01', 'Europe/Paris')).toBe('2013-03-31T01:01:00.000Z');
  });

  it('moves a skipped time forward by the gap (compatible), or refuses it when asked to', () => {
    expect(zonedTimeToInstant('2013-03-31T02:30', 'Europe/Paris')).toBe('2013-03-31T01:30:00.000Z'); // = 03:30 CEST
    expect(zonedTimeToInstant('2013-03-31T02:30', 'Europe/Paris', 'later')).toBe('2013-03-31T01:30:00.000Z');
    expect(zonedTimeToInstant('2013-03-31T02:30', 'Europe/Paris', 'earlier')).toBe('2013-03-31T00:30:00.000Z'); // = 01:30 CET
    expect(refusal(() => zonedTimeToInstant('2013-03-31T02:30', 'Europe/Paris', 'reject'))).toBe('NonexistentLocalTime');
  });

  it('handles both sides of the fall-back switch (Paris, 27 October 2013, 03:00 → 02:00)', () => {
    expect(zonedTimeToInstant('2013-10-27T01:59', 'Europe/Paris')).toBe('2013-10-26T23:59:00.000Z');
    expect(zonedTimeToInstant('2013-10-27T03:00', 'Europe/Paris')).toBe('2013-10-27T02:00:00.000Z');
  });

  it('takes the earlier of a repeated time by default, the later on request, or refuses it', () => {
    expect(zonedTimeToInstant('2013-10-27T02:30', 'Europe/Paris')).toBe('2013-10-27T00:30:00.000Z'); // 02:30 CEST
    expect(zonedTimeToInstant('2013-10-27T02:30', 'Europe/Paris', 'earlier')).toBe('2013-10-27T00:30:00.000Z');
    expect(zonedTimeToInstant('2013-10-27T02:30', 'Europe/Paris', 'later')).toBe('2013-10-27T01:30:00.000Z'); // 02:30 CET
    expect(refusal(() => zonedTimeToInstant('2013-10-27T02:30', 'Europe/Paris', 'reject'))).toBe('AmbiguousLocalTime');
  });

  it('works in the southern hemisphere and in zones with half-hour offsets', () => {
    // Sydney: DST ends 7 April 2013 03:00 → 02:00; starts 6 October 2013 02:00 → 03:00.
    expect(zonedTimeToInstant('2013-04-07T01:30', 'Australia/Sydney')).toBe('2013-04-06T14:30:00.000Z'); // AEDT +11
    expect(zonedTimeToInstant('2013-04-07T03:30', 'Australia/Sydney')).toBe('2013-04-06T17:30:00.000Z'); // AEST +10
    expect(zonedTimeToInstant('2013-10-06T02:30', 'Australia/Sydney')).toBe('2013-10-05T16:30:00.000Z'); // skipped: 03:30 AEDT
    expect(zonedTimeToInstant('2013-05-28T19:00', 'Asia/Kolkata')).toBe('2013-05-28T13:30:00.000Z');
    expect(zonedTimeToInstant('2013-05-28T19:00', 'America/Cayenne')).toBe('2013-05-28T22:00:00.000Z');
    expect(zonedTimeToInstant('2013-05-28T19:00', 'UTC')).toBe('2013-05-28T19:00:00.000Z');
  });

  it('round-trips every half hour of the 2013 Paris transition days', () => {
    for (const day of ['2013-03-30', '2013-03-31', '2013-10-27']) {
      const start = Date.parse(`${day}T00:00:00Z`) - 2 * 3_600_000;
      for (let step = 0; step < 52; step++) {
        const instant = new Date(start + step * 1_800_000).toISOString();
        const local = instantToZonedTime(instant, 'Europe/Paris');
        // A repeated reading maps back to its earlier instant: check the reading, not the instant.
        expect(instantToZonedTime(zonedTimeToInstant(local, 'Europe/Paris'), 'Europe/Paris')).toBe(local);
      }
    }
  });

  it('refuses malformed or impossible local times and unknown zones', () => {
    expect(refusal(() => zonedTimeToInstant('28/05/2013 19:00', 'Europe/Paris'))).toBe('InvalidLocalTime');
    expect(refusal(() => zonedTimeToInstant('2013-02-29T10:00', 'Europe/Paris'))).toBe('InvalidLocalTime');
    expect(refusal(() => zonedTimeToInstant('2013-05-28T24:00', 'Europe/Paris'))).toBe('InvalidLocalTime');
    expect(refusal(() => zonedTimeToInstant('2013-05-28T17:00Z', 'Europe/Paris'))).toBe('InvalidLocalTime');
    expect(refusal(() => zonedTimeToInstant('2013-05-28T19:00', 'Europe/Lutece'))).toBe('InvalidTimeZone');
  });
});

describe('instants and zones', () => {
  it('shows an instant on the clocks of a zone, with the offset in force', () => {
    expect(instantToZonedTime('2013-05-28T17:00:00.000Z', 'Europe/Paris')).toBe('2013-05-28T19:00:00');
    expect(instantToZonedTime('2013-10-27T00:30:00Z', 'Europe/Paris')).toBe('2013-10-27T02:30:00');
    expect(instantToZonedTime('2013-10-27T01:30:00Z', 'Europe/Paris')).toBe('2013-10-27T02:30:00');
    expect(zoneOffsetAt('2013-10-27T00:30:00Z', 'Europe/Paris')).toBe('+02:00');
    expect(zoneOffsetAt('2013-10-27T01:30:00Z', 'Europe/Paris')).toBe('+01:00');
    expect(zoneOffsetAt('2013-05-28T17:00:00Z', 'America/Cayenne')).toBe('-03:00');
    expect(describeInstant('2013-06-03T16:00:00.000Z', 'Europe/Paris')).toBe('2013-06-03 18:00 (Europe/Paris)');
  });

  it('toInstant takes instants as they are and reads local times in the zone', () => {
    expect(toInstant('2013-05-28T17:00:00Z', 'Europe/Paris')).toBe('2013-05-28T17:00:00.000Z');
    expect(toInstant('2013-05-28T19:00+02:00', 'America/Cayenne')).toBe('2013-05-28T17:00:00.000Z');
    expect(toInstant('2013-05-28T19:00', 'Europe/Paris')).toBe('2013-05-28T17:00:00.000Z');
    expect(refusal(() => toInstant('next tuesday', 'Europe/Paris'))).toBe('InvalidDateTime');
  });

  it('recognises the formats it accepts', () => {
    expect(isInstant('2013-05-28T17:00Z')).toBe(true);
    expect(isInstant('2013-05-28T17:00')).toBe(false);
    expect(isInstant('2013-13-28T17:00Z')).toBe(false);
    expect(isLocalDateTime('2013-05-28T19:00')).toBe(true);
    expect(isLocalDateTime('2013-05-28')).toBe(false);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Paris')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
  });
});
