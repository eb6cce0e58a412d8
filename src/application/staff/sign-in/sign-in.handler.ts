import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { DomainError } from '../../../domain/shared/decider.js';
import { UNIDENTIFIED, type SignInFailureReason } from '../../../domain/staff/staff-audit.js';
import { normaliseUsername } from '../../../domain/staff/username.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { LOGGER } from '../../../infrastructure/logging/logger.token.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { RATE_LIMITER, type RateLimiter } from '../../ports/rate-limiter.js';
import { STAFF_SESSIONS, type StaffSessions } from '../../ports/sessions.js';
import { MAX_PASSWORD_LENGTH, PASSWORD_HASHER, STAFF_CREDENTIALS, type PasswordHasher, type StaffCredentials } from '../../ports/staff-credentials.js';
import { appendStaffAudit } from '../staff-audit-log.js';
import { StaffDirectory } from '../staff-directory.js';
import { SignInCommand, type StaffSessionType } from './sign-in.command.js';

/** Failed sign-ins allowed per username and per address in a sliding window. */
export const SIGN_IN_LIMITS = {
  perUsername: { limit: 5, windowMs: 15 * 60 * 1000 },
  perAddress: { limit: 5, windowMs: 15 * 60 * 1000 },
} as const;

/** The one answer to a wrong username, a wrong password or a disabled account. */
export const INVALID_CREDENTIALS = 'Wrong username or password.';

/**
 * Signs a staff member in. Every attempt first takes a slot in two rate limits (its username, its
 * address) so parallel guesses are counted too; a success gives the slots back. A wrong username,
 * a wrong password and a disabled account get the same answer (InvalidCredentials), after the same
 * argon2 work (an unknown user is checked against a dummy hash). Records StaffSignedIn or
 * StaffSignInFailed, with neither password nor token.
 */
@CommandHandler(SignInCommand)
export class SignInHandler implements ICommandHandler<SignInCommand, StaffSessionType> {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(STAFF_CREDENTIALS) private readonly credentials: StaffCredentials,
    @Inject(STAFF_SESSIONS) private readonly sessions: StaffSessions,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
    private readonly directory: StaffDirectory,
  ) {
    this.log = logger.child({ context: 'SignIn' });
  }

  async execute({ username: typed, password, address }: SignInCommand): Promise<StaffSessionType> {
    const userKey = `signin-user:${normaliseUsername(typed)}`;
    const ticket = await this.limiter
      .take([
        { key: userKey, ...SIGN_IN_LIMITS.perUsername },
        { key: `signin-address:${address}`, ...SIGN_IN_LIMITS.perAddress },
      ])
      .catch((error: unknown) => {
        this.log.warn({ address }, 'sign-in refused: too many failed attempts');
        throw error;
      });

    const account = await this.directory.byUsername(typed);
    const hash = account === null ? null : await this.credentials.passwordHash(account.staffId);
    const usable = typeof password === 'string' && password.length <= MAX_PASSWORD_LENGTH;
    const matches = hash !== null && usable ? await this.hasher.verify(hash, password) : await this.hasher.verifyDummy(usable ? password : '');

    const failure: SignInFailureReason | null =
      account === null ? 'unknown_username' : hash === null ? 'no_password' : !matches ? 'wrong_password' : account.status === 'disabled' ? 'disabled' : null;
    if (failure !== null) {
      await appendStaffAudit(
        this.store,
        account?.staffId ?? UNIDENTIFIED,
        // An unknown "username" may be a password typed in the wrong field: it is not recorded.
        { type: 'StaffSignInFailed', data: { staffId: account?.staffId ?? null, username: account?.username ?? null, reason: failure } },
        { actor: 'anonymous', now: this.clock.now() },
      );
      this.log.warn({ staffId: account?.staffId, reason: failure, address }, 'sign-in failed');
      throw new DomainError('InvalidCredentials', INVALID_CREDENTIALS);
    }

    await ticket.release();
    await this.limiter.clear(userKey);
    const session = await this.sessions.create({ staffId: account!.staffId, username: account!.username, role: account!.role });
    await appendStaffAudit(
      this.store,
      account!.staffId,
      {
        type: 'StaffSignedIn',
        data: { staffId: account!.staffId, username: account!.username, role: account!.role, sessionId: session.sessionId, expiresAt: session.expiresAt.toISOString() },
      },
      { actor: `staff:${account!.staffId}`, now: this.clock.now() },
    );
    this.log.info({ staffId: account!.staffId, role: account!.role, sessionId: session.sessionId, address }, 'staff signed in');
    return { token: session.token, expiresAt: session.expiresAt.toISOString(), role: account!.role };
  }
}
