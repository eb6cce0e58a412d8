/**
 * Time comes from outside the domain: command handlers read this clock and pass the instant into
 * the command, so deciders stay pure and tests, demos and replays control time.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol.for('urne:Clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: tests and the demo use it to walk through phases. */
export class ManualClock implements Clock {
  private current: Date;
  constructor(start: Date | string) {
    this.current = new Date(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}
