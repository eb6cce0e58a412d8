import { sponsorshipRuleFor, SPONSOR_KINDS, type ElectionRules, type SponsorKind } from '../election/election.rules.js';
import { DomainError } from '../shared/decider.js';
import type { SponsorFigures } from './candidacy.events.js';

/** A candidate id: a slug like an election id, 1 to 64 characters (`nkm`, `anne-hidalgo-2`). */
export const CANDIDATE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const CANDIDATE_ID_MAX_LENGTH = 64;
/** A sponsor id as the reference lists give it (official id, roll entry id). */
export const SPONSOR_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_:@-]{0,99}$/;
export const CANDIDATE_NAME_MAX_LENGTH = 200;
export const CANDIDACY_REASON_MAX_LENGTH = 1000;

export const isCandidateId = (value: unknown): value is string => typeof value === 'string' && value.length <= CANDIDATE_ID_MAX_LENGTH && CANDIDATE_ID_PATTERN.test(value);
export const isSponsorId = (value: unknown): value is string => typeof value === 'string' && SPONSOR_ID_PATTERN.test(value);
export const isSponsorKind = (value: unknown): value is SponsorKind => (SPONSOR_KINDS as readonly unknown[]).includes(value);

export function assertCandidateId(value: unknown): asserts value is string {
  if (!isCandidateId(value)) throw new DomainError('InvalidCandidateId', `"${String(value)}" is not a valid candidate id: lower-case letters and digits in groups joined by single hyphens`, { candidateId: value });
}

/** Sponsors of one kind for one candidate, as counted by the sponsorship-progress read model. */
export interface SponsorTally {
  sponsorKind: SponsorKind;
  sponsors: number;
  distinctDistricts: number;
}

export interface Qualification {
  qualified: boolean;
  figures: Array<SponsorFigures & { qualified: boolean }>;
}

/**
 * Qualification: for every kind with a rule, at least `minimumSponsors` sponsors from at least
 * `minimumDistinctDistricts` distinct districts. A kind without a rule requires nothing (its
 * sponsors are still counted and shown, with requirements 0).
 */
export function qualification(rules: ElectionRules, tallies: readonly SponsorTally[]): Qualification {
  const figures = SPONSOR_KINDS.map((sponsorKind) => {
    const rule = sponsorshipRuleFor(rules, sponsorKind);
    const tally = tallies.find((t) => t.sponsorKind === sponsorKind);
    const sponsors = tally?.sponsors ?? 0;
    const distinctDistricts = tally?.distinctDistricts ?? 0;
    const minimumSponsors = rule?.minimumSponsors ?? 0;
    const minimumDistinctDistricts = rule?.minimumDistinctDistricts ?? 0;
    return { sponsorKind, sponsors, distinctDistricts, minimumSponsors, minimumDistinctDistricts, qualified: sponsors >= minimumSponsors && distinctDistricts >= minimumDistinctDistricts };
  });
  return { qualified: figures.every((f) => f.qualified), figures };
}
