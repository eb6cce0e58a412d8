import { describe, expect, it } from '@jest/globals';
import { erasureDecider, erasureStream, type PersonalDataErased, type RecordErasure } from '../../src/domain/personal-data/erasure.decider.js';
import { DeciderSpecification } from '../support/decider-specification.js';

const given = DeciderSpecification.for(erasureDecider);
const erase = (reason = 'appeal period over'): RecordErasure => ({ type: 'RecordErasure', subject: 'roll-75006-1', reason, erasedAt: '2013-09-01T00:00:00.000Z' });
const erased: PersonalDataErased = { type: 'PersonalDataErased', data: { subject: 'roll-75006-1', reason: 'appeal period over', erasedAt: '2013-09-01T00:00:00.000Z' } };

describe('erasure decider', () => {
  it('records the erasure, with the reason trimmed', () => {
    given([]).when(erase('  appeal period over \n')).then([erased]);
  });

  it('refuses a second erasure of the same subject', () => {
    given([erased]).when(erase('again')).thenRefuses('AlreadyErased', { subject: 'roll-75006-1', erasedAt: '2013-09-01T00:00:00.000Z' });
  });

  it('needs a short reason', () => {
    given([]).when(erase('   ')).thenRefuses('ErasureReasonRequired');
    given([]).when(erase('x'.repeat(501))).thenRefuses('ErasureReasonTooLong');
  });

  it('names one stream per subject', () => {
    expect(erasureStream('roll-75006-1')).toBe('erasure-roll-75006-1');
  });
});
