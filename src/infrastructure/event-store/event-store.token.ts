/** Injection token of the application's `EventStore` (the SQLite or KurrentDB adapter, per configuration). */
export const EVENT_STORE = Symbol.for('urne:EventStore');
