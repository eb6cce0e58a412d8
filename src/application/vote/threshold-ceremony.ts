import type { BeleniosCrypto } from '../ports/belenios-crypto.js';
import type { VoteSetupState } from '../../domain/vote/vote-setup.decider.js';

/**
 * The threshold group's published parameters and sub-key, from the ceremony's recorded steps
 * (Belenios 4.6.7). Filled in with the threshold ceremony (src/domain/belenios/threshold).
 */
export async function thresholdParametersOf(state: VoteSetupState, _crypto: BeleniosCrypto): Promise<{ text: string; subKey: bigint }> {
  throw new Error(`threshold parameters for ${state.electionId} are not available yet`);
}

/** The threshold group's verification keys (one per member, in group order), from their voutputs. */
export function pedersenVerificationKeys(state: VoteSetupState): bigint[] {
  if (!state.trustees.thresholdGroup) return [];
  throw new Error(`threshold verification keys for ${state.electionId} are not available yet`);
}
