import { Injectable } from '@nestjs/common';
import { parseElection, type Election } from '../../domain/belenios/election.js';
import { sha256Hex } from '../../domain/vote/belenios-setup.js';
import { DomainError } from '../../domain/shared/decider.js';
import type { RevotePolicy } from '../../domain/election/election.rules.js';
import type { Round } from '../../domain/vote/vote.events.js';
import { VoteRounds } from './vote-rounds.js';

export interface SealedRound {
  election: Election;
  credentials: Set<string>;
  revotePolicy: RevotePolicy;
}

/**
 * What casting needs of a sealed round, parsed once: after the seal nothing of it can change
 * (the decider refuses), so it is cached for the life of the process.
 */
@Injectable()
export class SealedRounds {
  private readonly cache = new Map<string, Promise<SealedRound>>();

  constructor(private readonly rounds: VoteRounds) {}

  get(electionId: string, round: Round): Promise<SealedRound> {
    const key = `${electionId}.${round}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.load(electionId, round);
      this.cache.set(key, entry);
      entry.catch(() => this.cache.delete(key));
    }
    return entry;
  }

  credentialHash(credential: string): Promise<string> {
    return sha256Hex(this.rounds.crypto.sha256, credential);
  }

  private async load(electionId: string, round: Round): Promise<SealedRound> {
    const state = await this.rounds.loadPrepared(electionId, round);
    if (!state.seal || !state.published) throw new DomainError('ElectionClosed', 'The vote of this round is not open (not sealed yet)');
    const credentials = await this.rounds.publicCredentials(electionId, round, true);
    return { election: await parseElection(state.published.election, this.rounds.crypto.sha256), credentials: credentials.set, revotePolicy: state.revotePolicy };
  }
}
