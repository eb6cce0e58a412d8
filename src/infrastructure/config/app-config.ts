import { availableParallelism } from 'node:os';
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { isFQDN, isIP, IsIn, IsNotEmpty, ValidateBy, ValidateIf, validateSync, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { join, resolve } from 'node:path';
import { isMasterKeyText, MASTER_KEY_FORMAT, MasterKey } from '../personal-data/master-key.js';

export const EVENT_STORE_KINDS = ['sqlite', 'kurrentdb'] as const;
export type EventStoreKind = (typeof EVENT_STORE_KINDS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SQLITE_SYNCHRONOUS_MODES = ['FULL', 'NORMAL'] as const;
export type SqliteSynchronousMode = (typeof SQLITE_SYNCHRONOUS_MODES)[number];

export const URNE_ENVIRONMENTS = ['development', 'production'] as const;
export type UrneEnvironment = (typeof URNE_ENVIRONMENTS)[number];

export const KURRENTDB_SCHEMES = ['kurrentdb://', 'esdb://', 'kurrentdb+discover://'] as const;

/** The validated, typed configuration of one Urne node. Built by `loadConfig`, never mutated. */
export interface AppConfig {
  /** Absolute folder holding this node's files. */
  readonly dataDir: string;
  /** `<dataDir>/events.sqlite`: the embedded event store (used when eventStore is sqlite). */
  readonly eventStoreFile: string;
  /** `<dataDir>/read-models.sqlite`: this node's read models (projections). */
  readonly readModelsFile: string;
  /** `<dataDir>/keys.sqlite`: the personal data vault's per-person keys, outside the log. */
  readonly keysFile: string;
  /** `<dataDir>/master.key`: the master key, created on first use when URNE_MASTER_KEY is unset. */
  readonly masterKeyFile: string;
  /** From URNE_MASTER_KEY (32 bytes); undefined when unset. Prints as "[REDACTED]": safe in logs. */
  readonly masterKey: MasterKey | undefined;
  /** `<dataDir>/secrets.sqlite`: password hashes, sessions, one-time codes, rate limits (shared by all nodes in a multi-node deployment). */
  readonly secretsFile: string;
  /** Worker threads verifying ballots (URNE_VERIFIER_THREADS; 0: on the main thread). Default: the machine's cores. */
  readonly verifierThreads: number;
  /** How long a session token lasts, in minutes (URNE_SESSION_TTL_MINUTES, default 480 = 8 h). */
  readonly sessionTtlMinutes: number;
  readonly eventStore: EventStoreKind;
  /** Set (and validated) when eventStore is kurrentdb; undefined otherwise. Holds credentials: never log it. */
  readonly kurrentDbConnectionString: string | undefined;
  readonly sqliteSynchronous: SqliteSynchronousMode;
  readonly host: string;
  /** 0 asks the OS for a free port. */
  readonly port: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (rate limits, network
   * signals): a hop count, or a comma-separated list of addresses, subnets or Express's names
   * (loopback, linklocal, uniquelocal). 0 (default): none; the socket's address is the client's.
   */
  readonly trustProxy: number | string;
  readonly logLevel: LogLevel;
  /** SMTP server for e-mail (URNE_SMTP_URL); undefined: e-mails are written to outboxDir. Holds credentials: never log it. */
  readonly smtpUrl: string | undefined;
  /** The From of every e-mail (URNE_MAIL_FROM). */
  readonly mailFrom: string;
  /** The SMS gateway's endpoint (URNE_SMS_GATEWAY_URL); undefined: SMS are written to outboxDir. */
  readonly smsGatewayUrl: string | undefined;
  /** The SMS gateway's bearer token (URNE_SMS_GATEWAY_TOKEN), set with the URL. A secret: never log it. */
  readonly smsGatewayToken: string | undefined;
  /** `<dataDir>/outbox`: where messages are written (one file each) when no SMTP server / SMS gateway is configured. */
  readonly outboxDir: string;
  /**
   * URNE_ENV (default development). Only URNE_ENV selects production behaviour, not NODE_ENV:
   * NODE_ENV is often set by images and tools and changes libraries' defaults, so every GraphQL
   * option that depends on it is set explicitly from this value.
   */
  readonly environment: UrneEnvironment;
  /**
   * Whether `__schema` / `__type` queries are answered (URNE_GRAPHQL_INTROSPECTION). Defaults to
   * true in development and false in production. The schema itself is public (auditors may read
   * it, it is published with the source), so turning it on in production discloses nothing secret;
   * it is off by default only to reduce the surface.
   */
  readonly graphqlIntrospection: boolean;
  /** Deepest selection an operation may have (URNE_GRAPHQL_MAX_DEPTH, default 10). */
  readonly graphqlMaxDepth: number;
  /** Highest estimated cost of an operation (URNE_GRAPHQL_MAX_COST, default 5000; see query-limits.ts). */
  readonly graphqlMaxCost: number;
  /** Most aliased fields in an operation (URNE_GRAPHQL_MAX_ALIASES, default 30): stops alias-based guessing of codes. */
  readonly graphqlMaxAliases: number;
  /** Largest JSON request body, in bytes (URNE_GRAPHQL_MAX_BODY_BYTES, default 102400): larger gets HTTP 413. */
  readonly graphqlMaxBodyBytes: number;
}

/** The configuration is invalid; `issues` holds one message per faulty variable. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Masks the password of a URL-like value (`scheme://user:password@host`) so messages can be printed. */
export function maskCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

function show(value: unknown): string {
  const text = maskCredentials(String(value));
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}

/** A class-validator message: `NAME: "value" is not valid; expected …`. */
function expected(what: string): ValidationOptions {
  return { message: (args: ValidationArguments) => `${args.property}: ${show(args.value)} is not valid; expected ${what}` };
}

const PORT_PATTERN = /^\d{1,5}$/;
const CONNECTION_STRING_PATTERN = /^(kurrentdb|esdb|kurrentdb\+discover):\/\/\S+$/;

/** A custom check whose failure message is `NAME: "value" is not valid; expected …`. */
function Check(name: string, validate: (value: unknown) => boolean, what: string): PropertyDecorator {
  return ValidateBy({ name, validator: { validate } }, expected(what));
}

function isPort(value: unknown): boolean {
  return typeof value === 'string' && PORT_PATTERN.test(value) && Number(value) <= 65535;
}

function isListenHost(value: unknown): boolean {
  return typeof value === 'string' && (isIP(value) || isFQDN(value, { require_tld: false, allow_underscores: true }));
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isTrustProxy(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (/^\d{1,2}$/.test(value)) return true;
  return value.split(',').every((part) => {
    const entry = part.trim();
    const [address, bits, ...rest] = entry.split('/');
    return rest.length === 0 && (PROXY_NAMES.has(entry) || (isIP(address ?? '') && (bits === undefined || /^\d{1,3}$/.test(bits))));
  });
}

function isSessionTtl(value: unknown): boolean {
  return typeof value === 'string' && /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 10_080;
}

/** `smtp://` or `smtps://`, a host, an optional port and credentials; no path or query. */
function isSmtpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !/^smtps?:\/\/\S+$/i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== '' && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** `no-reply@primaire.example` or `Primaire <no-reply@primaire.example>`. */
function isMailFrom(value: unknown): boolean {
  return typeof value === 'string' && /^(?:[^<>\r\n@]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/.test(value);
}

/** An https:// URL (http:// only to this machine), without credentials (the token has its own variable). */
function isSmsGatewayUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '') return false;
    if (url.protocol === 'https:') return url.hostname !== '';
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** A whole number from min to max, written in decimal digits. */
function isIntegerBetween(min: number, max: number): (value: unknown) => boolean {
  return (value) => typeof value === 'string' && /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;
}

const PORT_EXPECTED = 'a TCP port, an integer from 0 to 65535 (0 picks a free port)';

/**
 * The environment variables, as strings, with their defaults. Validation is done on the raw
 * strings so that messages quote what the operator typed; `loadConfig` converts afterwards.
 */
class Environment {
  @IsNotEmpty({ message: 'URNE_DATA_DIR: must not be empty' })
  URNE_DATA_DIR = './data';

  @IsIn(EVENT_STORE_KINDS, expected(`one of ${EVENT_STORE_KINDS.join(', ')}`))
  URNE_EVENT_STORE = 'sqlite';

  @ValidateIf((env: Environment) => env.URNE_EVENT_STORE === 'kurrentdb')
  @ValidateBy(
    { name: 'isKurrentDbConnectionString', validator: { validate: (value) => typeof value === 'string' && CONNECTION_STRING_PATTERN.test(value) } },
    {
      message: ({ value }: ValidationArguments) =>
        value === undefined
          ? 'KURRENTDB_CONNECTION_STRING: is required when URNE_EVENT_STORE is kurrentdb (e.g. kurrentdb://localhost:2113?tls=false)'
          : `KURRENTDB_CONNECTION_STRING: ${show(value)} is not valid; expected a connection string starting with ${KURRENTDB_SCHEMES.join(' or ')}`,
    },
  )
  KURRENTDB_CONNECTION_STRING?: string;

  @ValidateIf((env: Environment) => env.URNE_PORT !== undefined)
  @Check('isPort', isPort, PORT_EXPECTED)
  URNE_PORT?: string;

  /** The conventional fallback (PaaS platforms set it); ignored when URNE_PORT is set. */
  @ValidateIf((env: Environment) => env.URNE_PORT === undefined && env.PORT !== undefined)
  @Check('isPort', isPort, PORT_EXPECTED)
  PORT?: string;

  @Check('isListenHost', isListenHost, 'a host name or an IP address to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::')
  URNE_HOST = '127.0.0.1';

  @IsIn(LOG_LEVELS, expected(`one of ${LOG_LEVELS.join(', ')}`))
  URNE_LOG_LEVEL = 'info';

  @IsIn(SQLITE_SYNCHRONOUS_MODES, expected(`one of ${SQLITE_SYNCHRONOUS_MODES.join(', ')}`))
  URNE_SQLITE_SYNCHRONOUS = 'FULL';

  /** A secret: its message never quotes the value. */
  @ValidateIf((env: Environment) => env.URNE_MASTER_KEY !== undefined)
  @ValidateBy(
    { name: 'isMasterKey', validator: { validate: isMasterKeyText } },
    { message: `URNE_MASTER_KEY: is not valid (value not shown); expected ${MASTER_KEY_FORMAT}` },
  )
  URNE_MASTER_KEY?: string;

  @Check('isSessionTtl', isSessionTtl, 'a whole number of minutes from 1 to 10080 (one week)')
  URNE_SESSION_TTL_MINUTES = '480';

  @Check('isVerifierThreads', (value: unknown) => value === 'auto' || (typeof value === 'string' && /^\d+$/.test(value) && Number(value) <= 64), '"auto" (the machine\'s cores) or a whole number from 0 (verify on the main thread) to 64')
  URNE_VERIFIER_THREADS = 'auto';

  @Check('isTrustProxy', isTrustProxy, 'a number of proxy hops (0: trust none), or a comma-separated list of addresses, subnets (10.0.0.0/8) or loopback, linklocal, uniquelocal')
  URNE_TRUST_PROXY = '0';

  @ValidateIf((env: Environment) => env.URNE_SMTP_URL !== undefined)
  @Check('isSmtpUrl', isSmtpUrl, 'smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or smtps://[user:password@]host[:port] (TLS)')
  URNE_SMTP_URL?: string;

  @Check('isMailFrom', isMailFrom, 'an e-mail address, or a name and an address such as "Primaire <no-reply@primaire.example>"')
  URNE_MAIL_FROM = 'Urne <no-reply@urne.localhost>';

  @ValidateIf((env: Environment) => env.URNE_SMS_GATEWAY_URL !== undefined)
  @Check('isSmsGatewayUrl', isSmsGatewayUrl, 'an https:// URL without credentials (http:// only to localhost); the token goes in URNE_SMS_GATEWAY_TOKEN')
  URNE_SMS_GATEWAY_URL?: string;

  /** A secret: its message never quotes the value. */
  @ValidateIf((env: Environment) => env.URNE_SMS_GATEWAY_URL !== undefined)
  @ValidateBy(
    { name: 'isGatewayToken', validator: { validate: (value) => typeof value === 'string' && /^[\x21-\x7e]{8,4096}$/.test(value) } },
    {
      message: ({ value }: ValidationArguments) =>
        value === undefined
          ? 'URNE_SMS_GATEWAY_TOKEN: is required when URNE_SMS_GATEWAY_URL is set'
          : 'URNE_SMS_GATEWAY_TOKEN: is not valid (value not shown); expected 8 to 4096 printable characters without spaces',
    },
  )
  URNE_SMS_GATEWAY_TOKEN?: string;

  @IsIn(URNE_ENVIRONMENTS, expected(`one of ${URNE_ENVIRONMENTS.join(', ')}`))
  URNE_ENV = 'development';

  /** Unset: on in development, off in production. */
  @ValidateIf((env: Environment) => env.URNE_GRAPHQL_INTROSPECTION !== undefined)
  @IsIn(['true', 'false'], expected('true or false (the schema is public: turning it on in production discloses nothing secret)'))
  URNE_GRAPHQL_INTROSPECTION?: string;

  @Check('isDepth', isIntegerBetween(1, 100), 'a whole number from 1 to 100')
  URNE_GRAPHQL_MAX_DEPTH = '10';

  @Check('isCost', isIntegerBetween(1, 10_000_000), 'a whole number from 1 to 10000000')
  URNE_GRAPHQL_MAX_COST = '5000';

  @Check('isAliasCount', isIntegerBetween(0, 10_000), 'a whole number from 0 to 10000')
  URNE_GRAPHQL_MAX_ALIASES = '30';

  @Check('isBodySize', isIntegerBetween(1024, 104_857_600), 'a number of bytes from 1024 to 104857600 (100 MiB)')
  URNE_GRAPHQL_MAX_BODY_BYTES = '102400';
}

/** The variables loadConfig reads, and how each is normalised before validation. */
const VARIABLES: Record<keyof Environment, (raw: string) => string> = {
  URNE_DATA_DIR: (raw) => raw,
  URNE_EVENT_STORE: (raw) => raw.trim().toLowerCase(),
  KURRENTDB_CONNECTION_STRING: (raw) => raw.trim(),
  URNE_PORT: (raw) => raw.trim(),
  PORT: (raw) => raw.trim(),
  URNE_HOST: (raw) => raw.trim(),
  URNE_LOG_LEVEL: (raw) => raw.trim().toLowerCase(),
  URNE_SQLITE_SYNCHRONOUS: (raw) => raw.trim().toUpperCase(),
  URNE_MASTER_KEY: (raw) => raw.trim(),
  URNE_SESSION_TTL_MINUTES: (raw) => raw.trim(),
  URNE_VERIFIER_THREADS: (raw) => raw.trim().toLowerCase(),
  URNE_TRUST_PROXY: (raw) => raw.trim().toLowerCase(),
  URNE_SMTP_URL: (raw) => raw.trim(),
  URNE_MAIL_FROM: (raw) => raw.trim(),
  URNE_SMS_GATEWAY_URL: (raw) => raw.trim(),
  URNE_SMS_GATEWAY_TOKEN: (raw) => raw.trim(),
  URNE_ENV: (raw) => raw.trim().toLowerCase(),
  URNE_GRAPHQL_INTROSPECTION: (raw) => raw.trim().toLowerCase(),
  URNE_GRAPHQL_MAX_DEPTH: (raw) => raw.trim(),
  URNE_GRAPHQL_MAX_COST: (raw) => raw.trim(),
  URNE_GRAPHQL_MAX_ALIASES: (raw) => raw.trim(),
  URNE_GRAPHQL_MAX_BODY_BYTES: (raw) => raw.trim(),
};

/**
 * Reads and validates the configuration from environment variables. Pure apart from resolving
 * URNE_DATA_DIR against the current directory. An empty variable counts as unset.
 * Throws ConfigError listing every problem at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const [name, normalise] of Object.entries(VARIABLES)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') raw[name] = normalise(value);
  }
  const environment = plainToInstance(Environment, raw, { exposeDefaultValues: true });

  const issues = validateSync(environment, { stopAtFirstError: true }).flatMap((error) => Object.values(error.constraints ?? {}));
  if (issues.length > 0) throw new ConfigError(issues);

  const dataDir = resolve(environment.URNE_DATA_DIR);
  const eventStore = environment.URNE_EVENT_STORE as EventStoreKind;
  const urneEnvironment = environment.URNE_ENV as UrneEnvironment;
  return Object.freeze({
    dataDir,
    eventStoreFile: join(dataDir, 'events.sqlite'),
    readModelsFile: join(dataDir, 'read-models.sqlite'),
    keysFile: join(dataDir, 'keys.sqlite'),
    masterKeyFile: join(dataDir, 'master.key'),
    masterKey: environment.URNE_MASTER_KEY === undefined ? undefined : MasterKey.parse(environment.URNE_MASTER_KEY),
    secretsFile: join(dataDir, 'secrets.sqlite'),
    sessionTtlMinutes: Number(environment.URNE_SESSION_TTL_MINUTES),
    verifierThreads: environment.URNE_VERIFIER_THREADS === 'auto' ? availableParallelism() : Number(environment.URNE_VERIFIER_THREADS),
    eventStore,
    kurrentDbConnectionString: eventStore === 'kurrentdb' ? environment.KURRENTDB_CONNECTION_STRING : undefined,
    sqliteSynchronous: environment.URNE_SQLITE_SYNCHRONOUS as SqliteSynchronousMode,
    host: environment.URNE_HOST,
    trustProxy: /^\d+$/.test(environment.URNE_TRUST_PROXY) ? Number(environment.URNE_TRUST_PROXY) : environment.URNE_TRUST_PROXY,
    port: Number(environment.URNE_PORT ?? environment.PORT ?? 4000),
    logLevel: environment.URNE_LOG_LEVEL as LogLevel,
    smtpUrl: environment.URNE_SMTP_URL,
    mailFrom: environment.URNE_MAIL_FROM,
    smsGatewayUrl: environment.URNE_SMS_GATEWAY_URL,
    smsGatewayToken: environment.URNE_SMS_GATEWAY_URL === undefined ? undefined : environment.URNE_SMS_GATEWAY_TOKEN,
    outboxDir: join(dataDir, 'outbox'),
    environment: urneEnvironment,
    graphqlIntrospection: environment.URNE_GRAPHQL_INTROSPECTION === undefined ? urneEnvironment === 'development' : environment.URNE_GRAPHQL_INTROSPECTION === 'true',
    graphqlMaxDepth: Number(environment.URNE_GRAPHQL_MAX_DEPTH),
    graphqlMaxCost: Number(environment.URNE_GRAPHQL_MAX_COST),
    graphqlMaxAliases: Number(environment.URNE_GRAPHQL_MAX_ALIASES),
    graphqlMaxBodyBytes: Number(environment.URNE_GRAPHQL_MAX_BODY_BYTES),
  });
}
