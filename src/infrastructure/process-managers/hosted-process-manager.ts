import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AllFilter, EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { ProcessManagerRunner, type ProcessManager } from './process-manager-runner.js';

/**
 * A process manager run by the application: its runner starts once the application has
 * bootstrapped (every module's registrations done) and stops with it. Subclasses give the name,
 * the filter and `handle`.
 */
export abstract class HostedProcessManager implements ProcessManager, OnApplicationBootstrap, OnModuleDestroy {
  abstract readonly name: string;
  abstract readonly filter: AllFilter;
  private hosted: ProcessManagerRunner | null = null;

  protected constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    private readonly logger: Logger,
  ) {}

  abstract handle(event: RecordedEvent): Promise<void>;

  /** Made on first use: the subclass's name and filter are set only after this constructor ran. */
  get runner(): ProcessManagerRunner {
    this.hosted ??= new ProcessManagerRunner(this.store, this.db, this, this.logger.child({ context: 'ProcessManager' }));
    return this.hosted;
  }

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
  }
}
