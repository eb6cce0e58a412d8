import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { checkCertificate } from '../../../domain/belenios/threshold/certificate.js';
import { signedMessageFromJson, signedMessageToJson, type SignedMessage } from '../../../domain/belenios/threshold/signed-message.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { VoteSetupCommand } from '../../../domain/vote/vote-setup.decider.js';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { alreadyRecorded, parseSubmission, refusingAs, THRESHOLD_GROUP } from '../threshold-ceremony.js';
import { VoteRounds } from '../vote-rounds.js';
import { SubmitThresholdCertificateCommand } from './submit-threshold-certificate.command.js';

/**
 * Threshold ceremony, step 1 (Belenios 2.0, 4.6.2): a member's certificate is stored as the
 * canonical text of what was parsed, once its keys are group elements, its self-signature holds,
 * and neither of its keys is in another member's certificate.
 */
@CommandHandler(SubmitThresholdCertificateCommand)
export class SubmitThresholdCertificateHandler implements ICommandHandler<SubmitThresholdCertificateCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: SubmitThresholdCertificateCommand): Promise<CommandResult<VoteSetupEvent>> {
    const { input } = command;
    const round = input.round as Round;
    const state = await this.rounds.loadPrepared(input.electionId, round);
    const parsed = parseSubmission('InvalidCertificate', 'certificate', input.certificate, (json) => signedMessageFromJson(json), (c) => JSON.stringify(signedMessageToJson(c)));
    const submission: VoteSetupCommand = { type: 'SubmitThresholdCertificate', trusteeId: command.trusteeId, certificate: parsed.text, at: this.rounds.now().toISOString() };
    if (!alreadyRecorded(state, submission)) {
      const certificate = parsed.orRefuse();
      const keys = await refusingAs('InvalidCertificate', 'certificate', () => checkCertificate(THRESHOLD_GROUP, certificate, this.rounds.crypto));
      for (const [trusteeId, text] of Object.entries(state.certificates)) {
        if (trusteeId === command.trusteeId) continue;
        const other = certificateKeys(signedMessageFromJson(JSON.parse(text)));
        if (other.includes(keys.verification) || other.includes(keys.encryption)) {
          throw new DomainError('InvalidCertificate', 'certificate: its keys already appear in the certificate of another trustee (each trustee needs a seed of their own)', { reused: true });
        }
      }
    }
    return this.rounds.execute(input.electionId, round, command.commandId, submission, command.actor);
  }
}

/** The two keys of a recorded (already checked) certificate. */
function certificateKeys(certificate: SignedMessage): bigint[] {
  const keys = JSON.parse(certificate.message) as { verification: string; encryption: string };
  return [BigInt(keys.verification), BigInt(keys.encryption)];
}
