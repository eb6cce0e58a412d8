import { DomainError, type Decider } from '../shared/decider.js';
import type { RevotePolicy } from '../election/election.rules.js';
import type {
  CandidateCount,
  CredentialRecovery,
  SealFingerprints,
  TrusteePlan,
  VoteCandidate,
  VoteSetupEvent,
} from './vote-setup.events.js';
import type { Round } from './vote.events.js';

/**
 * One round's Belenios election, from preparation to certified result. The cryptographic checks
 * (proofs of keys, signatures of certificates, proofs of partial decryptions) are made by the
 * handlers before deciding, as they are asynchronous: commands arrive here already verified, and
 * the decider enforces the order of the steps and who may take them.
 */

export type VoteStage = 'none' | 'preparing' | 'key-published' | 'sealed' | 'tallying' | 'tallied' | 'certified';

export interface VoteSetupState {
  stage: VoteStage;
  electionId: string;
  round: Round;
  beleniosUuid: string;
  title: string;
  candidates: VoteCandidate[];
  blankAllowed: boolean;
  revotePolicy: RevotePolicy;
  credentialRecovery: CredentialRecovery;
  trustees: TrusteePlan;
  serverKey: string;
  publicCredentials: { count: number; fingerprint: string; stream: string } | null;
  singleKeys: Record<string, string>;
  certificates: Record<string, string>;
  polynomials: Record<string, string>;
  voutputs: Record<string, string>;
  published: { election: string; trustees: string; publicKey: string } | null;
  seal: { fingerprints: SealFingerprints; seal: string } | null;
  encryptedTally: { text: string; numTallied: number; totalWeight: string } | null;
  partialDecryptions: Record<string, { owner: number; text: string }>;
  result: { text: string; counts: CandidateCount[]; blank: number; countedBallots: number } | null;
  certified: { winner: string | null; secondRoundNeeded: boolean } | null;
}

export type VoteSetupCommand =
  | {
      type: 'PrepareVote';
      electionId: string;
      round: Round;
      beleniosUuid: string;
      title: string;
      candidates: VoteCandidate[];
      blankAllowed: boolean;
      revotePolicy: RevotePolicy;
      credentialRecovery: CredentialRecovery;
      trustees: TrusteePlan;
      serverKey: string;
      at: string;
    }
  | { type: 'HandOverPublicCredentials'; count: number; fingerprint: string; stream: string; at: string }
  | { type: 'SubmitTrusteeKey'; trusteeId: string; key: string; at: string }
  | { type: 'SubmitThresholdCertificate'; trusteeId: string; certificate: string; at: string }
  | { type: 'SubmitThresholdPolynomial'; trusteeId: string; polynomial: string; at: string }
  | { type: 'SubmitThresholdVoutput'; trusteeId: string; voutput: string; at: string }
  | { type: 'PublishElectionKey'; election: string; trustees: string; publicKey: string; at: string }
  | { type: 'SealVote'; fingerprints: SealFingerprints; seal: string; at: string }
  | { type: 'RecordEncryptedTally'; encryptedTally: string; numTallied: number; totalWeight: string; seal: string; at: string }
  | { type: 'AcceptPartialDecryption'; trusteeId: string; owner: number; partialDecryption: string; at: string }
  | { type: 'RecordResult'; result: string; counts: CandidateCount[]; blank: number; countedBallots: number; at: string }
  | { type: 'CertifyResult'; winner: string | null; secondRoundNeeded: boolean; at: string };

export function initialVoteSetupState(): VoteSetupState {
  return {
    stage: 'none',
    electionId: '',
    round: 1,
    beleniosUuid: '',
    title: '',
    candidates: [],
    blankAllowed: false,
    revotePolicy: 'last-vote-counts',
    credentialRecovery: 'keep',
    trustees: { singles: [], thresholdGroup: null },
    serverKey: '',
    publicCredentials: null,
    singleKeys: {},
    certificates: {},
    polynomials: {},
    voutputs: {},
    published: null,
    seal: null,
    encryptedTally: null,
    partialDecryptions: {},
    result: null,
    certified: null,
  };
}

/** Which step the ceremony is waiting for, for people and for refusals. */
export function missingForKey(state: VoteSetupState): string[] {
  const missing: string[] = [];
  if (!state.publicCredentials) missing.push('the public credentials');
  for (const trusteeId of state.trustees.singles) if (!state.singleKeys[trusteeId]) missing.push(`the key of trustee ${trusteeId}`);
  const group = state.trustees.thresholdGroup;
  if (group) for (const trusteeId of group.trustees) if (!state.voutputs[trusteeId]) missing.push(`the threshold key share of trustee ${trusteeId}`);
  return missing;
}

/** The threshold ceremony's current step: certificates, then polynomials, then voutputs. */
export function thresholdStep(state: VoteSetupState): 'certificates' | 'polynomials' | 'voutputs' | 'done' | 'none' {
  const group = state.trustees.thresholdGroup;
  if (!group) return 'none';
  if (group.trustees.some((t) => !state.certificates[t])) return 'certificates';
  if (group.trustees.some((t) => !state.polynomials[t])) return 'polynomials';
  if (group.trustees.some((t) => !state.voutputs[t])) return 'voutputs';
  return 'done';
}

