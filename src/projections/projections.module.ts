import { Module } from '@nestjs/common';
import type { AppConfig } from '../infrastructure/config/app-config.js';
import { APP_CONFIG } from '../infrastructure/config/config.token.js';
import { openReadModelDatabase } from './read-model-database.js';
import { ProjectionsResolver } from './projections.resolver.js';
import { ProjectionsService, READ_MODEL_DB } from './projections.service.js';
import { TurnoutResolver } from './turnout/turnout.resolver.js';

/** This node's read models: a local SQLite database fed from `$all`, served over GraphQL. */
@Module({
  providers: [
    { provide: READ_MODEL_DB, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openReadModelDatabase(config.readModelsFile) },
    ProjectionsService,
    ProjectionsResolver,
    TurnoutResolver,
  ],
  exports: [ProjectionsService, READ_MODEL_DB],
})
export class ProjectionsModule {}
