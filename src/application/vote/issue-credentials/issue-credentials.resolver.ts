import { CommandBus } from '@nestjs/cqrs';
import { Args, Field, Int, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { VoteRoundInput } from '../vote.inputs.js';
import { IssueCredentialsCommand, type IssueCredentialsOutcome } from './issue-credentials.command.js';

@ObjectType('CredentialsIssued')
export class CredentialsIssuedType {
  @Field(() => Int) voters!: number;
  @Field(() => Int) newlyGenerated!: number;
  @Field(() => Int) notificationsRequested!: number;
  @Field({ description: 'SHA-256 (base 64) of the public credentials list: compare it with what the round publishes.' }) fingerprint!: string;
}

@Resolver()
export class IssueCredentialsResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => CredentialsIssuedType, {
    description:
      'The credential authority issues one credential per approved voter once registration has closed (the schedule does it by itself at the close for a prepared round): access codes by e-mail, the public list to the round. Running it again resumes an interrupted run, or once done says what was done. Refusals: VoteNotPrepared, RegistrationStillOpen, NoVoter, CredentialListMismatch.',
  })
  @AllowedFor('council')
  async issueCredentials(@Args('input', { type: () => VoteRoundInput }) input: VoteRoundInput, @CurrentActor() actor: Actor): Promise<IssueCredentialsOutcome> {
    const valid = assertValidInput(VoteRoundInput, input);
    return this.commandBus.execute(new IssueCredentialsCommand(valid, valid.commandId ?? randomUUID(), actor.id));
  }
}
