import { describeEventStoreContract } from './event-store.contract.js';
import { KurrentDbEventStore } from '../../src/infrastructure/event-store/kurrentdb/kurrentdb-event-store.js';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING;

describeEventStoreContract('KurrentDB', {
  skipReason: connectionString ? undefined : 'no KurrentDB server reachable: set KURRENTDB_CONNECTION_STRING',
  storeKind: 'kurrentdb',
  connectionString,
  open: () => new KurrentDbEventStore({ connectionString: connectionString! }),
});
