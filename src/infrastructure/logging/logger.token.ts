/** Injection token of the root pino `Logger` (use `.child({ context: 'Name' })`). */
export const LOGGER = Symbol.for('urne:Logger');
