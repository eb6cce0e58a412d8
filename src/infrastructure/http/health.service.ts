import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { LOGGER } from '../logging/logger.token.js';

export type HealthReport =
  | { status: 'ok'; store: EventStore['kind']; headPosition: string | null }
  | { status: 'unavailable'; store: EventStore['kind']; reason: string };

/** A store that does not answer within this delay is reported unavailable. */
export const HEALTH_CHECK_TIMEOUT_MS = 3_000;

/** Checks that the event store answers; shared by `GET /health` and the GraphQL `health` query. */
@Injectable()
export class HealthService {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'Health' });
  }

  async check(): Promise<HealthReport> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the event store did not answer within ${HEALTH_CHECK_TIMEOUT_MS} ms`)), HEALTH_CHECK_TIMEOUT_MS);
    });
    try {
      const head = await Promise.race([this.store.headPosition(), timeout]);
      // $all positions are bigints: sent as a decimal string (null while the log is empty).
      return { status: 'ok', store: this.store.kind, headPosition: head === null ? null : head.toString() };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log.warn({ err: error, store: this.store.kind }, 'health check failed');
      return { status: 'unavailable', store: this.store.kind, reason };
    } finally {
      clearTimeout(timer);
    }
  }
}
