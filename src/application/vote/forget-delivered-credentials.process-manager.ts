import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { LOGGER } from '../../infrastructure/logging/logger.token.js';
import { HostedProcessManager } from '../../infrastructure/process-managers/hosted-process-manager.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { READ_MODEL_DB } from '../../projections/projections.service.js';
import { VoteRounds } from './vote-rounds.js';

/**
 * Where an election forgets private credentials (Belenios 3.1 step 5, optional), it does so once
 * the access code has been delivered: forgetting at generation would lose the code of a voter
 * whose e-mail failed once. Driven by NotificationSent from a checkpoint, so a crash cannot skip it.
 */
@Injectable()
export class ForgetDeliveredCredentialsProcessManager extends HostedProcessManager {
  readonly name = 'forget-delivered-credentials';
  readonly filter = { kind: 'eventType', prefixes: ['NotificationSent'] } as const;

  constructor(
    private readonly rounds: VoteRounds,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(store, db, logger);
  }

  async handle(event: RecordedEvent): Promise<void> {
    if (event.type !== 'NotificationSent') return;
    const { notificationId } = event.data as { notificationId: string };
    const credential = this.rounds.secrets.credentialForNotification(notificationId);
    if (!credential || credential.credential === null) return;
    const state = await this.rounds.load(credential.electionId, credential.round);
    if (state.credentialRecovery === 'forget') this.rounds.secrets.forgetPrivateCredential(credential.electionId, credential.round, credential.registrationId);
  }
}
