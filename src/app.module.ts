import 'reflect-metadata';
import { Inject, Module, type DynamicModule, type ForwardReference, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { CLOCK, systemClock, type Clock } from './application/ports/clock.js';
import { StaffModule } from './application/staff/staff.module.js';
import type { AppConfig } from './infrastructure/config/app-config.js';
import { AuthModule } from './infrastructure/auth/auth.module.js';
import { APP_CONFIG } from './infrastructure/config/config.token.js';
import { createEventStore } from './infrastructure/event-store/create-event-store.js';
import type { EventStore } from './infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from './infrastructure/event-store/event-store.token.js';
import { GraphqlApiModule } from './infrastructure/graphql/graphql.module.js';
import { HttpApiModule } from './infrastructure/http/http.module.js';
import { LOGGER } from './infrastructure/logging/logger.token.js';
import { PersonalDataModule } from './infrastructure/personal-data/personal-data.module.js';
import { ElectionModule } from './application/election/election.module.js';
import { ProjectionsModule } from './projections/projections.module.js';
import { ReferenceDataModule } from './application/reference-data/reference-data.module.js';
import { CandidacyModule } from './application/candidacy/candidacy.module.js';
import { NotificationsModule } from './infrastructure/notifications/notifications.module.js';
import { RegistrationModule } from './application/registration/registration.module.js';
import { VoterSignInModule } from './application/voter-sign-in/voter-sign-in.module.js';
import { VoteModule } from './application/vote/vote.module.js';
import { BeleniosExportModule } from './infrastructure/belenios-export/belenios-archive.controller.js';
import { LedgerExportModule } from './infrastructure/ledger-export/ledger-export.module.js';
import { LedgerSealModule } from './infrastructure/ledger-seal/ledger-seal.module.js';

export type ModuleImport = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

/**
 * Feature modules (read models, command handlers, process managers…). Add one per line.
 * Every module sees the global providers APP_CONFIG, LOGGER, CLOCK and EVENT_STORE (inject them with
 * `@Inject(TOKEN)`), the CQRS buses, and may declare GraphQL resolvers as plain providers.
 * A module that holds a subscription or a database should release it in `onModuleDestroy`
 * or `beforeApplicationShutdown`: the event store is closed after those, in `onApplicationShutdown`.
 */
export const FEATURE_MODULES: ModuleImport[] = [
  ProjectionsModule,
  PersonalDataModule,
  AuthModule,
  StaffModule,
  ElectionModule,
  NotificationsModule,
  ReferenceDataModule,
  RegistrationModule,
  CandidacyModule,
  VoterSignInModule,
  VoteModule,
  BeleniosExportModule,
  LedgerExportModule,
  LedgerSealModule,
];

/**
 * Global providers: the configuration, the root logger and the event store. It is the last
 * module to shut down, so it closes the event store once everything else has stopped.
 */
@Module({})
export class CoreModule implements OnApplicationShutdown {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'App' });
  }

  static forRoot(config: AppConfig, logger: Logger, clock: Clock = systemClock): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: CLOCK, useValue: clock },
        {
          provide: EVENT_STORE,
          inject: [APP_CONFIG, LOGGER],
          useFactory: (appConfig: AppConfig, rootLogger: Logger) => createEventStore(appConfig, rootLogger),
        },
      ],
      exports: [APP_CONFIG, LOGGER, CLOCK, EVENT_STORE],
    };
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.store.close();
    this.log.info({ store: this.store.kind }, 'event store closed');
    this.log.info(signal ? { signal } : {}, 'stopped');
  }
}

export interface AppModuleOptions {
  /** Extra modules, after FEATURE_MODULES (tests use it to plug a module in). */
  extraModules?: ModuleImport[];
  /** The CLOCK every module sees (default: the system clock); tests and the demo pass a ManualClock. */
  clock?: Clock;
}

/** The root module: `AppModule.forRoot(config, logger)`. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger, options.clock),
        CqrsModule.forRoot(),
        HttpApiModule,
        GraphqlApiModule,
        ...FEATURE_MODULES,
        ...(options.extraModules ?? []),
      ],
    };
  }
}
