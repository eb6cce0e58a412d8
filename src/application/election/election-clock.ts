import { systemClock, type Clock } from '../ports/clock.js';

/** The injected CLOCK when the application provides one (tests, the demo), the system clock otherwise. */
export function clockOrSystem(clock: Clock | null | undefined): Clock {
  return clock ?? systemClock;
}
