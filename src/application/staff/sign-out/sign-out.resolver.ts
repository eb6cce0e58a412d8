import { CommandBus } from '@nestjs/cqrs';
import { Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { CurrentSessionId } from '../../../infrastructure/auth/current-session.decorator.js';
import { SignOutCommand } from './sign-out.command.js';

@Resolver()
export class SignOutResolver {
  constructor(private readonly commands: CommandBus) {}

  @Mutation(() => Boolean, { description: "Ends the caller's session: its token stops working at once." })
  @AllowedFor('council', 'operator', 'trustee', 'auditor', 'voter')
  signOut(@CurrentActor() actor: Actor, @CurrentSessionId() sessionId: string | null): Promise<boolean> {
    return this.commands.execute(new SignOutCommand(actor, sessionId));
  }
}