/** The public key of a trustee_public_key text, or the text itself when it is not one (compared only). */
function publicKeyOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { public_key?: unknown };
    return typeof parsed.public_key === 'string' ? parsed.public_key : text;
  } catch {
    return text;
  }
}

function refuse(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}

function requireStage(state: VoteSetupState, stages: VoteStage[], action: string): void {
  if (state.stage === 'none') refuse('VoteNotPrepared', 'This round has not been prepared');
  if (!stages.includes(state.stage)) refuse('WrongVoteStage', `Cannot ${action} at this stage (${state.stage})`, { stage: state.stage });
}

function isThresholdTrustee(state: VoteSetupState, trusteeId: string): boolean {
  return state.trustees.thresholdGroup?.trustees.includes(trusteeId) ?? false;
}

function decide(command: VoteSetupCommand, state: VoteSetupState): VoteSetupEvent[] {
  const ids = { electionId: state.electionId, round: state.round };
  switch (command.type) {
    case 'PrepareVote': {
      if (state.stage !== 'none') refuse('VoteAlreadyPrepared', 'This round is already prepared');
      if (command.candidates.length < 1) refuse('NoCandidate', 'A vote needs at least one candidate in the ballot order');
      const everyone = [...command.trustees.singles, ...(command.trustees.thresholdGroup?.trustees ?? [])];
      if (new Set(everyone).size !== everyone.length) refuse('TrusteeListedTwice', 'A trustee appears twice in the plan');
      const group = command.trustees.thresholdGroup;
      if (group && (group.trustees.length < 2 || group.threshold < 1 || group.threshold > group.trustees.length))
        refuse('InvalidThreshold', `A threshold group needs at least 2 trustees and a threshold between 1 and their number`, { ...group });
      const { type: _type, ...data } = command;
      return [{ type: 'VotePrepared', data: { ...data, group: 'BELENIOS-2048' } }];
    }
    case 'HandOverPublicCredentials':
      requireStage(state, ['preparing'], 'hand over public credentials');
      if (state.publicCredentials) refuse('CredentialsAlreadyHandedOver', 'The public credentials were already handed over');
      if (command.count < 1) refuse('NoVoter', 'There is no approved voter to issue credentials to');
      return [{ type: 'PublicCredentialsHandedOver', data: { ...ids, count: command.count, fingerprint: command.fingerprint, stream: command.stream, at: command.at } }];
    case 'SubmitTrusteeKey':
      requireStage(state, ['preparing'], 'submit a trustee key');
      if (!state.trustees.singles.includes(command.trusteeId)) refuse('NotATrustee', 'You are not a trustee with a single key for this round');
      if (state.singleKeys[command.trusteeId] === command.key) return [];
      if (state.singleKeys[command.trusteeId]) refuse('KeyAlreadySubmitted', 'Your key for this round is already recorded');
      // Decided here, on the state the append is checked against: two trustees racing with one key cannot both get in.
      if ([state.serverKey, ...Object.values(state.singleKeys)].some((other) => publicKeyOf(other) === publicKeyOf(command.key)))
        refuse('KeyReused', 'This public key is already used in this round (each trustee needs a key of their own)');
      return [{ type: 'TrusteeKeySubmitted', data: { ...ids, trusteeId: command.trusteeId, key: command.key, at: command.at } }];
    case 'SubmitThresholdCertificate':
      return thresholdSubmission(state, command.trusteeId, 'certificates', state.certificates, command.certificate, () => ({
        type: 'ThresholdCertificateSubmitted',
        data: { ...ids, trusteeId: command.trusteeId, certificate: command.certificate, at: command.at },
      }));
    case 'SubmitThresholdPolynomial':
      return thresholdSubmission(state, command.trusteeId, 'polynomials', state.polynomials, command.polynomial, () => ({
        type: 'ThresholdPolynomialSubmitted',
        data: { ...ids, trusteeId: command.trusteeId, polynomial: command.polynomial, at: command.at },
      }));
    case 'SubmitThresholdVoutput':
      return thresholdSubmission(state, command.trusteeId, 'voutputs', state.voutputs, command.voutput, () => ({
        type: 'ThresholdVoutputSubmitted',
        data: { ...ids, trusteeId: command.trusteeId, voutput: command.voutput, at: command.at },
      }));
    case 'PublishElectionKey': {
      requireStage(state, ['preparing'], 'publish the election key');
      const missing = missingForKey(state);
      if (missing.length > 0) refuse('CeremonyIncomplete', `Still missing: ${missing.join(', ')}`, { missing });
      return [{ type: 'ElectionKeyPublished', data: { ...ids, election: command.election, trustees: command.trustees, publicKey: command.publicKey, at: command.at } }];
    }
    case 'SealVote':
      requireStage(state, ['key-published'], 'seal the vote');
      return [{ type: 'VoteSealed', data: { ...ids, fingerprints: command.fingerprints, seal: command.seal, at: command.at } }];
    case 'RecordEncryptedTally':
      requireStage(state, ['sealed'], 'compute the encrypted tally');
      if (command.seal !== state.seal!.seal) refuse('SealMismatch', 'The set-up no longer matches its seal: the tally is refused', { sealed: state.seal!.seal, now: command.seal });
      return [
        {
          type: 'EncryptedTallyComputed',
          data: { ...ids, encryptedTally: command.encryptedTally, numTallied: command.numTallied, totalWeight: command.totalWeight, seal: command.seal, at: command.at },
        },
      ];
    case 'AcceptPartialDecryption': {
      requireStage(state, ['tallying'], 'accept a partial decryption');
      if (state.partialDecryptions[command.trusteeId]) {
        if (state.partialDecryptions[command.trusteeId]!.text === command.partialDecryption) return [];
        refuse('DecryptionAlreadySubmitted', 'Your partial decryption is already recorded');
      }
      return [
        {
          type: 'PartialDecryptionAccepted',
          data: { ...ids, trusteeId: command.trusteeId, owner: command.owner, partialDecryption: command.partialDecryption, at: command.at },
        },
      ];
    }
    case 'RecordResult':
      requireStage(state, ['tallying'], 'record the result');
      return [
        {
          type: 'ResultComputed',
          data: { ...ids, result: command.result, counts: command.counts, blank: command.blank, countedBallots: command.countedBallots, at: command.at },
        },
      ];
    case 'CertifyResult':
      requireStage(state, ['tallied'], 'certify the result');
      return [{ type: 'ResultCertified', data: { ...ids, winner: command.winner, secondRoundNeeded: command.secondRoundNeeded, at: command.at } }];
  }
}

