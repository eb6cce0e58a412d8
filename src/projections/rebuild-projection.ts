import type { EventStore } from '../infrastructure/event-store/event-store.port.js';
import type { Checkpoint } from './checkpoint-store.js';
import type { Projection, ReadModelDb } from './projection.js';
import { ProjectionRunner, type RunnerLogger } from './projection-runner.js';

export interface RebuildResult {
  name: string;
  eventsApplied: number;
  position: bigint | null;
  seconds: number;
}

export class ProjectionRebuildError extends Error {
  readonly code = 'PROJECTION_REBUILD_FAILED';
}

/**
 * Drops a projection's rows and checkpoint and replays the log up to the head as it was when the
 * rebuild started. A server running on the same read-model database notices the reset checkpoint
 * and follows along without double counting (see ProjectionRunner).
 */
export async function rebuildProjection(
  store: EventStore,
  db: ReadModelDb,
  projection: Projection,
  options: { logger?: RunnerLogger; onProgress?: (checkpoint: Checkpoint, head: bigint | null) => void } = {},
): Promise<RebuildResult> {
  const started = Date.now();
  ProjectionRunner.reset(db, projection);
  const head = await store.headPosition();
  const runner = new ProjectionRunner(store, db, projection, {
    lagLogIntervalMs: 0,
    ...(options.logger ? { logger: options.logger } : {}),
    onBatchCommitted: (checkpoint) => options.onProgress?.(checkpoint, head),
  });
  runner.start();
  try {
    if (head === null) await runner.waitUntilLive();
    else await runner.waitForPosition(head);
  } finally {
    await runner.stop();
  }
  const status = await runner.status();
  if (status.state === 'failed') throw new ProjectionRebuildError(`Projection ${projection.name} failed at position ${status.position ?? 'start'}: ${status.error}`);
  return { name: projection.name, eventsApplied: status.eventsApplied, position: status.position, seconds: (Date.now() - started) / 1000 };
}
