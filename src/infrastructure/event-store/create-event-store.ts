import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import type { EventStore } from './event-store.port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/**
 * Opens the event store the configuration names: the embedded SQLite file `<dataDir>/events.sqlite`,
 * or a KurrentDB cluster. The KurrentDB adapter (and its gRPC client) is imported only when used.
 */
export async function createEventStore(
  config: Pick<AppConfig, 'eventStore' | 'eventStoreFile' | 'sqliteSynchronous' | 'kurrentDbConnectionString'>,
  logger: Logger,
): Promise<EventStore> {
  const log = logger.child({ context: 'EventStore' });
  switch (config.eventStore) {
    case 'sqlite': {
      const store = new SqliteEventStore({ file: config.eventStoreFile, synchronous: config.sqliteSynchronous });
      log.info({ store: 'sqlite', file: store.file, synchronous: config.sqliteSynchronous }, 'event store opened');
      return store;
    }
    case 'kurrentdb': {
      const connectionString = config.kurrentDbConnectionString;
      if (connectionString === undefined) throw new Error('KURRENTDB_CONNECTION_STRING is required when URNE_EVENT_STORE is kurrentdb');
      const { KurrentDbEventStore } = await import('./kurrentdb/kurrentdb-event-store.js');
      const store = new KurrentDbEventStore({ connectionString });
      // The connection string may hold credentials: log where, not how.
      log.info({ store: 'kurrentdb', endpoint: describeEndpoint(connectionString) }, 'event store connected');
      return store;
    }
    default: {
      const unknown: never = config.eventStore;
      throw new Error(`Unknown event store ${JSON.stringify(unknown)}`);
    }
  }
}

/** `kurrentdb://admin:changeit@node1:2113,node2:2113?tls=true` → `kurrentdb://node1:2113,node2:2113`. */
function describeEndpoint(connectionString: string): string {
  const match = /^([a-z+]+:\/\/)(?:[^@/]*@)?([^/?]*)/i.exec(connectionString);
  return match ? `${match[1]}${match[2]}` : 'kurrentdb';
}
