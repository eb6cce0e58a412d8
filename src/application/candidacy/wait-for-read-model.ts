import { DomainError } from '../../domain/shared/decider.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import type { ProjectionsService } from '../../projections/projections.service.js';
import { sponsorshipProgressProjection } from '../../projections/sponsorship-progress/sponsorship-progress.projection.js';

/**
 * Waits until the sponsorship-progress read model has applied every event up to the head of the
 * log as it is now, so that a decision made on it counts everything recorded before. Refuses with
 * ReadModelBehind rather than wait forever (a stopped or failed projection).
 */
export async function waitForSponsorshipProgress(store: EventStore, projections: ProjectionsService, timeoutMs = 10_000): Promise<void> {
  const head = await store.headPosition();
  const runner = projections.runner(sponsorshipProgressProjection.name);
  if (head === null || !runner) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  try {
    const outcome = await Promise.race([runner.waitForPosition(head).then(() => 'ok' as const), late]);
    if (outcome === 'late') {
      throw new DomainError('ReadModelBehind', 'The sponsorship counts are not up to date on this server; try again in a moment', { projection: sponsorshipProgressProjection.name, headPosition: head.toString() });
    }
  } finally {
    clearTimeout(timer);
  }
}
