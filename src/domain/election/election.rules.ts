import { DomainError } from '../shared/decider.js';
import { canonicalTimeZone, describeInstant, isInstant } from './time-zone.js';

/**
 * The configuration of an election: its rules (fixed once declared) and its dates (changeable
 * only through a reasoned council event, see ElectionDateChanged). Nothing here is specific to an
 * election: the Paris 2013 primary is one configuration among others (examples/paris-2013.election.json).
 */

export const DEFAULT_TIME_ZONE = 'Europe/Paris';

/** Who may sponsor a candidate. Each kind has its own threshold. */
export const SPONSOR_KINDS = ['elected-official', 'voter'] as const;
export type SponsorKind = (typeof SPONSOR_KINDS)[number];

/**
 * A candidate qualifies for a sponsor kind with at least `minimumSponsors` sponsors of that kind,
 * coming from at least `minimumDistinctDistricts` distinct districts (arrondissements in Paris).
 * A kind with no rule requires no sponsor of that kind.
 */
export interface SponsorshipRule {
  sponsorKind: SponsorKind;
  minimumSponsors: number;
  minimumDistinctDistricts: number;
}

/**
 * One round, or two: with two, a second round takes place when no candidate gets strictly more
 * than `majorityPercent` percent of the first round's votes (the tally decides on which votes:
 * see the results slice; blank votes are not votes for a candidate).
 */
export interface RoundsRule {
  count: 1 | 2;
  majorityPercent: number;
}

/** What happens when a voter votes again: the first ballot stands (`single-vote`) or the last one replaces it (`last-vote-counts`). */
export const REVOTE_POLICIES = ['single-vote', 'last-vote-counts'] as const;
export type RevotePolicy = (typeof REVOTE_POLICIES)[number];

/** A fee paid at registration, in the currency's minor unit (cents). */
export interface RegistrationFee {
  amountCents: number;
  /** ISO 4217 code, upper case: `EUR`. */
  currency: string;
}

export interface ElectionRules {
  /** IANA time zone in which the election's dates are shown and local times are read. */
  timeZone: string;
  sponsorship: SponsorshipRule[];
  rounds: RoundsRule;
  blankVoteAllowed: boolean;
  revotePolicy: RevotePolicy;
  registrationFee: RegistrationFee | null;
}

/** The dates that set the phases, and that the council may change (see ChangeElectionDate). */
export const ELECTION_DATE_NAMES = [
  'sponsorshipDeadline',
  'registrationOpensAt',
  'registrationClosesAt',
  'votingOpensAt',
  'votingClosesAt',
  'secondRoundVotingOpensAt',
  'secondRoundVotingClosesAt',
] as const;
export type ElectionDateName = (typeof ELECTION_DATE_NAMES)[number];

/**
 * Instants (ISO 8601, UTC). Every window is half-open, [opensAt, closesAt): at exactly
 * `registrationClosesAt` registration is closed. The sponsorship window opens when the election is
 * declared. The second-round dates are set when, and only when, there are two rounds.
 */
export interface ElectionDates {
  sponsorshipDeadline: string;
  registrationOpensAt: string;
  registrationClosesAt: string;
  votingOpensAt: string;
  votingClosesAt: string;
  secondRoundVotingOpensAt: string | null;
  secondRoundVotingClosesAt: string | null;
}

/** A slug: lower-case letters and digits in groups joined by single hyphens, 3 to 64 characters (`paris-2013`). */
export const ELECTION_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const ELECTION_ID_MAX_LENGTH = 64;

export function isElectionId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 3 && value.length <= ELECTION_ID_MAX_LENGTH && ELECTION_ID_PATTERN.test(value);
}

export function assertElectionId(value: unknown): asserts value is string {
  if (!isElectionId(value)) {
    throw new DomainError(
      'InvalidElectionId',
      `"${String(value)}" is not a valid election id: use 3 to ${ELECTION_ID_MAX_LENGTH} lower-case letters and digits in groups joined by single hyphens, like paris-2013`,
      { electionId: value },
    );
  }
}

function invalidRules(field: string, message: string, value: unknown): DomainError {
  return new DomainError('InvalidElectionRules', `${field}: ${message}`, { field, value });
}

const isWholeNumber = (value: unknown, minimum: number): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum;

