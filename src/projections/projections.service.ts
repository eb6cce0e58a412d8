import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EventStore } from '../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../infrastructure/event-store/event-store.token.js';
import { LOGGER } from '../infrastructure/logging/logger.token.js';
import type { ReadModelDb } from './projection.js';
import { ProjectionRunner, type ProjectionStatus } from './projection-runner.js';
import { PROJECTIONS } from './projections.js';

export const READ_MODEL_DB = Symbol.for('urne:ReadModelDb');

/** Runs every projection of this node from the moment the application is up until it stops. */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly runners: ProjectionRunner[];

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(LOGGER) logger: Logger,
  ) {
    const log = logger.child({ context: 'Projections' });
    this.runners = PROJECTIONS.map((projection) => new ProjectionRunner(store, db, projection, { logger: log }));
  }

  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    this.db.close();
  }

  statuses(): Promise<ProjectionStatus[]> {
    return Promise.all(this.runners.map((runner) => runner.status()));
  }

  runner(name: string): ProjectionRunner | undefined {
    return this.runners.find((runner) => runner.projection.name === name);
  }
}
