/** The candidacy context: candidates, sponsorships, the ballot order. */
export * from './candidacy.events.js';
export * from './candidacy.rules.js';
export * from './candidate.decider.js';
export * from './sponsor.decider.js';
export * from './ballot-order.decider.js';
