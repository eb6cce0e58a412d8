import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../support/decider-specification.js';
import { signUpSheet } from './fixtures/sign-up-sheet.decider.js';

const given = DeciderSpecification.for(signUpSheet);
const opened = { type: 'SheetOpened', data: { places: 1 } } as const;

describe('the given/when/then helper', () => {
  it('passes when the decider records the expected events', () => {
    given([opened]).when({ type: 'SignUp', name: 'Anne' }).then([{ type: 'NameSignedUp', data: { name: 'Anne' } }]);
  });

  it('passes when the decider refuses with the expected code and details', () => {
    given([opened, { type: 'NameSignedUp', data: { name: 'Anne' } }]).when({ type: 'SignUp', name: 'Nathalie' }).thenRefuses('SheetFull', { places: 1 });
  });

  it('passes when a repeated command changes nothing', () => {
    given([opened, { type: 'NameSignedUp', data: { name: 'Anne' } }]).when({ type: 'SignUp', name: 'Anne' }).thenNothingHappens();
  });

  it('fails when the events differ', () => {
    expect(() => given([opened]).when({ type: 'SignUp', name: 'Anne' }).then([])).toThrow();
  });

  it('fails when the refusal has another code, or when there is none', () => {
    expect(() => given([]).when({ type: 'SignUp', name: 'Anne' }).thenRefuses('SheetFull')).toThrow();
    expect(() => given([opened]).when({ type: 'SignUp', name: 'Anne' }).thenRefuses('SheetFull')).toThrow();
  });
});
