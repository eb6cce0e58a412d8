import { Inject } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../ports/personal-data-vault.js';
import { RegistrationFiles } from '../registration-files.js';
import { RegistrationFileType, toFileView } from '../registration-views.js';
import { catchUp } from '../support-actions/support-actions.handlers.js';
import { AllowedFor } from '../../../infrastructure/auth/auth.decorators.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import { readReviewQueue } from '../../../projections/registration-review/registration-review.projection.js';

@Resolver()
export class ReviewQueueResolver {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    private readonly files: RegistrationFiles,
    private readonly projections: ProjectionsService,
  ) {}

  @Query(() => [RegistrationFileType], { description: 'The council review queue: flagged registrations awaiting a decision, with the reasons and measured signals, oldest first.' })
  @AllowedFor('council')
  async registrationReviewQueue(@Args('electionId') electionId: string, @Args('limit', { type: () => Int, nullable: true }) limit?: number): Promise<RegistrationFileType[]> {
    await catchUp(this.files, this.projections);
    return readReviewQueue(this.db, electionId, Math.min(Math.max(limit ?? 100, 1), 500)).map((row) => toFileView(row, this.vault));
  }
}
