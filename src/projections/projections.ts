import { ledgerStatisticsProjection } from './ledger-statistics/ledger-statistics.projection.js';
import type { Projection } from './projection.js';

/** Every projection the application runs. Later read models register here. */
export const PROJECTIONS: readonly Projection[] = [ledgerStatisticsProjection];

export function findProjection(name: string): Projection | undefined {
  return PROJECTIONS.find((projection) => projection.name === name);
}
