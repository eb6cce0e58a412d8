import { Field, ObjectType } from '@nestjs/graphql';
import type { RegistrationState } from '../../../domain/registration/index.js';

/** awaiting-confirmation, in-review, approved, rejected, cancelled. */
export function describeStatus(state: Pick<RegistrationState, 'status' | 'flagged' | 'reviewCleared'>): string {
  if (state.status !== 'pending') return state.status;
  return state.flagged && !state.reviewCleared ? 'in-review' : 'awaiting-confirmation';
}

@ObjectType('RegistrationStatus')
export class RegistrationStatusType {
  @Field()
  registrationId!: string;

  @Field({ description: 'awaiting-confirmation, in-review, approved, rejected or cancelled.' })
  status!: string;

  @Field({ nullable: true })
  electionId?: string;

  @Field({ nullable: true })
  district?: string;

  @Field({ nullable: true })
  emailConfirmed?: boolean;

  @Field({ nullable: true })
  phoneConfirmed?: boolean;

  @Field({ nullable: true, description: 'Why the council rejected it, when it did.' })
  rejectionReason?: string;
}
