import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { activityWindow, requireDeclared } from '../../domain/election/election.phases.js';
import { IssueCredentialsCommand } from './issue-credentials/issue-credentials.command.js';
import type { Round } from '../../domain/vote/vote.events.js';
import { VOTE_CATEGORY, type VotePrepared } from '../../domain/vote/vote-setup.events.js';
import { LOGGER } from '../../infrastructure/logging/logger.token.js';
import { loadElection } from '../election/load-election.js';
import { CloseBallotBoxCommand } from './close-ballot-box/close-ballot-box.handler.js';
import { OpenBallotBoxCommand } from './open-ballot-box/open-ballot-box.handler.js';
import { VoteRounds } from './vote-rounds.js';

/** How often the schedule looks at the clock. */
export const SCHEDULE_TICK_MS = 1000;

/**
 * Issues a prepared round's credentials when registration closes, opens sealed ballot boxes at
 * the opening time and closes open ones at the closing time, with
 * the election's dates in force (a date the council moved counts). Each step is the same command
 * the council can send, so a node that was down at the time catches up when it starts, and two
 * nodes doing it at once cannot both succeed (the box's revision decides).
 */
@Injectable()
export class BallotBoxSchedule implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly rounds$ = new Set<string>();
  /** Where the last pass stopped reading the log: each pass reads only what is new. */
  private seen: bigint | 'start' = 'start';
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly rounds: VoteRounds,
    private readonly commandBus: CommandBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), SCHEDULE_TICK_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every prepared round (public for tests and the demo, which move a manual clock). */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      for await (const event of this.rounds.store.readAll({ fromPosition: this.seen, filter: { kind: 'eventType', prefixes: ['VotePrepared'] } })) {
        this.seen = event.position;
        if (event.type === 'VotePrepared' && event.stream.startsWith(`${VOTE_CATEGORY}-`)) {
          const data = event.data as unknown as VotePrepared['data'];
          this.rounds$.add(`${data.round}:${data.electionId}`);
        }
      }
      const now = this.rounds.now().toISOString();
      for (const key of this.rounds$) {
        try {
          await this.step(key, now);
          this.failures.delete(key);
        } catch (error) {
          // Said once per round and reason, not every second.
          const reason = error instanceof Error ? error.message : String(error);
          if (this.failures.get(key) !== reason) this.logger.warn({ err: error, round: key }, 'scheduled vote step failed; retried every second');
          this.failures.set(key, reason);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'ballot box schedule pass failed; next pass in a second');
    }
  }

  private async step(key: string, now: string): Promise<void> {
    const round = Number(key.slice(0, 1)) as Round;
    const electionId = key.slice(2);
    const state = await this.rounds.load(electionId, round);
    const election = await loadElection(this.rounds.store, electionId);
    if (state.stage === 'preparing' && !state.publicCredentials) {
      // The credential authority's step 3: at the close of registration, for a prepared round.
      if (now >= requireDeclared(election).dates.registrationClosesAt) {
        const outcome = await this.commandBus.execute(new IssueCredentialsCommand({ electionId, round, commandId: undefined }, `schedule-credentials-${key}`, 'system:schedule'));
        this.logger.info({ electionId, round, voters: outcome.voters }, 'credentials issued at the close of registration');
      }
      return;
    }
    if (state.stage !== 'sealed') return;
    const window = activityWindow(election, 'voting', round);
    const { state: box } = await this.rounds.ballotBox(electionId, round).catchUp();
    const input = { electionId, round, commandId: undefined };
    if (box.status === 'not-opened' && now >= window.opensAt && now < window.closesAt) {
      await this.commandBus.execute(new OpenBallotBoxCommand(input, `schedule-open-${key}`, 'system:schedule'));
      this.logger.info({ electionId, round }, 'ballot box opened on schedule');
    } else if (box.status === 'open' && now >= window.closesAt) {
      const close = new CloseBallotBoxCommand(input, `schedule-close-${key}`, 'system:schedule');
      close.by = 'schedule';
      close.closedAt = window.closesAt;
      await this.commandBus.execute(close);
      this.logger.info({ electionId, round }, 'ballot box closed on schedule');
    }
  }
}
