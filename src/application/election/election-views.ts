import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { CLOCK, type Clock } from '../ports/clock.js';
import { clockOrSystem } from './election-clock.js';
import { toElectionView, type ElectionType } from './election.types.js';
import { loadElection } from './load-election.js';

/** Reads an election from its stream (always up to date: no projection lag) as its GraphQL view. */
@Injectable()
export class ElectionViews {
  readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  /** The election, or null when none was declared with this id. */
  async find(electionId: string): Promise<ElectionType | null> {
    const state = await loadElection(this.store, electionId);
    return state.status === 'not-declared' ? null : toElectionView(state, this.clock.now());
  }

  /** The election after a command that succeeded: it exists. */
  async get(electionId: string): Promise<ElectionType> {
    const view = await this.find(electionId);
    if (!view) throw new Error(`election ${electionId} not found after a successful command`);
    return view;
  }
}
