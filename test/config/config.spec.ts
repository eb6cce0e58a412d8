import { describe, expect, it } from '@jest/globals';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, maskCredentials } from '../../src/infrastructure/config/app-config.js';

/** The issues loadConfig reports for `env`, or fails the test if it accepts it. */
function issuesOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      dataDir: resolve('data'),
      eventStoreFile: join(resolve('data'), 'events.sqlite'),
      readModelsFile: join(resolve('data'), 'read-models.sqlite'),
      eventStore: 'sqlite',
      kurrentDbConnectionString: undefined,
      sqliteSynchronous: 'FULL',
      host: '127.0.0.1',
      port: 4000,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      URNE_DATA_DIR: '/var/lib/urne',
      URNE_EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: 'kurrentdb+discover://admin:changeit@cluster.local:2113?tls=true',
      URNE_PORT: '8080',
      URNE_HOST: '0.0.0.0',
      URNE_LOG_LEVEL: 'debug',
      URNE_SQLITE_SYNCHRONOUS: 'NORMAL',
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/urne',
      eventStoreFile: '/var/lib/urne/events.sqlite',
      readModelsFile: '/var/lib/urne/read-models.sqlite',
      eventStore: 'kurrentdb',
      kurrentDbConnectionString: 'kurrentdb+discover://admin:changeit@cluster.local:2113?tls=true',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      sqliteSynchronous: 'NORMAL',
    });
  });

  it('resolves a relative data directory against the current directory', () => {
    expect(loadConfig({ URNE_DATA_DIR: 'var/urne' }).dataDir).toBe(resolve('var/urne'));
  });

  it('normalises case and surrounding spaces, and treats empty variables as unset', () => {
    const config = loadConfig({ URNE_EVENT_STORE: ' SQLite ', URNE_LOG_LEVEL: 'WARN', URNE_SQLITE_SYNCHRONOUS: 'normal', URNE_PORT: '', URNE_HOST: '' });
    expect(config).toMatchObject({ eventStore: 'sqlite', logLevel: 'warn', sqliteSynchronous: 'NORMAL', port: 4000, host: '127.0.0.1' });
  });

  it('accepts PORT as a fallback, URNE_PORT taking precedence, and port 0', () => {
    expect(loadConfig({ PORT: '3000' }).port).toBe(3000);
    expect(loadConfig({ PORT: '3000', URNE_PORT: '5000' }).port).toBe(5000);
    expect(loadConfig({ PORT: 'not-used', URNE_PORT: '5000' }).port).toBe(5000);
    expect(loadConfig({ URNE_PORT: '0' }).port).toBe(0);
  });

  it('accepts the three KurrentDB schemes, and ignores the connection string on SQLite', () => {
    for (const connectionString of ['kurrentdb://localhost:2113?tls=false', 'esdb://localhost:2113', 'kurrentdb+discover://a,b,c']) {
      expect(loadConfig({ URNE_EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: connectionString }).kurrentDbConnectionString).toBe(connectionString);
    }
    expect(loadConfig({ KURRENTDB_CONNECTION_STRING: 'whatever' }).kurrentDbConnectionString).toBeUndefined();
  });

  it('accepts host names and IPv6 addresses', () => {
    for (const host of ['localhost', 'api-1.internal', '::', '::1', '10.0.0.7']) expect(loadConfig({ URNE_HOST: host }).host).toBe(host);
  });

  it.each([
    ['URNE_EVENT_STORE', 'nope', 'one of sqlite, kurrentdb'],
    ['URNE_PORT', 'abc', 'integer from 0 to 65535'],
    ['URNE_PORT', '65536', 'integer from 0 to 65535'],
    ['URNE_PORT', '-1', 'integer from 0 to 65535'],
    ['URNE_PORT', '80.5', 'integer from 0 to 65535'],
    ['PORT', 'http', 'integer from 0 to 65535'],
    ['URNE_HOST', 'not a host!', 'host name or an IP address'],
    ['URNE_LOG_LEVEL', 'loud', 'one of fatal, error, warn, info, debug, trace'],
    ['URNE_SQLITE_SYNCHRONOUS', 'OFF', 'one of FULL, NORMAL'],
  ])('rejects %s=%j with a message naming the variable, the value and what is expected', (name, value, expectation) => {
    const issues = issuesOf({ [name]: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`${name}: ${JSON.stringify(value)} is not valid`);
    expect(issues[0]).toContain(expectation);
  });

  it('rejects kurrentdb without a connection string', () => {
    const issues = issuesOf({ URNE_EVENT_STORE: 'kurrentdb' });
    expect(issues).toEqual([expect.stringMatching(/^KURRENTDB_CONNECTION_STRING: is required when URNE_EVENT_STORE is kurrentdb/)]);
    expect(issuesOf({ URNE_EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: '  ' })).toHaveLength(1);
  });

  it('rejects a connection string with another scheme, without printing its password', () => {
    const issues = issuesOf({ URNE_EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'https://admin:hunter2@db:2113' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain('KURRENTDB_CONNECTION_STRING: "https://admin:***@db:2113" is not valid');
    expect(issues[0]).toContain('kurrentdb:// or esdb:// or kurrentdb+discover://');
    expect(issues[0]).not.toContain('hunter2');
  });

  it('reports every faulty variable at once, in a printable message', () => {
    let caught: unknown;
    try {
      loadConfig({ URNE_EVENT_STORE: 'nope', URNE_PORT: 'x', URNE_LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.issues).toHaveLength(3);
    expect(error.message.split('\n')).toEqual([
      'invalid configuration:',
      expect.stringContaining('  - URNE_EVENT_STORE: "nope"'),
      expect.stringContaining('  - URNE_PORT: "x"'),
      expect.stringContaining('  - URNE_LOG_LEVEL: "loud"'),
    ]);
  });

  it('masks credentials in URLs', () => {
    expect(maskCredentials('esdb://admin:changeit@localhost:2113')).toBe('esdb://admin:***@localhost:2113');
    expect(maskCredentials('esdb://localhost:2113')).toBe('esdb://localhost:2113');
  });
});
