import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { LOGGER } from '../../infrastructure/logging/logger.token.js';
import { HostedProcessManager } from '../../infrastructure/process-managers/hosted-process-manager.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { READ_MODEL_DB } from '../../projections/projections.service.js';
import { RegistrationFiles } from './registration-files.js';

/**
 * A registration was submitted → ask for its e-mail and SMS confirmation codes. Driven by the
 * event stream, from a checkpoint, so that a crash between recording the registration and
 * requesting its messages cannot leave a voter without codes. The notification ids derive from
 * the registration id, so asking twice writes nothing the second time.
 */
@Injectable()
export class RegistrationConfirmationsProcessManager extends HostedProcessManager {
  readonly name = 'registration-confirmations';
  readonly filter = { kind: 'eventType', prefixes: ['RegistrationSubmitted'] } as const;

  constructor(
    private readonly files: RegistrationFiles,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(store, db, logger);
  }

  async handle(event: RecordedEvent): Promise<void> {
    if (event.type !== 'RegistrationSubmitted') return;
    const { registrationId } = event.data as { registrationId: string };
    for (const channel of ['email', 'phone'] as const) {
      await this.files.requestConfirmation(registrationId, channel, 'submitted', 'system:registration', event.metadata.correlationId);
    }
  }
}
