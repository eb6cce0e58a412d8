import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/shared/decider.js';
import { sha256Base64 } from '../../../domain/vote/belenios-setup.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import { CODE_FINGERPRINT, type CodeFingerprint } from '../../ports/code-fingerprint.js';
import { RoundCommand } from '../round-command.js';
import { currentSeal } from '../seal.js';
import { VoteRounds } from '../vote-rounds.js';

export class SealVoteCommand extends RoundCommand {}

/** Seals what voters and auditors will check, after making sure the published list is the one handed over. */
@CommandHandler(SealVoteCommand)
export class SealVoteHandler implements ICommandHandler<SealVoteCommand> {
  constructor(
    private readonly rounds: VoteRounds,
    @Inject(CODE_FINGERPRINT) private readonly code: CodeFingerprint,
  ) {}

  async execute(command: SealVoteCommand) {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const state = await this.rounds.loadPrepared(electionId, round);
    const credentials = await this.rounds.publicCredentials(electionId, round, false);
    const fingerprint = await sha256Base64(this.rounds.crypto.sha256, JSON.stringify(credentials.list));
    if (state.publicCredentials && (fingerprint !== state.publicCredentials.fingerprint || credentials.list.length !== state.publicCredentials.count)) {
      throw new DomainError('CredentialListMismatch', 'The published public credentials differ from those the credential authority handed over');
    }
    const { fingerprints, seal } = await currentSeal(this.rounds, this.code, state);
    return this.rounds.execute(electionId, round, command.commandId, { type: 'SealVote', fingerprints, seal, at: this.rounds.now().toISOString() }, command.actor);
  }
}
