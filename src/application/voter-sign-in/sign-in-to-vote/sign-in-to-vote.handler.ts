import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { assertActivityOpen } from '../../../domain/election/index.js';
import { voterSignInStream, type VoterSignedIn } from '../../../domain/voter-sign-in/voter-sign-in.events.js';
import type { AppConfig } from '../../../infrastructure/config/app-config.js';
import { APP_CONFIG } from '../../../infrastructure/config/config.token.js';
import { LOGGER } from '../../../infrastructure/logging/logger.token.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { READ_MODEL_DB } from '../../../projections/projections.service.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { loadElection } from '../../election/load-election.js';
import { ONE_TIME_CODES, type OneTimeCodeOutcome, type OneTimeCodes } from '../../ports/one-time-codes.js';
import { RATE_LIMITER, type RateLimiter } from '../../ports/rate-limiter.js';
import { VOTER_SESSIONS, type VoterSessions } from '../../ports/sessions.js';
import { RegistrationFiles } from '../../registration/registration-files.js';
import { emailIndexOf, invalidCode, registrationsWithEmail, VOTING_CODE_PURPOSE, VOTING_SESSION_TTL_MS, VOTING_SIGN_IN_LIMITS } from '../voter-sign-in.shared.js';
import { SignInToVoteCommand, type VotingSessionType } from './sign-in-to-vote.command.js';

/**
 * Signs a voter in to vote: the e-mail address finds the registrations of the election (blind
 * index, `registration-signals`), the SMS code (ONE_TIME_CODES, purpose `voting-sign-in`, 10
 * minutes, 5 attempts, used once) picks the one it was sent for, which must still be approved.
 * Every attempt first takes a slot in two rate limits (the e-mail's blind index, the address);
 * a success gives them back. A wrong, expired, used or locked code and an unknown address all
 * get InvalidCode, after a code check (a dummy one for an unknown address). A success opens a
 * voter session (30 minutes, or URNE_SESSION_TTL_MINUTES if shorter) and records VoterSignedIn in
 * `votersignin-<registrationId>` (no code, no token, no personal data).
 */
@CommandHandler(SignInToVoteCommand)
export class SignInToVoteHandler implements ICommandHandler<SignInToVoteCommand, VotingSessionType> {
  private readonly log: Logger;

  constructor(
    private readonly files: RegistrationFiles,
    @Inject(ONE_TIME_CODES) private readonly codes: OneTimeCodes,
    @Inject(VOTER_SESSIONS) private readonly sessions: VoterSessions,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'VoterSignIn' });
  }

  async execute({ input, clientAddress }: SignInToVoteCommand): Promise<VotingSessionType> {
    const { electionId, code } = input;
    const emailIndex = emailIndexOf(this.files.vault, input.email);
    const election = await loadElection(this.files.store, electionId);
    assertActivityOpen(election, 'voting', this.files.clock.now().toISOString());
    const emailKey = `voting-signin-email:${electionId}:${emailIndex}`;
    const ticket = await this.limiter
      .take([
        { key: emailKey, ...VOTING_SIGN_IN_LIMITS.perEmail },
        { key: `voting-signin-address:${clientAddress}`, ...VOTING_SIGN_IN_LIMITS.perAddress },
      ])
      .catch((error: unknown) => {
        this.log.warn({ electionId, address: clientAddress }, 'voting sign-in refused: too many attempts');
        throw error;
      });

    const candidates = registrationsWithEmail(this.db, electionId, emailIndex);
    let signedIn: string | null = null;
    const outcomes: Array<{ registrationId: string; outcome: OneTimeCodeOutcome }> = [];
    if (candidates.length === 0) {
      // The same kind of work as for a voter without an outstanding code.
      await this.codes.verify(VOTING_CODE_PURPOSE, `unknown.${emailIndex}`.slice(0, 200), code);
    }
    for (const registrationId of candidates) {
      const outcome = await this.codes.verify(VOTING_CODE_PURPOSE, registrationId, code);
      outcomes.push({ registrationId, outcome });
      if (outcome === 'valid') {
        signedIn = registrationId;
        break;
      }
    }
    const state = signedIn === null ? null : await this.files.load(signedIn);
    if (signedIn === null || state === null || state.status !== 'approved' || state.electionId !== electionId) {
      this.log.warn({ electionId, address: clientAddress, outcomes: outcomes.map(({ registrationId, outcome }) => `${registrationId}:${outcome}`), status: state?.status }, 'voting sign-in failed');
      throw invalidCode();
    }

    await ticket.release();
    await this.limiter.clear(emailKey);
    const ttlMs = Math.min(VOTING_SESSION_TTL_MS, this.config.sessionTtlMinutes * 60_000);
    const session = await this.sessions.create(signedIn, { ttlMs });
    const now = this.files.clock.now();
    const event: VoterSignedIn = {
      type: 'VoterSignedIn',
      data: { registrationId: signedIn, electionId, sessionId: session.sessionId, expiresAt: session.expiresAt.toISOString(), at: now.toISOString() },
    };
    const commandId = randomUUID();
    await this.files.store.appendToStream(
      voterSignInStream(signedIn),
      [
        {
          id: deterministicEventId(commandId, 0),
          type: event.type,
          data: event.data,
          metadata: { correlationId: commandId, causationId: commandId, actor: `voter:${signedIn}`, schemaVersion: 1, occurredAt: now.toISOString() },
        },
      ],
      { expectedState: 'any' },
    );
    this.log.info({ registrationId: signedIn, electionId, sessionId: session.sessionId, address: clientAddress }, 'voter signed in to vote');
    return { token: session.token, expiresAt: session.expiresAt.toISOString() };
  }
}