const INVALID_STEP = { certificates: 'InvalidCertificate', polynomials: 'InvalidPolynomial', voutputs: 'InvalidVoutput' } as const;

function thresholdSubmission(
  state: VoteSetupState,
  trusteeId: string,
  step: 'certificates' | 'polynomials' | 'voutputs',
  recorded: Record<string, string>,
  text: string,
  event: () => VoteSetupEvent,
): VoteSetupEvent[] {
  requireStage(state, ['preparing'], 'take part in the threshold ceremony');
  if (!isThresholdTrustee(state, trusteeId)) refuse('NotATrustee', 'You are not in the threshold group of this round');
  if (recorded[trusteeId] === text) return [];
  if (recorded[trusteeId]) refuse('AlreadySubmitted', `Your ${step.slice(0, -1)} is already recorded`);
  if (Object.values(recorded).includes(text)) refuse(INVALID_STEP[step], `This ${step.slice(0, -1)} is another trustee's`);
  const current = thresholdStep(state);
  if (current !== step) refuse('WrongCeremonyStep', `The threshold ceremony is at the ${current} step`, { step: current });
  return [event()];
}

function evolve(state: VoteSetupState, event: VoteSetupEvent): VoteSetupState {
  switch (event.type) {
    case 'VotePrepared': {
      const { at: _at, group: _group, ...data } = event.data;
      return { ...state, ...data, stage: 'preparing' };
    }
    case 'PublicCredentialsHandedOver':
      return { ...state, publicCredentials: { count: event.data.count, fingerprint: event.data.fingerprint, stream: event.data.stream } };
    case 'TrusteeKeySubmitted':
      return { ...state, singleKeys: { ...state.singleKeys, [event.data.trusteeId]: event.data.key } };
    case 'ThresholdCertificateSubmitted':
      return { ...state, certificates: { ...state.certificates, [event.data.trusteeId]: event.data.certificate } };
    case 'ThresholdPolynomialSubmitted':
      return { ...state, polynomials: { ...state.polynomials, [event.data.trusteeId]: event.data.polynomial } };
    case 'ThresholdVoutputSubmitted':
      return { ...state, voutputs: { ...state.voutputs, [event.data.trusteeId]: event.data.voutput } };
    case 'ElectionKeyPublished':
      return { ...state, stage: 'key-published', published: { election: event.data.election, trustees: event.data.trustees, publicKey: event.data.publicKey } };
    case 'VoteSealed':
      return { ...state, stage: 'sealed', seal: { fingerprints: event.data.fingerprints, seal: event.data.seal } };
    case 'EncryptedTallyComputed':
      return { ...state, stage: 'tallying', encryptedTally: { text: event.data.encryptedTally, numTallied: event.data.numTallied, totalWeight: event.data.totalWeight } };
    case 'PartialDecryptionAccepted':
      return { ...state, partialDecryptions: { ...state.partialDecryptions, [event.data.trusteeId]: { owner: event.data.owner, text: event.data.partialDecryption } } };
    case 'ResultComputed':
      return { ...state, stage: 'tallied', result: { text: event.data.result, counts: event.data.counts, blank: event.data.blank, countedBallots: event.data.countedBallots } };
    case 'ResultCertified':
      return { ...state, stage: 'certified', certified: { winner: event.data.winner, secondRoundNeeded: event.data.secondRoundNeeded } };
  }
}

export const voteSetupDecider: Decider<VoteSetupCommand, VoteSetupEvent, VoteSetupState> = {
  decide,
  evolve,
  initialState: initialVoteSetupState,
};
