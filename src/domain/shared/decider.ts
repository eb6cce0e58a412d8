/**
 * A decider is an aggregate's rules as three pure functions (after Jérémie Chassaing and Emmett):
 * `decide` turns a command and the current state into new events, or refuses with a DomainError;
 * `evolve` folds one event into the state; `initialState` is the state of an empty stream.
 * No I/O, no clock, no randomness: everything a rule needs comes in with the command.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** A fact, named in the past tense (`SponsorshipRecorded`), with plain JSON data. */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

/** A command refused by a rule. `code` is stable so that APIs and tests can rely on it. */
export class DomainError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
