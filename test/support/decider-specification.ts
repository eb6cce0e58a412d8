import { expect } from '@jest/globals';
import { DomainError, type Decider, type DomainEvent } from '../../src/domain/shared/decider.js';

/**
 * Given / when / then for deciders, with no I/O: the past as events, a command, and either the
 * new events or the refusal.
 *
 *   const given = DeciderSpecification.for(electionDecider);
 *   given([ElectionDeclared]).when(OpenRegistration).then([RegistrationOpened]);
 *   given([]).when(OpenRegistration).thenRefuses('ElectionNotDeclared');
 */
export const DeciderSpecification = {
  for<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
    return (history: readonly Event[]) => ({
      when(command: Command) {
        const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
        return {
          then(expected: readonly Event[]) {
            expect(run()).toEqual(expected);
          },
          thenNothingHappens() {
            expect(run()).toEqual([]);
          },
          thenRefuses(code: string, details?: Record<string, unknown>) {
            let refusal: unknown;
            try {
              run();
            } catch (error) {
              refusal = error;
            }
            expect(refusal).toBeInstanceOf(DomainError);
            expect((refusal as DomainError).code).toBe(code);
            if (details) expect((refusal as DomainError).details).toMatchObject(details);
          },
        };
      },
    });
  },
};
