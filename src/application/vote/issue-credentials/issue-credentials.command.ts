import { Command } from '@nestjs/cqrs';
import { VoteRoundInput } from '../vote.inputs.js';

export interface IssueCredentialsOutcome {
  voters: number;
  newlyGenerated: number;
  notificationsRequested: number;
  fingerprint: string;
}

/** The credential authority issues one credential per approved voter, once registration is closed. */
export class IssueCredentialsCommand extends Command<IssueCredentialsOutcome> {
  constructor(
    readonly input: VoteRoundInput,
    readonly commandId: string,
    readonly actor: string,
    /** Called as the work advances (the CLI draws a progress bar). */
    readonly onProgress?: (step: 'generate' | 'publish' | 'notify', done: number, total: number) => void,
  ) {
    super();
  }
}
