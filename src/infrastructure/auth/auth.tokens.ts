/** Injection token of the SqliteSessionStore (the guard resolves tokens through it). */
export const SESSION_STORE = Symbol.for('urne:SessionStore');