/** Checks the rules and returns them normalised (canonical time zone, upper-case currency). Throws InvalidElectionRules or InvalidTimeZone. */
export function checkElectionRules(rules: ElectionRules): ElectionRules {
  const timeZone = canonicalTimeZone(rules.timeZone);

  const seen = new Set<string>();
  rules.sponsorship.forEach((rule, index) => {
    const field = `sponsorship[${index}]`;
    if (!(SPONSOR_KINDS as readonly string[]).includes(rule.sponsorKind)) throw invalidRules(`${field}.sponsorKind`, `must be one of ${SPONSOR_KINDS.join(', ')}`, rule.sponsorKind);
    if (seen.has(rule.sponsorKind)) throw invalidRules(`${field}.sponsorKind`, `${rule.sponsorKind} has more than one rule`, rule.sponsorKind);
    seen.add(rule.sponsorKind);
    if (!isWholeNumber(rule.minimumSponsors, 1)) throw invalidRules(`${field}.minimumSponsors`, 'must be a whole number, at least 1', rule.minimumSponsors);
    if (!isWholeNumber(rule.minimumDistinctDistricts, 0)) throw invalidRules(`${field}.minimumDistinctDistricts`, 'must be a whole number, at least 0', rule.minimumDistinctDistricts);
    if (rule.minimumDistinctDistricts > rule.minimumSponsors) {
      throw invalidRules(`${field}.minimumDistinctDistricts`, `cannot exceed minimumSponsors (${rule.minimumSponsors}): each sponsor comes from one district`, rule.minimumDistinctDistricts);
    }
  });

  if (rules.rounds.count !== 1 && rules.rounds.count !== 2) throw invalidRules('rounds.count', 'must be 1 or 2', rules.rounds.count);
  const majority = rules.rounds.majorityPercent;
  if (typeof majority !== 'number' || !Number.isFinite(majority) || majority <= 0 || majority >= 100) {
    throw invalidRules('rounds.majorityPercent', 'must be a percentage strictly between 0 and 100 (50 for an absolute majority)', majority);
  }
  if (typeof rules.blankVoteAllowed !== 'boolean') throw invalidRules('blankVoteAllowed', 'must be true or false', rules.blankVoteAllowed);
  if (!(REVOTE_POLICIES as readonly string[]).includes(rules.revotePolicy)) throw invalidRules('revotePolicy', `must be one of ${REVOTE_POLICIES.join(', ')}`, rules.revotePolicy);

  let registrationFee: RegistrationFee | null = null;
  if (rules.registrationFee !== null && rules.registrationFee !== undefined) {
    if (!isWholeNumber(rules.registrationFee.amountCents, 1)) {
      throw invalidRules('registrationFee.amountCents', 'must be a whole number of cents, at least 1 (leave the fee out for free registration)', rules.registrationFee.amountCents);
    }
    const currency = typeof rules.registrationFee.currency === 'string' ? rules.registrationFee.currency.toUpperCase() : '';
    if (!/^[A-Z]{3}$/.test(currency)) throw invalidRules('registrationFee.currency', 'must be a three-letter ISO 4217 code such as EUR', rules.registrationFee.currency);
    registrationFee = { amountCents: rules.registrationFee.amountCents, currency };
  }

  return {
    timeZone,
    sponsorship: rules.sponsorship.map((rule) => ({ sponsorKind: rule.sponsorKind, minimumSponsors: rule.minimumSponsors, minimumDistinctDistricts: rule.minimumDistinctDistricts })),
    rounds: { count: rules.rounds.count, majorityPercent: majority },
    blankVoteAllowed: rules.blankVoteAllowed,
    revotePolicy: rules.revotePolicy,
    registrationFee,
  };
}

/** The sponsorship rule for a kind, or null when that kind of sponsor is not required. */
export function sponsorshipRuleFor(rules: ElectionRules, kind: SponsorKind): SponsorshipRule | null {
  return rules.sponsorship.find((rule) => rule.sponsorKind === kind) ?? null;
}

const ms = (instant: string) => Date.parse(instant);

/**
 * The consistency rules of the dates, checked at declaration and after every change:
 *  1. every date is an instant, and none is before `notBefore` (the declaration, or the change);
 *     the sponsorship deadline is strictly after the declaration;
 *  2. each window opens strictly before it closes (registration, voting, second-round voting);
 *  3. registration opens no later than voting opens, and closes no later than voting closes
 *     (it may overlap the vote, as in 2013: whoever registers in time can still vote);
 *  4. the sponsorship deadline is no later than the opening of the vote (the ballot is fixed
 *     by then); sponsorship may overlap registration;
 *  5. with two rounds, both second-round dates are set and the second round opens no earlier
 *     than the first closes; with one round, neither is set.
 * Refusals: InvalidInstant, DateInThePast, InvalidWindow, InconsistentDates,
 * SecondRoundDatesRequired, UnexpectedSecondRoundDates.
 */
