import type { ElectionDateName, ElectionDates, ElectionRules } from './election.rules.js';

/** The state of an election, folded from its stream by electionDecider.evolve (see loadElection). */

export interface DateChange {
  date: ElectionDateName;
  from: string;
  to: string;
  reason: string;
  changedAt: string;
}

export interface DeclaredElection {
  status: 'declared' | 'cancelled';
  electionId: string;
  name: string;
  organiser: string;
  rules: ElectionRules;
  /** The dates in force: every change already applied. */
  dates: ElectionDates;
  declaredAt: string;
  /** Every change, oldest first. */
  dateChanges: DateChange[];
  cancellation: { reason: string; cancelledAt: string } | null;
}

export type ElectionState = { status: 'not-declared' } | DeclaredElection;
