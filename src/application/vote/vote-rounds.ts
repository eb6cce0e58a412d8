import { Inject, Injectable, Optional } from '@nestjs/common';
import { DomainError } from '../../domain/shared/decider.js';
import { cachedBallotBox } from './ballot-box-cache.js';
import { voteSetupDecider, type VoteSetupCommand, type VoteSetupState } from '../../domain/vote/vote-setup.decider.js';
import { credentialsStream, voteStream, type PublicCredentialsPublished, type VoteSetupEvent } from '../../domain/vote/vote-setup.events.js';
import type { Round } from '../../domain/vote/vote.events.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../command-handling/handle-command.js';
import { clockOrSystem } from '../election/election-clock.js';
import { BELENIOS_CRYPTO, type BeleniosCrypto } from '../ports/belenios-crypto.js';
import { CLOCK, type Clock } from '../ports/clock.js';
import { VOTE_SECRETS, type VoteSecrets } from '../ports/vote-secrets.js';

/**
 * What every vote slice shares: the round's set-up state (folded from `vote-<election>.<round>`),
 * the one command path for it, the published public credentials (cached once handed over: they
 * never change afterwards), the ballot box state, the crypto and the clock.
 */
@Injectable()
export class VoteRounds {
  readonly clock: Clock;
  private readonly credentialLists = new Map<string, { list: string[]; set: Set<string> }>();

  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(BELENIOS_CRYPTO) readonly crypto: BeleniosCrypto,
    @Inject(VOTE_SECRETS) readonly secrets: VoteSecrets,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  async load(electionId: string, round: Round): Promise<VoteSetupState> {
    return (await this.loadWithPosition(electionId, round)).state;
  }

  /** The state, and the `$all` position of the last event it was folded from (null: none). */
  async loadWithPosition(electionId: string, round: Round): Promise<{ state: VoteSetupState; position: bigint | null }> {
    let state = voteSetupDecider.initialState();
    let position: bigint | null = null;
    try {
      for await (const event of this.store.readStream(voteStream(electionId, round))) {
        state = voteSetupDecider.evolve(state, event as unknown as VoteSetupEvent);
        position = event.position;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return { state, position };
  }

  /** Like load, but refuses with VoteNotPrepared when the round has not been prepared. */
  async loadPrepared(electionId: string, round: Round): Promise<VoteSetupState> {
    const state = await this.load(electionId, round);
    if (state.stage === 'none') throw new DomainError('VoteNotPrepared', `Round ${round} of ${electionId} has not been prepared`);
    return state;
  }

  execute(electionId: string, round: Round, commandId: string, command: VoteSetupCommand, actor: string): Promise<CommandResult<VoteSetupEvent>> {
    const now = this.clock.now();
    return handleCommand(this.store, voteSetupDecider, { commandId, stream: voteStream(electionId, round), command, actor }, { now: () => now });
  }

  /** The public credentials as published, in order; cached once the list is complete. */
  async publicCredentials(electionId: string, round: Round, complete: boolean): Promise<{ list: string[]; set: Set<string> }> {
    const key = `${electionId}.${round}`;
    const cached = this.credentialLists.get(key);
    if (cached) return cached;
    const list: string[] = [];
    try {
      for await (const event of this.store.readStream(credentialsStream(electionId, round))) {
        if (event.type === 'PublicCredentialsPublished') list.push(...(event.data as PublicCredentialsPublished['data']).credentials);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    const result = { list, set: new Set(list) };
    if (complete) this.credentialLists.set(key, result);
    return result;
  }

  ballotBox(electionId: string, round: Round) {
    return cachedBallotBox(this.store, electionId, round);
  }

  now(): Date {
    return this.clock.now();
  }
}
