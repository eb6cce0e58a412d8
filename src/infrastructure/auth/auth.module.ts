import { Global, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, ModulesContainer } from '@nestjs/core';
import type { Logger } from 'pino';
import { CLOCK, type Clock } from '../../application/ports/clock.js';
import { ONE_TIME_CODES } from '../../application/ports/one-time-codes.js';
import { RATE_LIMITER, type RateLimiter } from '../../application/ports/rate-limiter.js';
import { STAFF_SESSIONS, VOTER_SESSIONS } from '../../application/ports/sessions.js';
import { PASSWORD_HASHER, STAFF_CREDENTIALS } from '../../application/ports/staff-credentials.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.token.js';
import { LOGGER } from '../logging/logger.token.js';
import { listResolverAccessRules } from './access-rules.js';
import { Argon2PasswordHasher } from './argon2-password-hasher.js';
import { AuthGuard } from './auth.guard.js';
import { SESSION_STORE } from './auth.tokens.js';
import { AUTH_KEYS, AuthKeys, loadAuthKeys, openSecretsDatabase, SECRETS_DB, type SecretsDb } from './secrets-database.js';
import { SqliteOneTimeCodes } from './sqlite-one-time-codes.js';
import { SqliteRateLimiter } from './sqlite-rate-limiter.js';
import { SqliteSessionStore } from './sqlite-session-store.js';
import { SqliteStaffCredentials } from './sqlite-staff-credentials.js';

/** At boot, names every resolver that has no `@AllowedFor` (the guard denies it to everyone). */
@Injectable()
class AccessRulesCheck implements OnApplicationBootstrap {
  constructor(
    private readonly modules: ModulesContainer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const log = this.logger.child({ context: 'Auth' });
    for (const rule of listResolverAccessRules(this.modules)) {
      if (rule.audience === undefined)
        log.error({ resolver: `${rule.className}.${rule.methodName}`, field: rule.field, kind: rule.kind }, 'resolver without @AllowedFor: denied to everyone');
    }
  }
}

/**
 * Staff and voter authentication, globally: the secrets store (`<dataDir>/secrets.sqlite`),
 * sessions, one-time codes, rate limits, password hashing, and the guard that enforces
 * `@AllowedFor` on every GraphQL operation. Other modules inject the ports:
 * VOTER_SESSIONS, ONE_TIME_CODES, RATE_LIMITER (and the staff slices STAFF_SESSIONS,
 * STAFF_CREDENTIALS, PASSWORD_HASHER).
 */
@Global()
@Module({
  providers: [
    { provide: SECRETS_DB, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openSecretsDatabase(config.secretsFile) },
    { provide: AUTH_KEYS, inject: [SECRETS_DB, APP_CONFIG], useFactory: (db: SecretsDb, config: AppConfig) => loadAuthKeys(db, config.masterKey) },
    {
      provide: RATE_LIMITER,
      inject: [SECRETS_DB, AUTH_KEYS, CLOCK],
      useFactory: (db: SecretsDb, keys: AuthKeys, clock: Clock) => new SqliteRateLimiter(db, keys, clock),
    },
    {
      provide: SESSION_STORE,
      inject: [SECRETS_DB, AUTH_KEYS, CLOCK, APP_CONFIG],
      useFactory: (db: SecretsDb, keys: AuthKeys, clock: Clock, config: AppConfig) => new SqliteSessionStore(db, keys, clock, config.sessionTtlMinutes * 60_000),
    },
    { provide: STAFF_SESSIONS, inject: [SESSION_STORE], useFactory: (sessions: SqliteSessionStore) => sessions.staff },
    { provide: VOTER_SESSIONS, inject: [SESSION_STORE], useFactory: (sessions: SqliteSessionStore) => sessions.voters },
    {
      provide: ONE_TIME_CODES,
      inject: [SECRETS_DB, AUTH_KEYS, CLOCK, RATE_LIMITER],
      useFactory: (db: SecretsDb, keys: AuthKeys, clock: Clock, limiter: RateLimiter) => new SqliteOneTimeCodes(db, keys, clock, limiter),
    },
    { provide: STAFF_CREDENTIALS, inject: [SECRETS_DB, CLOCK], useFactory: (db: SecretsDb, clock: Clock) => new SqliteStaffCredentials(db, clock) },
    { provide: PASSWORD_HASHER, useFactory: () => new Argon2PasswordHasher() },
    { provide: APP_GUARD, useClass: AuthGuard },
    AccessRulesCheck,
  ],
  exports: [SECRETS_DB, RATE_LIMITER, SESSION_STORE, STAFF_SESSIONS, VOTER_SESSIONS, ONE_TIME_CODES, STAFF_CREDENTIALS, PASSWORD_HASHER],
})
export class AuthModule implements OnApplicationShutdown {
  constructor(@Inject(SECRETS_DB) private readonly db: SecretsDb) {}

  /** After the HTTP server stopped: no request can use the store any more. */
  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}
