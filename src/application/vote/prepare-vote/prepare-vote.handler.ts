import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ballotOrderStreamName, type BallotOrderSet } from '../../../domain/candidacy/candidacy.events.js';
import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { provePossession, trusteePublicKeyToJson } from '../../../domain/belenios/trustee-key.js';
import { requireDeclared } from '../../../domain/election/election.phases.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { beleniosUuid } from '../../../domain/vote/belenios-setup.js';
import type { VoteCandidate, VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import { StreamNotFoundError } from '../../../infrastructure/event-store/event-store.errors.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { loadCandidate } from '../../candidacy/load-candidate.js';
import { loadElection } from '../../election/load-election.js';
import { StaffDirectory } from '../../staff/staff-directory.js';
import { VoteRounds } from '../vote-rounds.js';
import { PrepareVoteCommand } from './prepare-vote.command.js';

/**
 * Round 1 takes the candidates in the official ballot order; round 2, the two who came first in
 * round 1 (in ballot order), once round 1's result is certified and calls for a second round.
 * The server's own mandatory key is made here, distinct per round, its private part sealed in
 * the vote secrets store before the event is written (a re-delivered command reuses it).
 */
@CommandHandler(PrepareVoteCommand)
export class PrepareVoteHandler implements ICommandHandler<PrepareVoteCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: PrepareVoteCommand): Promise<CommandResult<VoteSetupEvent>> {
    const { input } = command;
    const { store, crypto, secrets } = this.rounds;
    const election = requireDeclared(await loadElection(store, input.electionId));
    if (election.status === 'cancelled') throw new DomainError('ElectionCancelled', 'This election was cancelled');
    if (input.round === 2 && election.rules.rounds.count !== 2) throw new DomainError('NoSecondRound', 'This election has one round');

    const candidates = input.round === 1 ? await this.ballotOrder(input.electionId) : await this.finalists(input.electionId);
    const directory = new StaffDirectory(store);
    const resolve = async (username: string) => {
      const account = await directory.byUsername(username);
      if (!account || account.status !== 'active' || account.role !== 'trustee') {
        throw new DomainError('UnknownTrustee', `No active staff account with the trustee role is called ${JSON.stringify(username)}`, { username });
      }
      return account.staffId;
    };
    const singles = [];
    for (const username of input.singleTrustees) singles.push(await resolve(username));
    let thresholdGroup = null;
    if (input.thresholdGroup) {
      const trustees = [];
      for (const username of input.thresholdGroup.trustees) trustees.push(await resolve(username));
      thresholdGroup = { trustees, threshold: input.thresholdGroup.threshold };
    }

    secrets.storeServerKey(input.electionId, input.round, crypto.randomExponent(BELENIOS_2048));
    const serverPrivateKey = secrets.serverKey(input.electionId, input.round)!;
    const serverKey = JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, serverPrivateKey, crypto)));

    return this.rounds.execute(
      input.electionId,
      input.round,
      command.commandId,
      {
        type: 'PrepareVote',
        electionId: input.electionId,
        round: input.round as Round,
        beleniosUuid: beleniosUuid(crypto.randomDigits(14, 58)),
        title: input.round === 1 ? election.name : `${election.name} — second tour / second round`,
        candidates,
        blankAllowed: election.rules.blankVoteAllowed,
        revotePolicy: election.rules.revotePolicy,
        credentialRecovery: input.credentialRecovery,
        trustees: { singles, thresholdGroup },
        serverKey,
        at: this.rounds.now().toISOString(),
      },
      command.actor,
    );
  }

  private async ballotOrder(electionId: string): Promise<VoteCandidate[]> {
    let order: BallotOrderSet['data'] | null = null;
    try {
      for await (const event of this.rounds.store.readStream(ballotOrderStreamName(electionId))) order = event.data as BallotOrderSet['data'];
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    if (!order) throw new DomainError('NoBallotOrder', 'The council has not set the ballot order yet');
    const candidates: VoteCandidate[] = [];
    for (const candidateId of order.candidateIds) {
      const candidate = await loadCandidate(this.rounds.store, electionId, candidateId);
      if (candidate.status !== 'certified') throw new DomainError('CandidateNotCertified', `Candidate ${candidateId} is not certified (or withdrew)`, { candidateId });
      candidates.push({ candidateId, name: candidate.name });
    }
    return candidates;
  }

  private async finalists(electionId: string): Promise<VoteCandidate[]> {
    const first = await this.rounds.load(electionId, 1);
    if (first.stage !== 'certified' || !first.certified?.secondRoundNeeded || !first.result) {
      throw new DomainError('NoSecondRound', 'A second round is prepared once the first round is certified and calls for one');
    }
    return finalistsOf(first.candidates, first.result.counts);
  }
}

/** The two best placed candidates (everyone tied with the second too), kept in ballot order. */
export function finalistsOf(candidates: readonly VoteCandidate[], counts: readonly { candidateId: string; votes: number }[]): VoteCandidate[] {
  const votes = new Map(counts.map((c) => [c.candidateId, c.votes]));
  const sorted = [...counts].sort((a, b) => b.votes - a.votes);
  const cutoff = sorted[1]?.votes ?? sorted[0]?.votes ?? 0;
  return candidates.filter((c) => (votes.get(c.candidateId) ?? 0) >= cutoff);
}
