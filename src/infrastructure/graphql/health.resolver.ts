import { Query, Resolver } from '@nestjs/graphql';
import { AllowedFor } from '../auth/auth.decorators.js';
import { appVersion } from '../config/version.js';
import { HealthService } from '../http/health.service.js';
import { HealthType } from './health.type.js';

@Resolver(() => HealthType)
export class HealthResolver {
  constructor(private readonly healthService: HealthService) {}

  @Query(() => HealthType, { description: 'Health of this node and of its event store.' })
  @AllowedFor('public')
  async health(): Promise<HealthType> {
    const report = await this.healthService.check();
    return {
      status: report.status,
      store: report.store,
      headPosition: report.status === 'ok' ? report.headPosition : null,
      version: appVersion(),
    };
  }
}
