import { Field, ID, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { StaffRole } from '../../../domain/staff/staff-role.js';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { StaffRoleEnum } from '../../../infrastructure/auth/staff-role.graphql.js';

@ObjectType('Me', { description: 'Who the server takes the caller for.' })
export class MeType {
  @Field({ description: 'anonymous, staff or voter' }) kind!: string;
  @Field({ description: 'The actor id events record: anonymous, staff:<staffId> or voter:<registrationId>.' }) actorId!: string;
  @Field(() => ID, { nullable: true }) staffId!: string | null;
  @Field(() => String, { nullable: true }) username!: string | null;
  @Field(() => StaffRoleEnum, { nullable: true }) role!: StaffRole | null;
  @Field(() => ID, { nullable: true }) registrationId!: string | null;
}

@Resolver()
export class MeResolver {
  @Query(() => MeType, { description: 'The caller, as resolved from the bearer token (anonymous without a valid one).' })
  @AllowedFor('public')
  me(@CurrentActor() actor: Actor): MeType {
    return {
      kind: actor.kind,
      actorId: actor.id,
      staffId: actor.kind === 'staff' ? actor.staffId : null,
      username: actor.kind === 'staff' ? actor.username : null,
      role: actor.kind === 'staff' ? actor.role : null,
      registrationId: actor.kind === 'voter' ? actor.registrationId : null,
    };
  }
}
