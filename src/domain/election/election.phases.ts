import { DomainError } from '../shared/decider.js';
import type { DeclaredElection, ElectionState } from './election.state.js';
import { describeInstant, normaliseInstant } from './time-zone.js';

/**
 * Phase checks for every slice (sponsorships, registration, voting…). All pure: the caller passes
 * the election's state (see loadElection in the application layer) and the instant from its clock.
 *
 * Windows are half-open, [opensAt, closesAt):
 *   sponsorship   [declaredAt, sponsorshipDeadline)
 *   registration  [registrationOpensAt, registrationClosesAt)
 *   voting        [votingOpensAt, votingClosesAt), and with two rounds also
 *                 [secondRoundVotingOpensAt, secondRoundVotingClosesAt) as round 2
 * Windows may overlap (registration with sponsorship, registration with voting): each activity is
 * checked on its own window, whatever the others do. A date changed by the council applies from
 * the change on, because the state holds the dates in force.
 */

export const ACTIVITIES = ['sponsorship', 'registration', 'voting'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export interface ActivityWindow {
  activity: Activity;
  /** 1, or 2 for the second round of voting. */
  round: 1 | 2;
  opensAt: string;
  closesAt: string;
}

/**
 * One word for where the election stands at an instant, for display. When windows overlap the
 * later activity names the phase: voting, then registration, then sponsorship.
 *  - announced: declared, the vote not started, no window open right now (e.g. between the
 *    sponsorship deadline and the opening of registration);
 *  - sponsorship / registration / voting: that window is open (see openActivities for all of them);
 *  - between-rounds: the first round closed, the second not yet open (a second round takes place
 *    only if the first gives no majority: the tally decides, not this function);
 *  - second-round-voting; closed: the last voting window closed; cancelled.
 */
export const ELECTION_PHASES = ['announced', 'sponsorship', 'registration', 'voting', 'between-rounds', 'second-round-voting', 'closed', 'cancelled'] as const;
export type ElectionPhase = (typeof ELECTION_PHASES)[number];

const ACTIVITY_LABEL: Record<Activity, { code: string; label: string }> = {
  sponsorship: { code: 'Sponsorship', label: 'Sponsorship' },
  registration: { code: 'Registration', label: 'Registration' },
  voting: { code: 'Voting', label: 'Voting' },
};

/** The state of a declared election (cancelled or not). Throws ElectionNotDeclared. */
export function requireDeclared(state: ElectionState): DeclaredElection {
  if (state.status === 'not-declared') throw new DomainError('ElectionNotDeclared', 'This election has not been declared');
  return state;
}

/** The window of an activity with the dates in force. Round 2 exists for voting in two-round elections only (else NoSuchRound). */
export function activityWindow(state: ElectionState, activity: Activity, round: 1 | 2 = 1): ActivityWindow {
  const election = requireDeclared(state);
  const { dates } = election;
  if (round === 2) {
    if (activity !== 'voting' || dates.secondRoundVotingOpensAt === null || dates.secondRoundVotingClosesAt === null) {
      throw new DomainError('NoSuchRound', `The election has no second round of ${activity}`, { activity, round });
    }
    return { activity, round, opensAt: dates.secondRoundVotingOpensAt, closesAt: dates.secondRoundVotingClosesAt };
  }
  switch (activity) {
    case 'sponsorship':
      return { activity, round, opensAt: election.declaredAt, closesAt: dates.sponsorshipDeadline };
    case 'registration':
      return { activity, round, opensAt: dates.registrationOpensAt, closesAt: dates.registrationClosesAt };
    case 'voting':
      return { activity, round, opensAt: dates.votingOpensAt, closesAt: dates.votingClosesAt };
  }
}

/** Every window of the election, in date order of opening (sponsorship, registration, voting, round 2). */
export function activityWindows(state: ElectionState): ActivityWindow[] {
  const election = requireDeclared(state);
  const windows = ACTIVITIES.map((activity) => activityWindow(election, activity));
  if (election.dates.secondRoundVotingOpensAt !== null) windows.push(activityWindow(election, 'voting', 2));
  return windows;
}

const inWindow = (window: ActivityWindow, atMs: number) => atMs >= Date.parse(window.opensAt) && atMs < Date.parse(window.closesAt);

/** The windows open at `at` (none for a cancelled election). */
export function openActivities(state: ElectionState, at: string): ActivityWindow[] {
  const election = requireDeclared(state);
  if (election.status === 'cancelled') return [];
  const atMs = Date.parse(normaliseInstant(at));
  return activityWindows(election).filter((window) => inWindow(window, atMs));
}

export function isActivityOpen(state: ElectionState, activity: Activity, at: string): boolean {
  return openActivities(state, at).some((window) => window.activity === activity);
}

/**
 * Refuses unless `activity` is open at `at`; returns the open window (its `round` tells which
 * voting round). Codes: ElectionNotDeclared, ElectionCancelled, SponsorshipNotYetOpen,
 * SponsorshipClosed, RegistrationNotYetOpen, RegistrationClosed, VotingNotYetOpen, VotingClosed
 * (also between two rounds: details.nextRoundOpensAt).
 */
export function assertActivityOpen(state: ElectionState, activity: Activity, at: string): ActivityWindow {
  const election = requireDeclared(state);
  const zone = election.rules.timeZone;
  const show = (instant: string) => describeInstant(instant, zone);
  if (election.status === 'cancelled') {
    throw new DomainError('ElectionCancelled', `The election was cancelled on ${show(election.cancellation!.cancelledAt)}: ${election.cancellation!.reason}`, {
      electionId: election.electionId,
      cancelledAt: election.cancellation!.cancelledAt,
    });
  }
  const atMs = Date.parse(normaliseInstant(at));
  const windows = activityWindows(election).filter((window) => window.activity === activity);
  const open = windows.find((window) => inWindow(window, atMs));
  if (open) return open;

  const { code, label } = ACTIVITY_LABEL[activity];
  const first = windows[0]!;
  if (atMs < Date.parse(first.opensAt)) {
    throw new DomainError(`${code}NotYetOpen`, `${label} opens on ${show(first.opensAt)}`, { electionId: election.electionId, activity, opensAt: first.opensAt, at });
  }
  const next = windows.find((window) => atMs < Date.parse(window.opensAt));
  const closed = [...windows].reverse().find((window) => atMs >= Date.parse(window.closesAt))!;
  if (next) {
    throw new DomainError(`${code}Closed`, `${label} for round ${closed.round} closed on ${show(closed.closesAt)}; round ${next.round}, if it takes place, opens on ${show(next.opensAt)}`, {
      electionId: election.electionId,
      activity,
      round: closed.round,
      closedAt: closed.closesAt,
      nextRoundOpensAt: next.opensAt,
      at,
    });
  }
  throw new DomainError(`${code}Closed`, `${label} closed on ${show(closed.closesAt)}`, { electionId: election.electionId, activity, closedAt: closed.closesAt, at });
}

/** When the last voting window closes (round 2 if there is one). */
export function lastVotingClose(state: ElectionState): string {
  const election = requireDeclared(state);
  return election.dates.secondRoundVotingClosesAt ?? election.dates.votingClosesAt;
}

/** Where the election stands at `at` (see ElectionPhase). Throws ElectionNotDeclared. */
export function currentPhase(state: ElectionState, at: string): ElectionPhase {
  const election = requireDeclared(state);
  if (election.status === 'cancelled') return 'cancelled';
  const atMs = Date.parse(normaliseInstant(at));
  const { dates } = election;
  if (atMs >= Date.parse(lastVotingClose(election))) return 'closed';
  const open = openActivities(election, at);
  const voting = open.find((window) => window.activity === 'voting');
  if (voting) return voting.round === 2 ? 'second-round-voting' : 'voting';
  if (atMs >= Date.parse(dates.votingClosesAt)) return 'between-rounds';
  if (open.some((window) => window.activity === 'registration')) return 'registration';
  if (open.some((window) => window.activity === 'sponsorship')) return 'sponsorship';
  return 'announced';
}
