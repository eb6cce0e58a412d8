import { Module } from '@nestjs/common';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { SponsorshipProgressResolver } from '../../projections/sponsorship-progress/sponsorship-progress.resolver.js';
import { CertifyCandidateHandler } from './certify-candidate/certify-candidate.handler.js';
import { CertifyCandidateResolver } from './certify-candidate/certify-candidate.resolver.js';
import { DeclareCandidateHandler } from './declare-candidate/declare-candidate.handler.js';
import { DeclareCandidateResolver } from './declare-candidate/declare-candidate.resolver.js';
import { RecordSponsorshipHandler } from './record-sponsorship/record-sponsorship.handler.js';
import { RecordSponsorshipResolver } from './record-sponsorship/record-sponsorship.resolver.js';
import { SetBallotOrderHandler } from './set-ballot-order/set-ballot-order.handler.js';
import { SetBallotOrderResolver } from './set-ballot-order/set-ballot-order.resolver.js';
import { WithdrawCandidateHandler } from './withdraw-candidate/withdraw-candidate.handler.js';
import { WithdrawCandidateResolver } from './withdraw-candidate/withdraw-candidate.resolver.js';

/**
 * Candidates and sponsorships: declare, record a sponsorship (the sponsor's uniqueness stream),
 * certify (thresholds re-checked on the read model), withdraw, set the ballot order; the public
 * sponsorship progress and candidate list. Sponsor look-ups use the global ELECTORAL_ROLL_LOOKUP.
 */
@Module({
  imports: [ProjectionsModule],
  providers: [
    DeclareCandidateHandler,
    DeclareCandidateResolver,
    RecordSponsorshipHandler,
    RecordSponsorshipResolver,
    CertifyCandidateHandler,
    CertifyCandidateResolver,
    WithdrawCandidateHandler,
    WithdrawCandidateResolver,
    SetBallotOrderHandler,
    SetBallotOrderResolver,
    SponsorshipProgressResolver,
  ],
})
export class CandidacyModule {}
