import { Field, ObjectType } from '@nestjs/graphql';
import type { CandidateState } from '../../domain/candidacy/candidate.decider.js';

@ObjectType('Candidate', { description: 'A declared candidate, as its stream says.' })
export class CandidateType {
  @Field() electionId!: string;
  @Field() candidateId!: string;
  @Field({ description: 'The public name on the ballot.' }) name!: string;
  @Field(() => String, { nullable: true }) party!: string | null;
  @Field({ description: 'declared, certified or withdrawn.' }) status!: string;
  @Field(() => String, { nullable: true, description: 'Why the candidate withdrew.' }) withdrawalReason!: string | null;
}

export function toCandidateView(state: CandidateState): CandidateType {
  if (state.status === 'none') throw new Error('toCandidateView: no candidate');
  return {
    electionId: state.electionId,
    candidateId: state.candidateId,
    name: state.name,
    party: state.party,
    status: state.status,
    withdrawalReason: state.withdrawal?.reason ?? null,
  };
}
