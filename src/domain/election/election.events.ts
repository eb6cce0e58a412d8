import type { DomainEvent } from '../shared/decider.js';
import type { ElectionDateName, ElectionDates, ElectionRules } from './election.rules.js';

/**
 * The facts of an election's stream, `election-<electionId>`. Every instant is ISO 8601 UTC; the
 * actor (a council member) is in the event metadata, not here.
 */

/** The council declared the election: its rules and its dates. */
export type ElectionDeclared = DomainEvent<
  'ElectionDeclared',
  {
    electionId: string;
    name: string;
    organiser: string;
    rules: ElectionRules;
    dates: ElectionDates;
    /** When it was declared: the sponsorship window opens then. */
    declaredAt: string;
  }
>;

/** The council moved one date, for a stated reason, before the phase it affects ended. */
export type ElectionDateChanged = DomainEvent<
  'ElectionDateChanged',
  {
    electionId: string;
    date: ElectionDateName;
    from: string;
    to: string;
    reason: string;
    changedAt: string;
  }
>;

/** The council cancelled the election, for a stated reason. Nothing opens or changes afterwards. */
export type ElectionCancelled = DomainEvent<
  'ElectionCancelled',
  {
    electionId: string;
    reason: string;
    cancelledAt: string;
  }
>;

export type ElectionEvent = ElectionDeclared | ElectionDateChanged | ElectionCancelled;

export const ELECTION_EVENT_TYPES = ['ElectionDeclared', 'ElectionDateChanged', 'ElectionCancelled'] as const satisfies readonly ElectionEvent['type'][];

/** The stream of an election: `election-paris-2013`. */
export const ELECTION_STREAM_CATEGORY = 'election';
export function electionStreamName(electionId: string): string {
  return `${ELECTION_STREAM_CATEGORY}-${electionId}`;
}
