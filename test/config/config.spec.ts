import { availableParallelism } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig, maskCredentials } from '../../src/infrastructure/config/app-config.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';

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
  it('reads URNE_TRUST_PROXY as a hop count or a list of trusted proxies, and refuses anything else', () => {
    expect(loadConfig({ URNE_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ URNE_TRUST_PROXY: 'Loopback, 10.0.0.0/8, 192.168.1.7' }).trustProxy).toBe('loopback, 10.0.0.0/8, 192.168.1.7');
    for (const bad of ['yes', '10.0.0.0/8/1', 'everyone', '-1']) {
      expect(() => loadConfig({ URNE_TRUST_PROXY: bad })).toThrow(/URNE_TRUST_PROXY/);
    }
  });

  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      dataDir: resolve('data'),
      eventStoreFile: join(resolve('data'), 'events.sqlite'),
      readModelsFile: join(resolve('data'), 'read-models.sqlite'),
      keysFile: join(resolve('data'), 'keys.sqlite'),
      masterKeyFile: join(resolve('data'), 'master.key'),
      masterKey: undefined,
      secretsFile: join(resolve('data'), 'secrets.sqlite'),
      sessionTtlMinutes: 480,
      eventStore: 'sqlite',
      kurrentDbConnectionString: undefined,
      sqliteSynchronous: 'FULL',
      host: '127.0.0.1',
      port: 4000,
      trustProxy: 0,
      verifierThreads: availableParallelism(),
      logLevel: 'info',
      smtpUrl: undefined,
      mailFrom: 'Urne <no-reply@urne.localhost>',
      smsGatewayUrl: undefined,
      smsGatewayToken: undefined,
      outboxDir: join(resolve('data'), 'outbox'),
      environment: 'development',
      graphqlIntrospection: true,
      graphqlMaxDepth: 10,
      graphqlMaxCost: 5000,
      graphqlMaxAliases: 30,
      graphqlMaxBodyBytes: 102400,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the GraphQL hardening variables; production turns introspection off unless asked', () => {
    expect(loadConfig({ URNE_ENV: 'Production' })).toMatchObject({ environment: 'production', graphqlIntrospection: false });
    expect(loadConfig({ URNE_ENV: 'production', URNE_GRAPHQL_INTROSPECTION: 'true' }).graphqlIntrospection).toBe(true);
    expect(loadConfig({ URNE_GRAPHQL_INTROSPECTION: 'FALSE' }).graphqlIntrospection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).environment).toBe('development');
    expect(
      loadConfig({ URNE_GRAPHQL_MAX_DEPTH: '12', URNE_GRAPHQL_MAX_COST: '800', URNE_GRAPHQL_MAX_ALIASES: '0', URNE_GRAPHQL_MAX_BODY_BYTES: '2048' }),
    ).toMatchObject({ graphqlMaxDepth: 12, graphqlMaxCost: 800, graphqlMaxAliases: 0, graphqlMaxBodyBytes: 2048 });
    expect(
      issuesOf({ URNE_ENV: 'prod', URNE_GRAPHQL_INTROSPECTION: 'yes', URNE_GRAPHQL_MAX_DEPTH: '0', URNE_GRAPHQL_MAX_COST: '1e4', URNE_GRAPHQL_MAX_ALIASES: '-1', URNE_GRAPHQL_MAX_BODY_BYTES: '100' }),
    ).toEqual([
      'URNE_ENV: "prod" is not valid; expected one of development, production',
      'URNE_GRAPHQL_INTROSPECTION: "yes" is not valid; expected true or false (the schema is public: turning it on in production discloses nothing secret)',
      'URNE_GRAPHQL_MAX_DEPTH: "0" is not valid; expected a whole number from 1 to 100',
      'URNE_GRAPHQL_MAX_COST: "1e4" is not valid; expected a whole number from 1 to 10000000',
      'URNE_GRAPHQL_MAX_ALIASES: "-1" is not valid; expected a whole number from 0 to 10000',
      'URNE_GRAPHQL_MAX_BODY_BYTES: "100" is not valid; expected a number of bytes from 1024 to 104857600 (100 MiB)',
    ]);
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
      URNE_SESSION_TTL_MINUTES: '60',
      URNE_VERIFIER_THREADS: '0',
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/urne',
      eventStoreFile: '/var/lib/urne/events.sqlite',
      readModelsFile: '/var/lib/urne/read-models.sqlite',
      keysFile: '/var/lib/urne/keys.sqlite',
      masterKeyFile: '/var/lib/urne/master.key',
      secretsFile: '/var/lib/urne/secrets.sqlite',
      sessionTtlMinutes: 60,
      eventStore: 'kurrentdb',
      kurrentDbConnectionString: 'kurrentdb+discover://admin:changeit@cluster.local:2113?tls=true',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      sqliteSynchronous: 'NORMAL',
      verifierThreads: 0,
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
    ['URNE_VERIFIER_THREADS', '-1', '"auto" (the machine\'s cores) or a whole number from 0'],
    ['URNE_VERIFIER_THREADS', '65', '"auto" (the machine\'s cores) or a whole number from 0'],
    ['URNE_SESSION_TTL_MINUTES', '0', 'whole number of minutes from 1 to 10080'],
    ['URNE_SESSION_TTL_MINUTES', '10081', 'whole number of minutes from 1 to 10080'],
    ['URNE_SESSION_TTL_MINUTES', '1.5', 'whole number of minutes from 1 to 10080'],
    ['URNE_SESSION_TTL_MINUTES', '8h', 'whole number of minutes from 1 to 10080'],
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

  describe('URNE_MASTER_KEY', () => {
    const bytes = randomBytes(32);

    it('accepts 32 bytes as hex (either case) or base64 (standard or URL-safe, padded or not), spaces trimmed', () => {
      const expected = MasterKey.parse(bytes.toString('hex'));
      const notations = [
        bytes.toString('hex'),
        bytes.toString('hex').toUpperCase(),
        bytes.toString('base64'),
        bytes.toString('base64url'),
        bytes.toString('base64').replace(/=$/, ''),
        ` ${bytes.toString('hex')}\n`,
      ];
      for (const notation of notations) {
        const key = loadConfig({ URNE_MASTER_KEY: notation }).masterKey;
        expect(key).toBeInstanceOf(MasterKey);
        expect(key!.equals(expected)).toBe(true);
      }
      expect(loadConfig({ URNE_MASTER_KEY: randomBytes(32).toString('hex') }).masterKey!.equals(expected)).toBe(false);
    });

    it('is undefined when unset or empty', () => {
      expect(loadConfig({ URNE_MASTER_KEY: '' }).masterKey).toBeUndefined();
      expect(loadConfig({ URNE_MASTER_KEY: '   ' }).masterKey).toBeUndefined();
    });

    it.each([
      ['31 bytes of hex', randomBytes(31).toString('hex')],
      ['33 bytes of hex', randomBytes(33).toString('hex')],
      ['16 bytes of base64', randomBytes(16).toString('base64')],
      ['48 bytes of base64', randomBytes(48).toString('base64')],
      ['a passphrase', 'correct horse battery staple, but 64 characters long!!!!!!!!!!!'],
      ['hex with a stray character', `${bytes.toString('hex').slice(0, 63)}g`],
    ])('rejects %s with a message naming the variable and the format, never the value', (_what, value) => {
      const issues = issuesOf({ URNE_MASTER_KEY: value });
      expect(issues).toEqual([expect.stringMatching(/^URNE_MASTER_KEY: is not valid \(value not shown\); expected 32 random bytes as 64 hexadecimal characters or as base64/)]);
      expect(issues[0]).not.toContain(value);
      expect(issues[0]).not.toContain(value.slice(0, 12));
    });

    it('is reported along with the other faulty variables', () => {
      expect(issuesOf({ URNE_MASTER_KEY: 'short', URNE_PORT: 'x' })).toHaveLength(2);
    });

    it('never shows in JSON, string or inspected forms of the configuration', () => {
      const hex = bytes.toString('hex');
      const config = loadConfig({ URNE_MASTER_KEY: hex });
      const base64 = bytes.toString('base64');
      for (const shown of [JSON.stringify(config), inspect(config, { depth: 5, showHidden: true }), String(config.masterKey), `${config.masterKey}`]) {
        expect(shown).not.toContain(hex);
        expect(shown).not.toContain(base64.slice(0, 20));
      }
      expect(JSON.parse(JSON.stringify(config)).masterKey).toBe('[REDACTED]');
    });
  });

  describe('notifications: URNE_SMTP_URL, URNE_MAIL_FROM, URNE_SMS_GATEWAY_URL, URNE_SMS_GATEWAY_TOKEN', () => {
    it('reads the SMTP server, the sender, the SMS gateway and its token; the outbox folder is under the data directory', () => {
      const config = loadConfig({
        URNE_DATA_DIR: '/var/lib/urne',
        URNE_SMTP_URL: ' smtps://mailer:s3cr%40t@smtp.primaire.example:465 ',
        URNE_MAIL_FROM: 'Primaire <no-reply@primaire.example>',
        URNE_SMS_GATEWAY_URL: 'https://sms.example/v1/messages',
        URNE_SMS_GATEWAY_TOKEN: 'tok_0123456789abcdef',
      });
      expect(config).toMatchObject({
        smtpUrl: 'smtps://mailer:s3cr%40t@smtp.primaire.example:465',
        mailFrom: 'Primaire <no-reply@primaire.example>',
        smsGatewayUrl: 'https://sms.example/v1/messages',
        smsGatewayToken: 'tok_0123456789abcdef',
        outboxDir: '/var/lib/urne/outbox',
      });
      expect(loadConfig({ URNE_SMTP_URL: 'smtp://127.0.0.1:2525', URNE_MAIL_FROM: 'bureau@primaire.example' }).smtpUrl).toBe('smtp://127.0.0.1:2525');
      expect(loadConfig({ URNE_SMS_GATEWAY_URL: 'http://127.0.0.1:8025/sms', URNE_SMS_GATEWAY_TOKEN: 'local-dev-token' }).smsGatewayUrl).toBe('http://127.0.0.1:8025/sms');
      expect(loadConfig({ URNE_SMS_GATEWAY_TOKEN: 'ignored-without-url' }).smsGatewayToken).toBeUndefined();
    });

    it.each([
      ['URNE_SMTP_URL', 'https://smtp.example', 'smtp://[user:password@]host[:port]'],
      ['URNE_SMTP_URL', 'smtp://', 'smtp://[user:password@]host[:port]'],
      ['URNE_SMTP_URL', 'smtp://host:25/path?pool=true', 'smtp://[user:password@]host[:port]'],
      ['URNE_MAIL_FROM', 'no-reply', 'an e-mail address'],
      ['URNE_MAIL_FROM', 'Primaire <no-reply>', 'an e-mail address'],
      ['URNE_SMS_GATEWAY_URL', 'http://sms.example/send', 'an https:// URL'],
      ['URNE_SMS_GATEWAY_URL', 'ftp://127.0.0.1/send', 'an https:// URL'],
    ])('rejects %s=%j with a message naming the variable, the value and what is expected', (name, value, expectation) => {
      const issues = issuesOf({ [name]: value, URNE_SMS_GATEWAY_TOKEN: 'a-valid-token' });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toContain(`${name}: ${JSON.stringify(value)} is not valid`);
      expect(issues[0]).toContain(expectation);
    });

    it('never prints the SMTP password, nor the gateway token or credentials', () => {
      const smtp = issuesOf({ URNE_SMTP_URL: 'smtpx://mailer:hunter2@smtp.example' });
      expect(smtp[0]).toContain('URNE_SMTP_URL: "smtpx://mailer:***@smtp.example" is not valid');
      expect(smtp[0]).not.toContain('hunter2');
      const gateway = issuesOf({ URNE_SMS_GATEWAY_URL: 'https://user:hunter2@sms.example', URNE_SMS_GATEWAY_TOKEN: 'a-valid-token' });
      expect(gateway[0]).not.toContain('hunter2');
      const token = issuesOf({ URNE_SMS_GATEWAY_URL: 'https://sms.example', URNE_SMS_GATEWAY_TOKEN: 'has spaces in it' });
      expect(token).toEqual(['URNE_SMS_GATEWAY_TOKEN: is not valid (value not shown); expected 8 to 4096 printable characters without spaces']);
    });

    it('requires the token with the gateway', () => {
      expect(issuesOf({ URNE_SMS_GATEWAY_URL: 'https://sms.example/send' })).toEqual(['URNE_SMS_GATEWAY_TOKEN: is required when URNE_SMS_GATEWAY_URL is set']);
    });
  });

  it('masks credentials in URLs', () => {
    expect(maskCredentials('esdb://admin:changeit@localhost:2113')).toBe('esdb://admin:***@localhost:2113');
    expect(maskCredentials('esdb://localhost:2113')).toBe('esdb://localhost:2113');
  });
});
