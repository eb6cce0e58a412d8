import { Command } from '@nestjs/cqrs';
import type { VoteRoundInput } from './vote.inputs.js';

/** A council action on a round that needs nothing but the round (publish, seal, open, close, tally, certify). */
export abstract class RoundCommand<Result = unknown> extends Command<Result> {
  constructor(readonly input: VoteRoundInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
