import { electedOfficialsProjection } from './elected-officials/elected-officials.projection.js';
import { electionTimelineProjection } from './election-timeline/election-timeline.projection.js';
import { electoralRollProjection } from './electoral-roll/electoral-roll.projection.js';
import { ledgerStatisticsProjection } from './ledger-statistics/ledger-statistics.projection.js';
import { notificationOutboxProjection } from './notification-outbox/notification-outbox.projection.js';
import type { Projection } from './projection.js';
import { registrationCountsProjection } from './registration-counts/registration-counts.projection.js';
import { registrationReviewProjection } from './registration-review/registration-review.projection.js';
import { registrationSignalsProjection } from './registration-signals/registration-signals.projection.js';
import { turnoutProjection } from './turnout/turnout.projection.js';
import { sponsorshipProgressProjection } from './sponsorship-progress/sponsorship-progress.projection.js';
import { voterRollProjection } from './voter-roll/voter-roll.projection.js';

/** Every projection the application runs. Later read models register here. */
export const PROJECTIONS: readonly Projection[] = [ledgerStatisticsProjection, electionTimelineProjection, notificationOutboxProjection,
  electoralRollProjection,
  electedOfficialsProjection,
  registrationSignalsProjection, registrationReviewProjection, registrationCountsProjection,
  sponsorshipProgressProjection, voterRollProjection,
  turnoutProjection];

export function findProjection(name: string): Projection | undefined {
  return PROJECTIONS.find((projection) => projection.name === name);
}
