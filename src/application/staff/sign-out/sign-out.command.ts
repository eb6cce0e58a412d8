import { Command } from '@nestjs/cqrs';
import type { Actor } from '../../../infrastructure/auth/actor.js';

/** Ends the caller's own session. Resolves to false when it was already closed. */
export class SignOutCommand extends Command<boolean> {
  constructor(
    readonly actor: Actor,
    readonly sessionId: string | null,
  ) {
    super();
  }
}
