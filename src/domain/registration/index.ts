/** The registration context: what other slices import. */
export * from './registration.rules.js';
export * from './registration.events.js';
export * from './registration.decider.js';
