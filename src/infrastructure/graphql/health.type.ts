import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('Health', { description: 'Whether this node and its event store answer.' })
export class HealthType {
  @Field(() => String, { description: '"ok", or "unavailable" when the event store does not answer.' })
  status!: string;

  @Field(() => String, { description: 'The event store adapter: "sqlite" or "kurrentdb".' })
  store!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Position of the last event in $all, as a decimal string (64-bit); null when the log is empty or the store is unavailable.',
  })
  headPosition!: string | null;

  @Field(() => String, { description: 'The Urne version this node runs.' })
  version!: string;
}
