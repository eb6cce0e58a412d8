// A separate OS process holding its own connection to an event store, driven by the contract
// suite to prove what in-process tests cannot: cross-process conflicts, crash atomicity, and
// wake-ups of subscribers in another process. It imports the built code (npm test builds first).
//
//   node store-worker.mjs <sqlite|kurrentdb> <file|connection string> <mode> [json]
//
// Modes:
//   race     read JSON lines {stream, expected, id} on stdin; append one event each; print the outcome
//   batches  append batches of {size} events to streams "{category}-<n>" forever; print each commit
//   append   append {count} events one by one to {stream}, then exit
//   tail     subscribe from the end, print caught-up, then the first new event, then exit
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';

const [kind, location, mode, json] = process.argv.slice(2);
const options = json ? JSON.parse(json) : {};
const dist = new URL('../../../dist/src/infrastructure/event-store/', import.meta.url);
if (!existsSync(fileURLToPath(dist))) {
  console.error('dist/ is missing: run `npm run build` first (npm test does)');
  process.exit(3);
}

const store =
  kind === 'sqlite'
    ? new (await import(new URL('sqlite/sqlite-event-store.js', dist))).SqliteEventStore({ file: location })
    : new (await import(new URL('kurrentdb/kurrentdb-event-store.js', dist))).KurrentDbEventStore({ connectionString: location });

const metadata = () => ({ correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString(), actor: `worker:${process.pid}` });
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

if (mode === 'race') {
  send({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const { stream, expected, id } = JSON.parse(line);
    const expectedState = typeof expected === 'number' ? BigInt(expected) : expected;
    try {
      const result = await store.appendToStream(stream, [{ id, type: 'RaceRun', data: { pid: process.pid }, metadata: metadata() }], { expectedState });
      send({ ok: true, revision: Number(result.nextExpectedRevision) });
    } catch (error) {
      send({ ok: false, code: error.code ?? error.name, message: error.message });
    }
  }
  await store.close();
} else if (mode === 'batches') {
  const filler = 'x'.repeat(options.eventBytes ?? 1000);
  for (let n = 0; ; n++) {
    const events = Array.from({ length: options.size }, (_, i) => ({ id: randomUUID(), type: 'BatchItemAdded', data: { n, i, filler }, metadata: metadata() }));
    send({ started: n });
    await store.appendToStream(`${options.category}-${n}`, events, { expectedState: 'no_stream' });
    send({ committed: n });
  }
} else if (mode === 'append') {
  for (let i = 0; i < options.count; i++) {
    await store.appendToStream(options.stream, [{ id: randomUUID(), type: 'LiveItemAdded', data: { i, from: process.pid }, metadata: metadata() }]);
    if (options.pauseEvery && i % options.pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await store.close();
  send({ done: options.count });
} else if (mode === 'tail') {
  // Nothing but the subscription keeps this process alive while it waits.
  for await (const message of store.subscribeToAll({ fromPosition: 'end' })) {
    send(message.kind === 'caughtUp' ? { caughtUp: true } : { event: message.event.type, stream: message.event.stream });
    if (message.kind === 'event') break;
  }
  await store.close();
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
