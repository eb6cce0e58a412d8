import { Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { NotificationDispatcher } from '../../application/notifications/notification-dispatcher.js';
import { NotificationRequests } from '../../application/notifications/notification-requests.js';
import { RecipientDirectoryRegistry, SecretIssuerRegistry } from '../../application/notifications/registries.js';
import { TemplateRegistry } from '../../application/notifications/templates.js';
import { CLOCK, systemClock, type Clock } from '../../application/ports/clock.js';
import { NOTIFICATION_SENDERS, type NotificationSenders } from '../../application/ports/notification-sender.js';
import { RECIPIENT_DIRECTORY } from '../../application/ports/recipient-directory.js';
import { SECRET_ISSUER } from '../../application/ports/secret-issuer.js';
import { NOTIFICATION_OUTBOX } from '../../projections/notification-outbox/notification-outbox.projection.js';
import { NotificationOutboxView } from '../../projections/notification-outbox/notification-outbox.view.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { ProjectionsService, READ_MODEL_DB } from '../../projections/projections.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.token.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { LOGGER } from '../logging/logger.token.js';
import { createNotificationSenders, describeSenders } from './create-senders.js';

/**
 * Notifications: other modules import this one to request messages (`NotificationRequests`),
 * register templates (`TemplateRegistry`), the issuers of fresh secrets (`SecretIssuerRegistry`)
 * and the directories that give addresses (`RecipientDirectoryRegistry`), in their `onModuleInit`.
 * The dispatcher starts once the application is up (after the projections, which it reads) and
 * stops, letting messages in flight finish and be recorded, before the event store closes.
 */
@Module({
  imports: [ProjectionsModule],
  providers: [
    TemplateRegistry,
    SecretIssuerRegistry,
    RecipientDirectoryRegistry,
    { provide: SECRET_ISSUER, useExisting: SecretIssuerRegistry },
    { provide: RECIPIENT_DIRECTORY, useExisting: RecipientDirectoryRegistry },
    { provide: NOTIFICATION_SENDERS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createNotificationSenders(config) },
    NotificationRequests,
    {
      provide: NotificationDispatcher,
      inject: [EVENT_STORE, READ_MODEL_DB, ProjectionsService, NOTIFICATION_SENDERS, TemplateRegistry, SecretIssuerRegistry, RecipientDirectoryRegistry, LOGGER, { token: CLOCK, optional: true }],
      useFactory: (
        store: EventStore,
        db: ReadModelDb,
        projections: ProjectionsService,
        senders: NotificationSenders,
        templates: TemplateRegistry,
        secrets: SecretIssuerRegistry,
        recipients: RecipientDirectoryRegistry,
        logger: Logger,
        clock: Clock | undefined,
      ) => {
        const runner = projections.runner(NOTIFICATION_OUTBOX);
        if (!runner) throw new Error(`the ${NOTIFICATION_OUTBOX} projection is not registered in src/projections/projections.ts`);
        return new NotificationDispatcher(
          { store, outbox: new NotificationOutboxView(db, runner), senders, templates, secrets, recipients, clock: clock ?? systemClock, logger: logger.child({ context: 'Notifications' }) },
        );
      },
    },
  ],
  exports: [NotificationRequests, TemplateRegistry, SecretIssuerRegistry, RecipientDirectoryRegistry, SECRET_ISSUER, RECIPIENT_DIRECTORY],
})
export class NotificationsModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly dispatcher: NotificationDispatcher,
    @Inject(NOTIFICATION_SENDERS) private readonly senders: NotificationSenders,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.logger.child({ context: 'Notifications' }).info(describeSenders(this.config), 'notification senders');
    this.dispatcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.stop();
    await Promise.all(Object.values(this.senders).map((sender) => sender.close?.()));
  }
}
