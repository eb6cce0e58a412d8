import type { RollIdentity } from '../../domain/reference-data/normalise.js';

export type { RollIdentity } from '../../domain/reference-data/normalise.js';

/**
 * Look-ups in the reference data of an election (the electoral roll and the list of elected
 * officials), as the other slices need them: registration (is this person on the roll?),
 * sponsorship (is this sponsor an elected official, from which district?), support.
 *
 * Implemented by this node's read models (src/projections/electoral-roll/), so answers reflect
 * the latest completed import of each list, as far as the projections have caught up; inject it
 * with `@Inject(ELECTORAL_ROLL_LOOKUP)`.
 */
export interface ElectoralRollLookup {
  /**
   * The roll entry of a person, matched on the normalised identity (case, accents, hyphens,
   * apostrophes and spaces do not matter; the birth date must be exact), or null.
   * When several entries share the identity (homonyms born the same day), the first by id is
   * returned with `matches` > 1: the caller decides (e.g. flags the registration for review).
   */
  findByIdentity(electionId: string, identity: RollIdentity): Promise<RollMatch | null>;
  /** One entry of the active roll, with its personal fields opened ('[erased]' once forgotten), or null. */
  findEntry(electionId: string, rollEntryId: string): Promise<RollEntry | null>;
  /** An elected official of the active list, or null. */
  findOfficial(electionId: string, officialId: string): Promise<ElectedOfficial | null>;
  /** Which import of each list is in force (null before the first completed import). */
  activeVersions(electionId: string): Promise<{ roll: ActiveImport | null; officials: ActiveImport | null }>;
}

export interface RollMatch {
  rollEntryId: string;
  arrondissement: string;
  pollingStation: string;
  /** How many entries of the active roll have this identity (1 normally). */
  matches: number;
}

export interface RollEntry {
  rollEntryId: string;
  arrondissement: string;
  pollingStation: string;
  /** Personal fields: '[erased]' (ERASED) once the subject was forgotten. */
  lastName: string;
  firstNames: string;
  /** `YYYY-MM-DD`, or '[erased]'. */
  birthDate: string;
  address: string;
  rollIdentifier: string;
  erased: boolean;
  importId: string;
  version: number;
}

export interface ElectedOfficial {
  officialId: string;
  lastName: string;
  firstNames: string;
  mandate: string;
  /** '' when the mandate has no district. */
  arrondissement: string;
}

export interface ActiveImport {
  importId: string;
  version: number;
  rows: number;
  contentHash: string;
}

export const ELECTORAL_ROLL_LOOKUP = Symbol.for('urne:ElectoralRollLookup');
