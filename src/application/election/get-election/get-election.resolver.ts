import { Args, Query, Resolver } from '@nestjs/graphql';
import { AllowedFor } from '../../../infrastructure/auth/auth.decorators.js';
import { ElectionViews } from '../election-views.js';
import { ElectionType } from '../election.types.js';

@Resolver()
export class GetElectionResolver {
  constructor(private readonly views: ElectionViews) {}

  @Query(() => ElectionType, {
    nullable: true,
    description: 'An election as its stream says now (no projection lag), with its phase at the server clock; null when no such election was declared.',
  })
  @AllowedFor('public')
  election(@Args('id', { type: () => String }) id: string): Promise<ElectionType | null> {
    return this.views.find(id);
  }
}
