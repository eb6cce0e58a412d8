import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { registrationStreamName } from '../../domain/registration/index.js';
import { NotificationsModule } from '../../infrastructure/notifications/notifications.module.js';
import { RegistrationCountsResolver } from '../../projections/registration-counts/registration-counts.resolver.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { VoterRollResolver } from '../../projections/voter-roll/voter-roll.resolver.js';
import { RecipientDirectoryRegistry, SecretIssuerRegistry } from '../notifications/registries.js';
import { ONE_TIME_CODES, type OneTimeCodes } from '../ports/one-time-codes.js';
import { SecretIssueRefusedError } from '../ports/secret-issuer.js';
import { CancelRegistrationHandler } from './cancel-registration/cancel-registration.handler.js';
import { CancelRegistrationResolver } from './cancel-registration/cancel-registration.resolver.js';
import { ConfirmContactHandler } from './confirm-contact/confirm-contact.handler.js';
import { ConfirmContactResolver } from './confirm-contact/confirm-contact.resolver.js';
import { CODE_PURPOSE, CONFIRMATION_TEMPLATE, RegistrationFiles } from './registration-files.js';
import { RegistrationConfirmationsProcessManager } from './registration-confirmations.process-manager.js';
import { RegistrationStatusResolver } from './registration-status/registration-status.resolver.js';
import { ReviewQueueResolver } from './review-queue/review-queue.resolver.js';
import { ReviewRegistrationHandler } from './review-registration/review-registration.handler.js';
import { ReviewRegistrationResolver } from './review-registration/review-registration.resolver.js';
import { SetRegistrationThresholdsHandler } from './set-registration-thresholds/set-registration-thresholds.handler.js';
import { SetRegistrationThresholdsResolver } from './set-registration-thresholds/set-registration-thresholds.resolver.js';
import { SubmitRegistrationHandler } from './submit-registration/submit-registration.handler.js';
import { SubmitRegistrationResolver } from './submit-registration/submit-registration.resolver.js';
import { ChangeRegistrationPhoneHandler, LookupRegistrationHandler, ResendRegistrationCodeHandler } from './support-actions/support-actions.handlers.js';
import { SupportActionsResolver } from './support-actions/support-actions.resolver.js';

/**
 * Voter registration: submission (roll match, one registration per roll entry, fraud signals,
 * deadline), e-mail and phone confirmation, the council's review queue, cancellation, status,
 * and the support operators' audited actions. Answers the notification dispatcher for
 * `registration-…` subjects (addresses opened from the sealed personal data) and issues the
 * confirmation codes (ONE_TIME_CODES, purpose per channel, subject = registration id).
 */
@Module({
  imports: [ProjectionsModule, NotificationsModule],
  providers: [
    RegistrationFiles,
    RegistrationConfirmationsProcessManager,
    SubmitRegistrationHandler,
    SubmitRegistrationResolver,
    ConfirmContactHandler,
    ConfirmContactResolver,
    ReviewRegistrationHandler,
    ReviewRegistrationResolver,
    CancelRegistrationHandler,
    CancelRegistrationResolver,
    RegistrationStatusResolver,
    LookupRegistrationHandler,
    ResendRegistrationCodeHandler,
    ChangeRegistrationPhoneHandler,
    SupportActionsResolver,
    SetRegistrationThresholdsHandler,
    SetRegistrationThresholdsResolver,
    ReviewQueueResolver,
    RegistrationCountsResolver,
    VoterRollResolver,
  ],
  exports: [RegistrationFiles],
})
export class RegistrationModule implements OnModuleInit {
  constructor(
    private readonly files: RegistrationFiles,
    private readonly directories: RecipientDirectoryRegistry,
    private readonly issuers: SecretIssuerRegistry,
    @Inject(ONE_TIME_CODES) private readonly codes: OneTimeCodes,
  ) {}

  onModuleInit(): void {
    const prefix = registrationStreamName('');
    this.directories.register('registration', async (subject, channel) => {
      const state = await this.files.load(subject.slice(prefix.length));
      if (state.status === 'none' || state.status === 'cancelled' || state.status === 'rejected') return null;
      const contacts = this.files.contacts(state);
      if (contacts === null) return null;
      return channel === 'email' ? contacts.email : contacts.phone;
    });
    for (const channel of ['email', 'phone'] as const) {
      this.issuers.register(CONFIRMATION_TEMPLATE[channel], async (_template, subject) => {
        const registrationId = subject.slice(prefix.length);
        const state = await this.files.load(registrationId);
        if (state.status === 'none') throw new SecretIssueRefusedError('registration-unknown');
        if (state.status === 'cancelled' || state.status === 'rejected') throw new SecretIssueRefusedError(`registration-${state.status}`);
        if (channel === 'email' ? state.emailConfirmed : state.phoneConfirmed) throw new SecretIssueRefusedError('already-confirmed');
        const { code } = await this.codes.issue(CODE_PURPOSE[channel], registrationId);
        return { code };
      });
    }
  }
}
