import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { assertActivityOpen } from '../../../domain/election/index.js';
import { registrationStreamName } from '../../../domain/registration/index.js';
import { LOGGER } from '../../../infrastructure/logging/logger.token.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import { loadElection } from '../../election/load-election.js';
import { NotificationRequests } from '../../notifications/notification-requests.js';
import { RATE_LIMITER, type RateLimiter } from '../../ports/rate-limiter.js';
import { RegistrationFiles } from '../../registration/registration-files.js';
import { emailIndexOf, registrationsWithEmail, registrationSignalsCaughtUp, VOTING_CODE_REQUEST_LIMITS, VOTING_CODE_TEMPLATE } from '../voter-sign-in.shared.js';
import { RequestVotingCodeCommand } from './request-voting-code.command.js';

/**
 * A voter asks for the SMS authentication code to vote, with the e-mail address of their
 * registration. The answer is `true` whether or not the address is an approved voter's, and
 * takes the same path until then: input and voting window checked (VotingNotYetOpen,
 * VotingClosed, ElectionCancelled…), one slot taken in the rate limits of the e-mail's blind index
 * and of the caller's address (RATE_LIMITED). Only then, off the request's path (so the answer's
 * timing says nothing either), the e-mail's registrations are looked up in the local
 * `registration-signals` read model and each one that is approved, for this election, with a
 * confirmed phone and not erased gets a NotificationRequested (template voting-sign-in-code, subject
 * `registration-<id>`); the dispatcher resolves the phone and the SecretIssuer of the template
 * issues the code at send time. Look-ups run one at a time on this node and are awaited at
 * shutdown; one lost in a crash is a voter asking again.
 */
@CommandHandler(RequestVotingCodeCommand)
export class RequestVotingCodeHandler implements ICommandHandler<RequestVotingCodeCommand, boolean>, OnModuleDestroy {
  private readonly log: Logger;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly files: RegistrationFiles,
    private readonly notifications: NotificationRequests,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'VoterSignIn' });
  }

  async execute({ input, clientAddress, actor }: RequestVotingCodeCommand): Promise<boolean> {
    const emailIndex = emailIndexOf(this.files.vault, input.email);
    const election = await loadElection(this.files.store, input.electionId);
    assertActivityOpen(election, 'voting', this.files.clock.now().toISOString());
    await this.limiter
      .take([
        { key: `voting-code-email:${input.electionId}:${emailIndex}`, ...VOTING_CODE_REQUEST_LIMITS.perEmail },
        { key: `voting-code-address:${clientAddress}`, ...VOTING_CODE_REQUEST_LIMITS.perAddress },
      ])
      .catch((error: unknown) => {
        this.log.warn({ electionId: input.electionId, address: clientAddress }, 'voting code request refused: rate limited');
        throw error;
      });
    const correlationId = randomUUID();
    const job = this.tail.then(() => this.sendToVoters(input.electionId, emailIndex, actor, correlationId));
    this.tail = job.catch((error: unknown) => {
      this.log.error({ correlationId, errorName: error instanceof Error ? error.name : typeof error, error: error instanceof Error ? error.message : undefined }, 'voting code request failed');
    });
    return true;
  }

  /** Waits for the look-ups already accepted (the event store closes after this). */
  async onModuleDestroy(): Promise<void> {
    await this.tail;
  }

  private async sendToVoters(electionId: string, emailIndex: string, actor: string, correlationId: string): Promise<void> {
    if (!(await registrationSignalsCaughtUp(this.files.store, this.projections))) this.log.warn({ correlationId }, 'registration-signals is behind the log: looking up voters in it anyway');
    let requested = 0;
    for (const registrationId of registrationsWithEmail(this.db, electionId, emailIndex)) {
      const state = await this.files.load(registrationId);
      if (state.status !== 'approved' || !state.phoneConfirmed || state.electionId !== electionId) continue;
      if (this.files.contacts(state) === null) continue; // erased
      await this.notifications.request({
        notificationId: `votingcode.${registrationId}.${randomUUID()}`,
        channel: 'sms',
        template: VOTING_CODE_TEMPLATE.name,
        recipient: { subject: registrationStreamName(registrationId) },
        actor,
        correlationId,
      });
      requested++;
    }
    this.log.debug({ correlationId, electionId, requested }, 'voting code request handled');
  }
}
