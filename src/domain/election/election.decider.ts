import { DomainError, type Decider } from '../shared/decider.js';
import type { ElectionCancelled, ElectionDateChanged, ElectionDeclared, ElectionEvent } from './election.events.js';
import { activityWindow, type Activity, lastVotingClose } from './election.phases.js';
import {
  assertElectionId,
  checkElectionDates,
  checkElectionRules,
  ELECTION_DATE_NAMES,
  type ElectionDateName,
  type ElectionDates,
  type ElectionRules,
} from './election.rules.js';
import type { DeclaredElection, ElectionState } from './election.state.js';
import { describeInstant, normaliseInstant, toInstant } from './time-zone.js';

export type { DateChange, DeclaredElection, ElectionState } from './election.state.js';

/**
 * The election aggregate, stream `election-<electionId>`: declaration, date changes (the 2013
 * registration deadline extension), cancellation. Phase checks for other slices are in
 * election.phases.ts; the rules of the configuration in election.rules.ts.
 */

/** Dates as given: an instant with `Z` or an offset, or a local time read in the election's time zone. */
export type ElectionDatesInput = Omit<ElectionDates, 'secondRoundVotingOpensAt' | 'secondRoundVotingClosesAt'> & {
  secondRoundVotingOpensAt?: string | null;
  secondRoundVotingClosesAt?: string | null;
};

export interface DeclareElection {
  type: 'DeclareElection';
  electionId: string;
  name: string;
  organiser: string;
  rules: ElectionRules;
  dates: ElectionDatesInput;
  /** Now, from the injected clock. */
  at: string;
}

export interface ChangeElectionDate {
  type: 'ChangeElectionDate';
  electionId: string;
  date: ElectionDateName;
  /** An instant, or a local time in the election's time zone (`2013-06-03T18:00`). */
  to: string;
  /** Why: required, recorded, public. */
  reason: string;
  at: string;
}

export interface CancelElection {
  type: 'CancelElection';
  electionId: string;
  reason: string;
  at: string;
}

export type ElectionCommand = DeclareElection | ChangeElectionDate | CancelElection;


export const NAME_MAX_LENGTH = 200;
export const REASON_MAX_LENGTH = 2000;

function requiredText(value: unknown, code: string, what: string, maxLength: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw new DomainError(code, `${what} is required and must not be blank`, { value });
  if (text.length > maxLength) throw new DomainError(code, `${what} must be at most ${maxLength} characters (got ${text.length})`, { length: text.length });
  return text;
}

function instantNow(at: string): string {
  return normaliseInstant(at);
}

/** The window a date belongs to, so as to know whether its phase has started or ended. */
const DATE_ACTIVITY: Record<ElectionDateName, { activity: Activity; round: 1 | 2; end: 'opens' | 'closes' }> = {
  sponsorshipDeadline: { activity: 'sponsorship', round: 1, end: 'closes' },
  registrationOpensAt: { activity: 'registration', round: 1, end: 'opens' },
  registrationClosesAt: { activity: 'registration', round: 1, end: 'closes' },
  votingOpensAt: { activity: 'voting', round: 1, end: 'opens' },
  votingClosesAt: { activity: 'voting', round: 1, end: 'closes' },
  secondRoundVotingOpensAt: { activity: 'voting', round: 2, end: 'opens' },
  secondRoundVotingClosesAt: { activity: 'voting', round: 2, end: 'closes' },
};

const PHASE_NAMES: Record<string, string> = {
  'sponsorship-1': 'sponsorship',
  'registration-1': 'registration',
  'voting-1': 'voting',
  'voting-2': 'second-round voting',
};

function declare(command: DeclareElection, state: ElectionState): ElectionEvent[] {
  if (state.status !== 'not-declared') {
    throw new DomainError('ElectionAlreadyDeclared', `The election "${command.electionId}" has already been declared`, { electionId: command.electionId });
  }
  assertElectionId(command.electionId);
  const name = requiredText(command.name, 'InvalidElectionName', 'The election name', NAME_MAX_LENGTH);
  const organiser = requiredText(command.organiser, 'InvalidOrganiser', 'The organiser', NAME_MAX_LENGTH);
  const declaredAt = instantNow(command.at);
  const rules = checkElectionRules(command.rules);

  const zone = rules.timeZone;
  const optional = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? null : toInstant(value, zone));
  const dates: ElectionDates = {
    sponsorshipDeadline: toInstant(command.dates.sponsorshipDeadline, zone),
    registrationOpensAt: toInstant(command.dates.registrationOpensAt, zone),
    registrationClosesAt: toInstant(command.dates.registrationClosesAt, zone),
    votingOpensAt: toInstant(command.dates.votingOpensAt, zone),
    votingClosesAt: toInstant(command.dates.votingClosesAt, zone),
    secondRoundVotingOpensAt: optional(command.dates.secondRoundVotingOpensAt),
    secondRoundVotingClosesAt: optional(command.dates.secondRoundVotingClosesAt),
  };
  checkElectionDates(dates, rules.rounds, zone, { declaredAt, notBefore: declaredAt });

  const event: ElectionDeclared = { type: 'ElectionDeclared', data: { electionId: command.electionId, name, organiser, rules, dates, declaredAt } };
  return [event];
}

