import { parseElection, type Election } from '../../domain/belenios/election.js';
import { parseJsonText } from '../../domain/belenios/json.js';
import { partialDecryptionFromJson } from '../../domain/belenios/partial-decryption.js';
import { combineDecryptionFactors, decryptTally, serializeResult, type TrusteeFactors } from '../../domain/belenios/result.js';
import { encryptedTallyFromJson, type EncryptedTally } from '../../domain/belenios/tally.js';
import { trusteePublicKeyFromJson } from '../../domain/belenios/trustee-key.js';
import { DomainError } from '../../domain/shared/decider.js';
import type { VoteSetupState } from '../../domain/vote/vote-setup.decider.js';
import type { CandidateCount } from '../../domain/vote/vote-setup.events.js';
import type { BeleniosCrypto } from '../ports/belenios-crypto.js';

export const SERVER_TRUSTEE = 'server';

/**
 * Who decrypts, in the order of the published trustees structure: the server (owner 1), the
 * single trustees, then the threshold group's members (Belenios numbers trustees 1, 2, … across
 * the structure). A partial decryption is checked against the key this order gives its owner.
 */
export interface DecryptingTrustee {
  trusteeId: string;
  owner: number;
  publicKey: bigint;
  kind: 'Single' | 'Pedersen';
  /** Position (1-based) inside the threshold group. */
  groupIndex?: number;
}

export function decryptingTrustees(state: VoteSetupState, pedersenKeys: readonly bigint[] = []): DecryptingTrustee[] {
  const key = (text: string) => trusteePublicKeyFromJson(JSON.parse(text)).publicKey;
  const trustees: DecryptingTrustee[] = [{ trusteeId: SERVER_TRUSTEE, owner: 1, publicKey: key(state.serverKey), kind: 'Single' }];
  for (const trusteeId of state.trustees.singles) trustees.push({ trusteeId, owner: trustees.length + 1, publicKey: key(state.singleKeys[trusteeId]!), kind: 'Single' });
  (state.trustees.thresholdGroup?.trustees ?? []).forEach((trusteeId, index) =>
    trustees.push({ trusteeId, owner: trustees.length + 1, publicKey: pedersenKeys[index]!, kind: 'Pedersen', groupIndex: index + 1 }),
  );
  return trustees;
}

export interface RoundTally {
  election: Election;
  tally: EncryptedTally;
}

export async function roundTally(state: VoteSetupState, crypto: BeleniosCrypto): Promise<RoundTally> {
  if (!state.published || !state.encryptedTally) throw new DomainError('WrongVoteStage', 'There is no encrypted tally yet');
  const election = await parseElection(state.published.election, crypto.sha256);
  return { election, tally: encryptedTallyFromJson(election, parseJsonText(state.encryptedTally.text, 'encrypted tally')) };
}

/** Whether the recorded partial decryptions are enough: every single key, and the threshold of the group. */
export function quorumReached(state: VoteSetupState): boolean {
  const have = (id: string) => state.partialDecryptions[id] !== undefined;
  if (!have(SERVER_TRUSTEE) || !state.trustees.singles.every(have)) return false;
  const group = state.trustees.thresholdGroup;
  return !group || group.trustees.filter(have).length >= group.threshold;
}

/** Combines the partial decryptions (Lagrange for the group), takes the discrete logs, reads the counts. */
export async function computeResult(state: VoteSetupState, trustees: readonly DecryptingTrustee[], crypto: BeleniosCrypto) {
  const { election, tally } = await roundTally(state, crypto);
  const factorsOf = (trusteeId: string) => partialDecryptionFromJson(parseJsonText(state.partialDecryptions[trusteeId]!.text, 'partial decryption')).decryptionFactors;
  const items: TrusteeFactors[] = trustees.filter((t) => t.kind === 'Single').map((t) => ({ kind: 'Single', factors: factorsOf(t.trusteeId) }));
  const group = state.trustees.thresholdGroup;
  if (group) {
    const present = trustees.filter((t) => t.kind === 'Pedersen' && state.partialDecryptions[t.trusteeId]).slice(0, group.threshold);
    items.push({ kind: 'Pedersen', shares: present.map((t) => ({ index: t.groupIndex!, factors: factorsOf(t.trusteeId) })) });
  }
  const combined = combineDecryptionFactors(election.group, tally, items, crypto.modExp);
  const result = decryptTally(election.group, tally, combined, BigInt(state.encryptedTally!.totalWeight), crypto.modExp);
  const row = result[0]!.map(Number);
  const offset = state.blankAllowed ? 1 : 0;
  const counts: CandidateCount[] = state.candidates.map((candidate, index) => ({ candidateId: candidate.candidateId, votes: row[index + offset]! }));
  return { text: serializeResult(result), counts, blank: state.blankAllowed ? row[0]! : 0, countedBallots: state.encryptedTally!.numTallied };
}
