import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { isActivityOpen } from '../../domain/election/index.js';
import { registrationStreamName } from '../../domain/registration/index.js';
import { NotificationsModule } from '../../infrastructure/notifications/notifications.module.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { loadElection } from '../election/load-election.js';
import { SecretIssuerRegistry } from '../notifications/registries.js';
import { TemplateRegistry } from '../notifications/templates.js';
import { ONE_TIME_CODES, type OneTimeCodes } from '../ports/one-time-codes.js';
import { RateLimitedError } from '../ports/rate-limiter.js';
import { SecretIssueRefusedError } from '../ports/secret-issuer.js';
import { RegistrationFiles } from '../registration/registration-files.js';
import { RegistrationModule } from '../registration/registration.module.js';
import { RequestVotingCodeHandler } from './request-voting-code/request-voting-code.handler.js';
import { RequestVotingCodeResolver } from './request-voting-code/request-voting-code.resolver.js';
import { SignInToVoteHandler } from './sign-in-to-vote/sign-in-to-vote.handler.js';
import { SignInToVoteResolver } from './sign-in-to-vote/sign-in-to-vote.resolver.js';
import { VOTING_CODE_PURPOSE, VOTING_CODE_TEMPLATE, VOTING_CODE_TTL_MS } from './voter-sign-in.shared.js';

/**
 * Voters sign in to vote with two factors over two channels: the e-mail address of their
 * registration and a code sent by SMS to its confirmed phone (`requestVotingCode`, then
 * `signInToVote`, which opens a short voter session). Registers the `voting-sign-in-code` SMS
 * template and its SecretIssuer: the code is issued at send time (ONE_TIME_CODES, purpose
 * `voting-sign-in`, subject = registration id), only for a registration still approved while
 * voting is open. The phone comes from registration's recipient directory.
 */
@Module({
  imports: [ProjectionsModule, NotificationsModule, RegistrationModule],
  providers: [RequestVotingCodeHandler, RequestVotingCodeResolver, SignInToVoteHandler, SignInToVoteResolver],
})
export class VoterSignInModule implements OnModuleInit {
  constructor(
    private readonly files: RegistrationFiles,
    private readonly templates: TemplateRegistry,
    private readonly issuers: SecretIssuerRegistry,
    @Inject(ONE_TIME_CODES) private readonly codes: OneTimeCodes,
  ) {}

  onModuleInit(): void {
    this.templates.register(VOTING_CODE_TEMPLATE);
    const prefix = registrationStreamName('');
    this.issuers.register(VOTING_CODE_TEMPLATE.name, async (_template, subject) => {
      const state = await this.files.load(subject.slice(prefix.length));
      if (state.status !== 'approved' || !state.phoneConfirmed || state.registrationId === null || state.electionId === null)
        throw new SecretIssueRefusedError('registration-not-approved');
      const election = await loadElection(this.files.store, state.electionId);
      if (!isActivityOpen(election, 'voting', this.files.clock.now().toISOString())) throw new SecretIssueRefusedError('voting-not-open');
      try {
        const { code } = await this.codes.issue(VOTING_CODE_PURPOSE, state.registrationId, { ttlMs: VOTING_CODE_TTL_MS });
        return { code };
      } catch (error) {
        if (error instanceof RateLimitedError) throw new SecretIssueRefusedError('too-many-codes');
        throw error;
      }
    });
  }
}
