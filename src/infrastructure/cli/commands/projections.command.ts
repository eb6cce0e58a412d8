import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { configFromEnvironment } from '../cli-context.js';

/**
 * `urne projections list` shows each read model of this node and its lag;
 * `urne projections rebuild [name]` drops read models and replays the log into them.
 */
export function registerProjectionsCommand(program: Command): void {
  const projections = program.command('projections').description("inspect and rebuild this node's read models");
  projections.command('list').description('show every projection, its version, checkpoint and lag').action(list);
  projections
    .command('rebuild')
    .argument('[name]', 'the projection to rebuild (default: all of them)')
    .description('drop read models and replay the whole log into them, showing progress')
    .action(rebuild);
}

async function open() {
  const config = configFromEnvironment();
  const { createLogger } = await import('../../logging/create-logger.js');
  // Logs go to stderr at warn and above: stdout is for the report.
  const logger = createLogger({ logLevel: 'warn' }, process.stderr);
  const { createEventStore } = await import('../../event-store/create-event-store.js');
  const { openReadModelDatabase } = await import('../../../projections/read-model-database.js');
  const store = await createEventStore(config, logger);
  const db = openReadModelDatabase(config.readModelsFile);
  return { config, logger, store, db, close: async () => (db.close(), await store.close()) };
}

async function list(): Promise<void> {
  const { PROJECTIONS } = await import('../../../projections/projections.js');
  const { ProjectionRunner } = await import('../../../projections/projection-runner.js');
  const { store, db, close } = await open();
  try {
    const rows = [];
    for (const projection of PROJECTIONS) {
      const status = await new ProjectionRunner(store, db, projection, { lagLogIntervalMs: 0 }).status();
      rows.push({
        name: status.name,
        version: status.version,
        position: status.position?.toString() ?? '-',
        applied: status.eventsApplied,
        behind: `${status.eventsBehind}${status.eventsBehindCapped ? '+' : ''}`,
        'ms behind': status.msBehind,
      });
    }
    console.table(rows);
  } finally {
    await close();
  }
}

async function rebuild(name: string | undefined): Promise<void> {
  const { PROJECTIONS, findProjection } = await import('../../../projections/projections.js');
  const selected = name === undefined ? PROJECTIONS : [findProjection(name)].filter((p) => p !== undefined);
  if (selected.length === 0)
    throw new CliError(`unknown projection "${name}"; known: ${PROJECTIONS.map((p) => p.name).join(', ')}`, EXIT_USAGE);

  const { rebuildProjection } = await import('../../../projections/rebuild-projection.js');
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const { store, db, logger, close } = await open();
  try {
    for (const projection of selected) {
      const bar = new SingleBar(
        { format: `${projection.name} [{bar}] {percentage}% | {value}/{total} positions | {eps} events/s | ETA {eta}s`, stream: process.stderr, hideCursor: true },
        Presets.shades_classic,
      );
      const started = Date.now();
      let barStarted = false;
      const result = await rebuildProjection(store, db, projection, {
        logger: logger.child({ context: 'Rebuild' }),
        onProgress: (checkpoint, head) => {
          const done = Number(checkpoint.position ?? 0n);
          const eps = Math.round(checkpoint.eventsApplied / Math.max((Date.now() - started) / 1000, 0.001));
          if (!barStarted) {
            bar.start(Number(head ?? 0n), done, { eps });
            barStarted = true;
          } else bar.update(done, { eps });
        },
      });
      if (barStarted) bar.stop();
      const rate = Math.round(result.eventsApplied / Math.max(result.seconds, 0.001));
      process.stdout.write(
        `${result.name}: rebuilt from ${result.eventsApplied} events up to position ${result.position ?? '-'} in ${result.seconds.toFixed(1)} s (${rate} events/s)\n`,
      );
    }
  } finally {
    await close();
  }
}
