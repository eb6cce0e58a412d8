import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { registrationStreamName } from '../../../domain/registration/registration.events.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { credentialsStream, type CredentialResent } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { NotificationRequests } from '../../notifications/notification-requests.js';
import { ACCESS_CODE_TEMPLATE, accessCodeNotificationId } from '../issue-credentials/issue-credentials.handler.js';
import { VoteRounds } from '../vote-rounds.js';
import { ResendAccessCodeCommand } from './resend-access-code.command.js';

/**
 * Belenios credential recovery (3.3): where the election keeps private credentials, a voter who
 * lost theirs gets the same one again (a new credential would not be in the sealed list). Each
 * re-send is an event with its reason and the operator as actor; the code itself is read from
 * the secrets store at send time only.
 */
@CommandHandler(ResendAccessCodeCommand)
export class ResendAccessCodeHandler implements ICommandHandler<ResendAccessCodeCommand> {
  constructor(
    private readonly rounds: VoteRounds,
    private readonly notifications: NotificationRequests,
  ) {}

  async execute(command: ResendAccessCodeCommand): Promise<{ notificationId: string }> {
    const { electionId, registrationId, reason } = command.input;
    const round = command.input.round as Round;
    const state = await this.rounds.loadPrepared(electionId, round);
    if (state.credentialRecovery !== 'keep') throw new DomainError('CredentialRecoveryDisabled', 'This election forgets access codes once delivered: a lost code cannot be sent again');
    if (!state.publicCredentials) throw new DomainError('CredentialsNotIssued', 'Access codes have not been issued yet');
    const { state: box } = await this.rounds.ballotBox(electionId, round).catchUp();
    if (box.status === 'closed') throw new DomainError('ElectionClosed', 'The vote is closed');
    if (this.rounds.secrets.privateCredential(electionId, round, registrationId) === null) {
      throw new DomainError('NoCredentialToResend', 'This registration has no access code for this round (not an approved voter when codes were issued, or the code was destroyed)');
    }
    const stream = credentialsStream(electionId, round);
    let resends = 0;
    for await (const event of this.rounds.store.readStream(stream)) {
      if (event.type === 'CredentialResent' && (event.data as unknown as CredentialResent['data']).registrationId === registrationId) resends++;
    }
    const notificationId = `${accessCodeNotificationId(electionId, round, registrationId)}.resend-${resends + 1}`;
    this.rounds.secrets.attachNotification(notificationId, electionId, round, registrationId);
    const at = this.rounds.now().toISOString();
    const event: CredentialResent = { type: 'CredentialResent', data: { electionId, round, registrationId, notificationId, reason, at } };
    await this.rounds.store.appendToStream(
      stream,
      [{ id: deterministicEventId(notificationId, 0), type: event.type, data: event.data, metadata: { correlationId: notificationId, actor: command.actor, schemaVersion: 1, occurredAt: at } }],
      { expectedState: 'stream_exists' },
    );
    await this.notifications.request({
      notificationId,
      channel: 'email',
      template: ACCESS_CODE_TEMPLATE,
      recipient: { subject: registrationStreamName(registrationId) },
      parameters: { electionTitle: state.title },
      correlationId: notificationId,
      actor: command.actor,
    });
    return { notificationId };
  }
}
