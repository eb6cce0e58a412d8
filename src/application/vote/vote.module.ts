import { Inject, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { BALLOT_VERIFIER, type BallotVerifier } from '../ports/ballot-verifier.js';
import { createBallotVerifier } from '../../infrastructure/crypto/ballot-verifier.js';
import type { AppConfig } from '../../infrastructure/config/app-config.js';
import { APP_CONFIG } from '../../infrastructure/config/config.token.js';
import { LOGGER } from '../../infrastructure/logging/logger.token.js';
import { BELENIOS_CRYPTO } from '../ports/belenios-crypto.js';
import { CODE_FINGERPRINT } from '../ports/code-fingerprint.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../ports/personal-data-vault.js';
import { VOTE_SECRETS } from '../ports/vote-secrets.js';
import { SecretIssueRefusedError } from '../ports/secret-issuer.js';
import { SecretIssuerRegistry } from '../notifications/registries.js';
import { nodeBeleniosCrypto } from '../../infrastructure/crypto/node-belenios-crypto.js';
import { SECRETS_DB, type SecretsDb } from '../../infrastructure/auth/secrets-database.js';
import { RunningCodeFingerprint } from '../../infrastructure/vote/code-fingerprint.js';
import { SqliteVoteSecrets } from '../../infrastructure/vote/sqlite-vote-secrets.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { NotificationsModule } from '../../infrastructure/notifications/notifications.module.js';
import { BallotBoxSchedule } from './ballot-box-schedule.js';
import { CastBallotHandler } from './cast-ballot/cast-ballot.handler.js';
import { CastBallotResolver } from './cast-ballot/cast-ballot.resolver.js';
import { CertifyResultHandler } from './certify-result/certify-result.handler.js';
import { CloseBallotBoxHandler } from './close-ballot-box/close-ballot-box.handler.js';
import { ComputeTallyHandler } from './compute-tally/compute-tally.handler.js';
import { ForgetDeliveredCredentialsProcessManager } from './forget-delivered-credentials.process-manager.js';
import { ACCESS_CODE_TEMPLATE, IssueCredentialsHandler } from './issue-credentials/issue-credentials.handler.js';
import { IssueCredentialsResolver } from './issue-credentials/issue-credentials.resolver.js';
import { OpenBallotBoxHandler } from './open-ballot-box/open-ballot-box.handler.js';
import { PrepareVoteHandler } from './prepare-vote/prepare-vote.handler.js';
import { PrepareVoteResolver } from './prepare-vote/prepare-vote.resolver.js';
import { PublishElectionKeyHandler } from './publish-election-key/publish-election-key.handler.js';
import { ResendAccessCodeHandler } from './resend-access-code/resend-access-code.handler.js';
import { ResendAccessCodeResolver } from './resend-access-code/resend-access-code.resolver.js';
import { RoundLifecycleResolver } from './round-lifecycle.resolver.js';
import { SealVoteHandler } from './seal-vote/seal-vote.handler.js';
import { SealedRounds } from './sealed-rounds.js';
import { SubmitPartialDecryptionHandler } from './submit-partial-decryption/submit-partial-decryption.handler.js';
import { SubmitPartialDecryptionResolver } from './submit-partial-decryption/submit-partial-decryption.resolver.js';
import { SubmitTrusteeKeyHandler } from './submit-trustee-key/submit-trustee-key.handler.js';
import { SubmitTrusteeKeyResolver } from './submit-trustee-key/submit-trustee-key.resolver.js';
import { SubmitThresholdCertificateHandler } from './submit-threshold-certificate/submit-threshold-certificate.handler.js';
import { SubmitThresholdCertificateResolver } from './submit-threshold-certificate/submit-threshold-certificate.resolver.js';
import { SubmitThresholdPolynomialHandler } from './submit-threshold-polynomial/submit-threshold-polynomial.handler.js';
import { SubmitThresholdPolynomialResolver } from './submit-threshold-polynomial/submit-threshold-polynomial.resolver.js';
import { SubmitThresholdVoutputHandler } from './submit-threshold-voutput/submit-threshold-voutput.handler.js';
import { SubmitThresholdVoutputResolver } from './submit-threshold-voutput/submit-threshold-voutput.resolver.js';
import { ThresholdQueriesResolver } from './threshold-queries.resolver.js';
import { VoteQueriesResolver } from './vote-queries.resolver.js';
import { VoteRounds } from './vote-rounds.js';

/**
 * The vote, on the Belenios 2.0 protocol: one round = one Belenios election. The credential
 * authority, the key ceremony, the seal, the ballot box (opened and closed on schedule or by the
 * council), casting, the tally, partial decryptions, the result and its certification.
 */
@Module({
  imports: [ProjectionsModule, NotificationsModule],
  providers: [
    { provide: BELENIOS_CRYPTO, useFactory: nodeBeleniosCrypto },
    { provide: VOTE_SECRETS, inject: [SECRETS_DB, PERSONAL_DATA_VAULT], useFactory: (db: SecretsDb, vault: PersonalDataVault) => new SqliteVoteSecrets(db, vault) },
    { provide: CODE_FINGERPRINT, useFactory: () => new RunningCodeFingerprint() },
    { provide: BALLOT_VERIFIER, inject: [APP_CONFIG, LOGGER], useFactory: (config: AppConfig, logger: Logger) => createBallotVerifier(config.verifierThreads, logger) },
    VoteRounds,
    SealedRounds,
    PrepareVoteHandler,
    PrepareVoteResolver,
    IssueCredentialsHandler,
    IssueCredentialsResolver,
    ResendAccessCodeHandler,
    ResendAccessCodeResolver,
    SubmitTrusteeKeyHandler,
    SubmitTrusteeKeyResolver,
    SubmitThresholdCertificateHandler,
    SubmitThresholdCertificateResolver,
    SubmitThresholdPolynomialHandler,
    SubmitThresholdPolynomialResolver,
    SubmitThresholdVoutputHandler,
    SubmitThresholdVoutputResolver,
    ThresholdQueriesResolver,
    PublishElectionKeyHandler,
    SealVoteHandler,
    OpenBallotBoxHandler,
    CloseBallotBoxHandler,
    CastBallotHandler,
    CastBallotResolver,
    ComputeTallyHandler,
    SubmitPartialDecryptionHandler,
    SubmitPartialDecryptionResolver,
    CertifyResultHandler,
    RoundLifecycleResolver,
    VoteQueriesResolver,
    BallotBoxSchedule,
    ForgetDeliveredCredentialsProcessManager,
  ],
  exports: [VoteRounds, BallotBoxSchedule, BELENIOS_CRYPTO],
})
export class VoteModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly issuers: SecretIssuerRegistry,
    @Inject(VOTE_SECRETS) private readonly secrets: SqliteVoteSecrets,
    @Inject(BALLOT_VERIFIER) private readonly verifier: BallotVerifier,
  ) {}

  /** Lets the ballots being checked finish, then ends the worker threads. */
  async onModuleDestroy(): Promise<void> {
    await this.verifier.close();
  }

  /** The access code is read from the secrets store at send time, never earlier, never into an event. */
  onModuleInit(): void {
    this.issuers.register(ACCESS_CODE_TEMPLATE, async (_template, _subject, notificationId) => {
      const entry = this.secrets.credentialForNotification(notificationId);
      if (!entry) throw new SecretIssueRefusedError('no-credential-for-notification');
      if (entry.credential === null) throw new SecretIssueRefusedError('credential-forgotten');
      return { code: entry.credential };
    });
  }
}