export function checkElectionDates(dates: ElectionDates, rounds: RoundsRule, timeZone: string, bounds: { declaredAt: string; notBefore: string; changing?: ElectionDateName }): void {
  const show = (instant: string) => describeInstant(instant, timeZone);

  for (const name of ELECTION_DATE_NAMES) {
    const value = dates[name];
    if (value === null && (name === 'secondRoundVotingOpensAt' || name === 'secondRoundVotingClosesAt')) continue;
    if (!isInstant(value)) throw new DomainError('InvalidInstant', `${name}: "${String(value)}" is not an ISO 8601 instant`, { date: name, value });
  }

  if (rounds.count === 2 && (dates.secondRoundVotingOpensAt === null || dates.secondRoundVotingClosesAt === null)) {
    throw new DomainError('SecondRoundDatesRequired', 'With two rounds, secondRoundVotingOpensAt and secondRoundVotingClosesAt are required', {
      secondRoundVotingOpensAt: dates.secondRoundVotingOpensAt,
      secondRoundVotingClosesAt: dates.secondRoundVotingClosesAt,
    });
  }
  if (rounds.count === 1 && (dates.secondRoundVotingOpensAt !== null || dates.secondRoundVotingClosesAt !== null)) {
    throw new DomainError('UnexpectedSecondRoundDates', 'The election has one round: second-round voting dates must not be set', {
      secondRoundVotingOpensAt: dates.secondRoundVotingOpensAt,
      secondRoundVotingClosesAt: dates.secondRoundVotingClosesAt,
    });
  }

  // 1. Nothing in the past. A change only checks the date it moves: the others may have passed.
  const checked = bounds.changing ? [bounds.changing] : ELECTION_DATE_NAMES;
  for (const name of checked) {
    const value = dates[name];
    if (value !== null && ms(value) < ms(bounds.notBefore)) {
      throw new DomainError('DateInThePast', `${name} (${show(value)}) is before ${show(bounds.notBefore)}, when this is recorded`, {
        date: name,
        value,
        at: bounds.notBefore,
      });
    }
  }
  if (ms(dates.sponsorshipDeadline) <= ms(bounds.declaredAt)) {
    throw new DomainError('DateInThePast', `sponsorshipDeadline (${show(dates.sponsorshipDeadline)}) must be after the declaration (${show(bounds.declaredAt)})`, {
      date: 'sponsorshipDeadline',
      value: dates.sponsorshipDeadline,
      at: bounds.declaredAt,
    });
  }

  // 2. Windows.
  const window = (name: string, opensAt: string, closesAt: string, opensField: ElectionDateName, closesField: ElectionDateName) => {
    if (ms(opensAt) >= ms(closesAt)) {
      throw new DomainError('InvalidWindow', `The ${name} window must open before it closes: ${opensField} is ${show(opensAt)}, ${closesField} is ${show(closesAt)}`, {
        window: name,
        opensAt,
        closesAt,
      });
    }
  };
  window('registration', dates.registrationOpensAt, dates.registrationClosesAt, 'registrationOpensAt', 'registrationClosesAt');
  window('voting', dates.votingOpensAt, dates.votingClosesAt, 'votingOpensAt', 'votingClosesAt');
  if (dates.secondRoundVotingOpensAt !== null && dates.secondRoundVotingClosesAt !== null) {
    window('second-round voting', dates.secondRoundVotingOpensAt, dates.secondRoundVotingClosesAt, 'secondRoundVotingOpensAt', 'secondRoundVotingClosesAt');
  }

  // 3–5. Order between windows.
  const order = (rule: string, earlier: ElectionDateName, later: ElectionDateName, message: string) => {
    const a = dates[earlier];
    const b = dates[later];
    if (a !== null && b !== null && ms(a) > ms(b)) {
      throw new DomainError('InconsistentDates', `${message}: ${earlier} is ${show(a)}, ${later} is ${show(b)}`, { rule, [earlier]: a, [later]: b });
    }
  };
  order('registration-opens-before-voting', 'registrationOpensAt', 'votingOpensAt', 'Registration must open no later than voting opens');
  order('registration-closes-before-voting-closes', 'registrationClosesAt', 'votingClosesAt', 'Registration must close no later than voting closes');
  order('sponsorship-before-voting', 'sponsorshipDeadline', 'votingOpensAt', 'The sponsorship deadline must be no later than the opening of the vote');
  order('second-round-after-first', 'votingClosesAt', 'secondRoundVotingOpensAt', 'The second round must open no earlier than the first round closes');
}
