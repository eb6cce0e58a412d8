/** The election context: what other slices import (`src/domain/election/index.js`). */
export * from './election.rules.js';
export * from './election.events.js';
export * from './election.state.js';
export * from './election.phases.js';
export { electionDecider, foldElection, NAME_MAX_LENGTH, REASON_MAX_LENGTH } from './election.decider.js';
export type { CancelElection, ChangeElectionDate, DeclareElection, ElectionCommand, ElectionDatesInput } from './election.decider.js';
export * from './time-zone.js';
