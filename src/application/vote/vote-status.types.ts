import { Field, Int, ObjectType } from '@nestjs/graphql';
import { missingForKey, thresholdStep, type VoteSetupState } from '../../domain/vote/vote-setup.decider.js';

@ObjectType('VoteCandidate')
export class VoteCandidateType {
  @Field() candidateId!: string;
  @Field() name!: string;
}

@ObjectType('CandidateResult')
export class CandidateResultType {
  @Field() candidateId!: string;
  @Field() name!: string;
  @Field(() => Int) votes!: number;
  @Field({ description: 'Percent of the votes for candidates (blank votes excluded), one decimal.' }) percentOfCandidateVotes!: number;
  @Field({ description: 'Percent of all counted ballots (blank included), one decimal.' }) percentOfBallots!: number;
}

@ObjectType('VoteResult', { description: 'The decrypted result of a round. Denominators are stated with every percentage.' })
export class VoteResultType {
  @Field(() => [CandidateResultType], { description: 'In ballot order.' }) candidates!: CandidateResultType[];
  @Field(() => Int) blank!: number;
  @Field(() => Int, { description: 'Ballots counted: the last ballot of each credential.' }) countedBallots!: number;
  @Field(() => Int, { description: 'Denominator of percentOfCandidateVotes: countedBallots minus blank.' }) candidateVotes!: number;
  @Field({ description: 'The result structure as published (Belenios JSON).' }) resultJson!: string;
  @Field(() => Int, { nullable: true, description: 'Voters recorded as having voted (émargements, from the turnout read model).' }) emargements?: number;
  @Field({ nullable: true, description: 'Whether émargements equal counted ballots (certification re-checks it on the log itself).' }) emargementsMatchCountedBallots?: boolean;
  @Field({ nullable: true }) certified?: boolean;
  @Field(() => String, { nullable: true }) winner?: string | null;
  @Field({ nullable: true }) secondRoundNeeded?: boolean;
}

@ObjectType('ThresholdGroup', { description: 'A group of trustees of whom `threshold` are needed to decrypt.' })
export class ThresholdGroupType {
  @Field(() => [String], { description: 'Staff ids, in the group order (Belenios positions 1, 2, …).' }) trustees!: string[];
  @Field(() => Int) threshold!: number;
}

@ObjectType('VoteRound', { description: 'One round of voting: a Belenios 2.0 election, from preparation to certified result.' })
export class VoteRoundType {
  @Field() electionId!: string;
  @Field(() => Int) round!: number;
  @Field({ description: 'none, preparing, key-published, sealed, tallying, tallied, certified' }) stage!: string;
  @Field({ nullable: true }) beleniosUuid?: string;
  @Field(() => [VoteCandidateType]) candidates!: VoteCandidateType[];
  @Field() blankAllowed!: boolean;
  @Field() revotePolicy!: string;
  @Field({ nullable: true, description: 'The server key of this round (trustee_public_key JSON).' }) serverKey?: string;
  @Field(() => [String], { description: 'What the key ceremony still waits for.' }) missing!: string[];
  @Field({ description: 'none, certificates, polynomials, voutputs, done' }) thresholdStep!: string;
  @Field(() => [String], { description: 'Staff ids of the single trustees.' }) singleTrustees!: string[];
  @Field(() => ThresholdGroupType, { nullable: true }) thresholdGroup?: ThresholdGroupType | null;
  @Field(() => Int, { nullable: true }) publicCredentials?: number;
  @Field({ nullable: true, description: 'SHA-256 (base 64) of the public credentials list, as belenios-tool prints it.' }) publicCredentialsFingerprint?: string;
  @Field({ nullable: true, description: 'The election structure as published (Belenios JSON): voters build ballots with it.' }) electionJson?: string;
  @Field({ nullable: true, description: 'The trustees structure as published (Belenios JSON).' }) trusteesJson?: string;
  @Field({ nullable: true }) seal?: string;
  @Field({ nullable: true, description: 'The encrypted tally (Belenios encrypted_tally JSON) that trustees decrypt.' }) encryptedTallyJson?: string;
  @Field(() => Int, { nullable: true, description: 'Ballots in the encrypted tally (the last of each credential).' }) tallied?: number;
  @Field(() => [String], { description: 'Trustees (staff ids) whose partial decryption is recorded.' }) decryptedBy!: string[];
  @Field(() => VoteResultType, { nullable: true }) result?: VoteResultType;
  @Field(() => String, { nullable: true, description: 'The $all position of the last event these figures were computed from: replaying the ledger up to it gives them again.' })
  position?: string | null;
}

export function toVoteRound(state: VoteSetupState, emargements?: number, position?: bigint | null): VoteRoundType {
  const round: VoteRoundType = {
    electionId: state.electionId,
    round: state.round,
    stage: state.stage,
    beleniosUuid: state.beleniosUuid || undefined,
    candidates: state.candidates,
    blankAllowed: state.blankAllowed,
    revotePolicy: state.revotePolicy,
    serverKey: state.serverKey || undefined,
    missing: state.stage === 'preparing' ? missingForKey(state) : [],
    thresholdStep: thresholdStep(state),
    singleTrustees: state.trustees.singles,
    thresholdGroup: state.trustees.thresholdGroup,
    publicCredentials: state.publicCredentials?.count,
    publicCredentialsFingerprint: state.publicCredentials?.fingerprint,
    electionJson: state.published?.election,
    trusteesJson: state.published?.trustees,
    seal: state.seal?.seal,
    encryptedTallyJson: state.encryptedTally?.text,
    tallied: state.encryptedTally?.numTallied,
    decryptedBy: Object.keys(state.partialDecryptions),
    position: position === undefined || position === null ? null : position.toString(),
  };
  if (state.result) {
    round.result = toVoteResult(state);
    if (emargements !== undefined) Object.assign(round.result, { emargements, emargementsMatchCountedBallots: emargements === state.result.countedBallots });
  }
  return round;
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((1000 * part) / whole) / 10);

function toVoteResult(state: VoteSetupState): VoteResultType {
  const result = state.result!;
  const candidateVotes = result.counts.reduce((sum, c) => sum + c.votes, 0);
  const names = new Map(state.candidates.map((c) => [c.candidateId, c.name]));
  return {
    candidates: result.counts.map((c) => ({
      candidateId: c.candidateId,
      name: names.get(c.candidateId) ?? c.candidateId,
      votes: c.votes,
      percentOfCandidateVotes: percent(c.votes, candidateVotes),
      percentOfBallots: percent(c.votes, result.countedBallots),
    })),
    blank: result.blank,
    countedBallots: result.countedBallots,
    candidateVotes,
    resultJson: result.text,
    certified: state.certified !== null,
    winner: state.certified?.winner ?? null,
    secondRoundNeeded: state.certified?.secondRoundNeeded,
  };
}
