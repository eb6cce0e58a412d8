// Imports an electoral roll in its own OS process, so that a test can SIGKILL it mid-import.
// Prints {"rows": n} after each append is committed, then waits `pauseMs` (so the kill lands
// between appends as well as during them), and {"done": outcome} at the end. Runs the built code
// (npm test builds first). The key store's master key is <dataDir>/master.key (created if needed).
//
//   node roll-import-worker.mjs <dataDir> <electionId> <file.csv> <pauseMs>
const [dataDir, electionId, file, pauseMs] = process.argv.slice(2);
const dist = new URL('../../../dist/src/', import.meta.url);
const { SqliteEventStore } = await import(new URL('infrastructure/event-store/sqlite/sqlite-event-store.js', dist));
const { SqliteKeyStoreVault } = await import(new URL('infrastructure/personal-data/sqlite-key-store-vault.js', dist));
const { ElectoralRollImporter } = await import(new URL('application/reference-data/import-electoral-roll/import-electoral-roll.js', dist));

const store = new SqliteEventStore({ file: `${dataDir}/events.sqlite` });
const vault = new SqliteKeyStoreVault({ file: `${dataDir}/keys.sqlite` });
const outcome = await new ElectoralRollImporter(store, vault).import(
  { electionId, file, actor: 'worker' },
  {
    afterAppend: async (state) => {
      process.stdout.write(`${JSON.stringify({ rows: state.rows })}\n`);
      await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)));
    },
  },
);
process.stdout.write(`${JSON.stringify({ done: outcome })}\n`);
await store.close();
vault.close();