function requireOpenElection(state: ElectionState, electionId: string): DeclaredElection {
  if (state.status === 'not-declared') throw new DomainError('ElectionNotDeclared', `No election "${electionId}" has been declared`, { electionId });
  if (state.status === 'cancelled') {
    throw new DomainError('ElectionCancelled', `The election "${state.electionId}" was cancelled: ${state.cancellation?.reason ?? ''}`.trim(), {
      electionId: state.electionId,
      cancelledAt: state.cancellation?.cancelledAt,
    });
  }
  return state;
}

function changeDate(command: ChangeElectionDate, state: ElectionState): ElectionEvent[] {
  const election = requireOpenElection(state, command.electionId);
  const reason = requiredText(command.reason, 'ReasonRequired', 'The reason for the change', REASON_MAX_LENGTH);
  const at = instantNow(command.at);
  const zone = election.rules.timeZone;
  const show = (instant: string) => describeInstant(instant, zone);

  if (!(ELECTION_DATE_NAMES as readonly string[]).includes(command.date)) {
    throw new DomainError('UnknownElectionDate', `"${String(command.date)}" is not a date of the election; expected one of ${ELECTION_DATE_NAMES.join(', ')}`, { date: command.date });
  }
  const from = election.dates[command.date];
  if (from === null) {
    throw new DomainError('UnknownElectionDate', `The election has one round: it has no ${command.date}`, { date: command.date });
  }
  const to = toInstant(command.to, zone);
  if (to === from) throw new DomainError('DateUnchanged', `${command.date} is already ${show(from)}`, { date: command.date, value: from });

  // The phase the date belongs to must not have ended; a start cannot move once the phase started.
  const { activity, round, end } = DATE_ACTIVITY[command.date];
  const window = activityWindow(election, activity, round);
  const phase = PHASE_NAMES[`${activity}-${round}`]!;
  if (Date.parse(at) >= Date.parse(window.closesAt)) {
    throw new DomainError(
      'PhaseAlreadyEnded',
      `The ${phase} phase ended on ${show(window.closesAt)}: ${command.date} can no longer change (changes must be recorded before the phase they affect ends)`,
      { date: command.date, phase, endedAt: window.closesAt, at },
    );
  }
  if (end === 'opens' && Date.parse(at) >= Date.parse(window.opensAt)) {
    throw new DomainError('PhaseAlreadyStarted', `The ${phase} phase started on ${show(window.opensAt)}: its start can no longer move`, {
      date: command.date,
      phase,
      startedAt: window.opensAt,
      at,
    });
  }

  const dates: ElectionDates = { ...election.dates, [command.date]: to };
  checkElectionDates(dates, election.rules.rounds, zone, { declaredAt: election.declaredAt, notBefore: at, changing: command.date });

  const event: ElectionDateChanged = { type: 'ElectionDateChanged', data: { electionId: election.electionId, date: command.date, from, to, reason, changedAt: at } };
  return [event];
}

function cancel(command: CancelElection, state: ElectionState): ElectionEvent[] {
  const election = requireOpenElection(state, command.electionId);
  const reason = requiredText(command.reason, 'ReasonRequired', 'The reason for the cancellation', REASON_MAX_LENGTH);
  const at = instantNow(command.at);
  const closedAt = lastVotingClose(election);
  if (Date.parse(at) >= Date.parse(closedAt)) {
    throw new DomainError('ElectionAlreadyClosed', `Voting closed on ${describeInstant(closedAt, election.rules.timeZone)}: the election can no longer be cancelled`, {
      closedAt,
      at,
    });
  }
  const event: ElectionCancelled = { type: 'ElectionCancelled', data: { electionId: election.electionId, reason, cancelledAt: at } };
  return [event];
}

export const electionDecider: Decider<ElectionCommand, ElectionEvent, ElectionState> = {
  initialState: () => ({ status: 'not-declared' }),

  evolve(state, event) {
    switch (event.type) {
      case 'ElectionDeclared':
        return {
          status: 'declared',
          electionId: event.data.electionId,
          name: event.data.name,
          organiser: event.data.organiser,
          rules: event.data.rules,
          dates: event.data.dates,
          declaredAt: event.data.declaredAt,
          dateChanges: [],
          cancellation: null,
        };
      case 'ElectionDateChanged': {
        if (state.status === 'not-declared') return state;
        const { date, from, to, reason, changedAt } = event.data;
        return { ...state, dates: { ...state.dates, [date]: to }, dateChanges: [...state.dateChanges, { date, from, to, reason, changedAt }] };
      }
      case 'ElectionCancelled':
        if (state.status === 'not-declared') return state;
        return { ...state, status: 'cancelled', cancellation: { reason: event.data.reason, cancelledAt: event.data.cancelledAt } };
      default:
        // Events of later versions or other slices in this stream leave the state as it is.
        return state;
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'DeclareElection':
        return declare(command, state);
      case 'ChangeElectionDate':
        return changeDate(command, state);
      case 'CancelElection':
        return cancel(command, state);
      default: {
        const unknown: never = command;
        throw new DomainError('UnknownCommand', `Unknown election command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  },
};

/** Folds events into the election's state (for loaders and projections). */
export function foldElection(events: Iterable<{ type: string; data: unknown }>): ElectionState {
  let state = electionDecider.initialState();
  for (const event of events) state = electionDecider.evolve(state, event as ElectionEvent);
  return state;
}
