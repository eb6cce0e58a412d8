import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { checkPolynomial, polynomialFromJson, polynomialToJson } from '../../../domain/belenios/threshold/polynomial.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { VoteSetupCommand } from '../../../domain/vote/vote-setup.decider.js';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { alreadyRecorded, groupCertificates, memberIndex, parseSubmission, refusingAs, THRESHOLD_GROUP, thresholdMembers } from '../threshold-ceremony.js';
import { VoteRounds } from '../vote-rounds.js';
import { SubmitThresholdPolynomialCommand } from './submit-threshold-polynomial.command.js';

/**
 * Threshold ceremony, step 2 (Belenios 2.0, 4.6.4), once every certificate is in: a member's
 * polynomial is checked against the recorded certificates in group order, as the polynomial of
 * the member at the caller's position: coefexps signed by that member, one well-formed encrypted
 * secret per member, and as many coefficients as the plan's threshold (degree threshold - 1).
 */
@CommandHandler(SubmitThresholdPolynomialCommand)
export class SubmitThresholdPolynomialHandler implements ICommandHandler<SubmitThresholdPolynomialCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: SubmitThresholdPolynomialCommand): Promise<CommandResult<VoteSetupEvent>> {
    const { input } = command;
    const round = input.round as Round;
    const state = await this.rounds.loadPrepared(input.electionId, round);
    const parsed = parseSubmission('InvalidPolynomial', 'polynomial', input.polynomial, (json) => polynomialFromJson(json), (p) => JSON.stringify(polynomialToJson(p)));
    const submission: VoteSetupCommand = { type: 'SubmitThresholdPolynomial', trusteeId: command.trusteeId, polynomial: parsed.text, at: this.rounds.now().toISOString() };
    if (!alreadyRecorded(state, submission)) {
      const polynomial = parsed.orRefuse();
      const index = memberIndex(state, command.trusteeId);
      const { threshold } = thresholdMembers(state);
      const coefexps = await refusingAs('InvalidPolynomial', 'polynomial', () => checkPolynomial(THRESHOLD_GROUP, groupCertificates(state), index, polynomial, this.rounds.crypto));
      if (coefexps.length !== threshold) {
        throw new DomainError(
          'InvalidPolynomial',
          `polynomial: it has ${coefexps.length} coefficients, but ${threshold} trustees of the group are needed to decrypt, so it must have ${threshold} (degree ${threshold - 1})`,
          { coefficients: coefexps.length, threshold },
        );
      }
    }
    return this.rounds.execute(input.electionId, round, command.commandId, submission, command.actor);
  }
}
