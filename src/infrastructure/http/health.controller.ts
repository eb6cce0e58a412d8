import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { HealthService, type HealthReport } from './health.service.js';

/** `GET /health`: 200 `{ status: 'ok', store, headPosition }`, or 503 `{ status: 'unavailable', store, reason }`. */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async get(): Promise<HealthReport> {
    const report = await this.health.check();
    if (report.status !== 'ok') throw new ServiceUnavailableException(report);
    return report;
  }
}
