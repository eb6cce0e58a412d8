import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { credentialFromDigits, publicCredential } from '../../../domain/belenios/credentials.js';
import { requireDeclared } from '../../../domain/election/election.phases.js';
import { registrationStreamName } from '../../../domain/registration/registration.events.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { publicCredentialsJson, sha256Base64 } from '../../../domain/vote/belenios-setup.js';
import { credentialsStream, type PublicCredentialsPublished } from '../../../domain/vote/vote-setup.events.js';
import type { Round } from '../../../domain/vote/vote.events.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import { voterRollProjection } from '../../../projections/voter-roll/voter-roll.projection.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { loadElection } from '../../election/load-election.js';
import { NotificationRequests } from '../../notifications/notification-requests.js';
import type { PrivateCredentialEntry } from '../../ports/vote-secrets.js';
import { VoteRounds } from '../vote-rounds.js';
import { IssueCredentialsCommand, type IssueCredentialsOutcome } from './issue-credentials.command.js';

/** Public credentials per event: about 620 bytes each, well under the 1 MiB append limit. */
const BATCH = 1000;
/** Credentials derived at once (PBKDF2 runs on the thread pool). */
const PARALLEL = 64;

export const ACCESS_CODE_TEMPLATE = 'access-code';
export const accessCodeNotificationId = (electionId: string, round: Round, registrationId: string) => `access-${electionId}.${round}.${registrationId}`;

/**
 * The credential authority (Belenios 3.1 steps 3 to 6). Everything it does is keyed so that a
 * crash at any point is resumed by running it again: private credentials are stored (sealed,
 * outside the log) before anything is published; the public list is appended in batches at exact
 * revisions, continuing after the batches already there; notifications have deterministic ids;
 * the hand-over to the round's set-up comes last. The plaintext credential exists only in the
 * secrets store and, at send time, in the e-mail.
 */
@CommandHandler(IssueCredentialsCommand)
export class IssueCredentialsHandler implements ICommandHandler<IssueCredentialsCommand> {
  constructor(
    private readonly rounds: VoteRounds,
    private readonly notifications: NotificationRequests,
    private readonly projections: ProjectionsService,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
  ) {}

  /** One run per round at a time in this process (the schedule and the council may both ask). */
  private readonly running = new Map<string, Promise<IssueCredentialsOutcome>>();

  execute(command: IssueCredentialsCommand): Promise<IssueCredentialsOutcome> {
    const key = `${command.input.electionId}.${command.input.round}`;
    const previous = this.running.get(key) ?? Promise.resolve(null);
    const run = previous.catch(() => null).then(() => this.issue(command));
    this.running.set(key, run);
    void run.finally(() => this.running.get(key) === run && this.running.delete(key)).catch(() => undefined);
    return run;
  }

  private async issue(command: IssueCredentialsCommand): Promise<IssueCredentialsOutcome> {
    const { input, onProgress } = command;
    const { electionId } = input;
    const round = input.round as Round;
    const { store, crypto, secrets } = this.rounds;
    const state = await this.rounds.loadPrepared(electionId, round);
    // Already done (by the schedule at registration close, or an earlier call): say what was done.
    if (state.publicCredentials) return { voters: state.publicCredentials.count, newlyGenerated: 0, notificationsRequested: 0, fingerprint: state.publicCredentials.fingerprint };
    const election = requireDeclared(await loadElection(store, electionId));
    const now = this.rounds.now();
    if (now.toISOString() < election.dates.registrationClosesAt) {
      throw new DomainError('RegistrationStillOpen', `Credentials are issued once registration has closed (${election.dates.registrationClosesAt})`);
    }

    const voters = await this.approvedVoters(electionId);
    if (voters.length === 0) throw new DomainError('NoVoter', 'There is no approved voter to issue credentials to');

    // 1. A private credential per voter, stored before anything is published.
    const stored = new Map(secrets.privateCredentials(electionId, round).map((e) => [e.registrationId, e.credential]));
    const fresh: PrivateCredentialEntry[] = voters
      .filter((registrationId) => !stored.has(registrationId))
      .map((registrationId) => ({ registrationId, credential: credentialFromDigits(crypto.randomDigits(14, 58)) }));
    if (fresh.length > 0) secrets.storePrivateCredentials(electionId, round, fresh);
    // Read back: what the store kept is authoritative (another node may have stored one first).
    for (const entry of secrets.privateCredentials(electionId, round)) stored.set(entry.registrationId, entry.credential);
    if (voters.some((id) => !stored.has(id))) throw new DomainError('CredentialStoreMismatch', 'A stored private credential cannot be read back (forgotten or missing): investigate before going on');

    // 2. The public credentials, sorted (the order says nothing of who holds which).
    const publics: bigint[] = [];
    const credentials = voters.map((id) => stored.get(id)!);
    for (let i = 0; i < credentials.length; i += PARALLEL) {
      const chunk = credentials.slice(i, i + PARALLEL);
      publics.push(...(await Promise.all(chunk.map((c) => publicCredential(BELENIOS_2048, c, state.beleniosUuid, crypto.pbkdf2, crypto.modExp)))));
      onProgress?.('generate', Math.min(i + PARALLEL, credentials.length), credentials.length);
    }
    const text = publicCredentialsJson(publics);
    const sorted = JSON.parse(text) as string[];
    await this.publish(electionId, round, command.commandId, sorted, command.actor, (done) => onProgress?.('publish', done, sorted.length));

    // 3. Each voter's access code, by e-mail through the outbox (the secret is read at send time).
    let requested = 0;
    for (const registrationId of voters) {
      const notificationId = accessCodeNotificationId(electionId, round, registrationId);
      secrets.attachNotification(notificationId, electionId, round, registrationId);
      const result = await this.notifications.request({
        notificationId,
        channel: 'email',
        template: ACCESS_CODE_TEMPLATE,
        recipient: { subject: registrationStreamName(registrationId) },
        parameters: { electionTitle: state.title },
        correlationId: command.commandId,
        actor: command.actor,
      });
      if (!result.alreadyRequested) requested++;
      if (requested % 100 === 0) onProgress?.('notify', requested, voters.length);
    }
    onProgress?.('notify', voters.length, voters.length);
    await this.recordIssued(electionId, round, command.commandId, voters, command.actor);

    // 4. The hand-over to the round's set-up: the list is final from here on.
    const fingerprint = await sha256Base64(crypto.sha256, text);
    await this.rounds.execute(
      electionId,
      round,
      command.commandId,
      { type: 'HandOverPublicCredentials', count: sorted.length, fingerprint, stream: credentialsStream(electionId, round), at: now.toISOString() },
      command.actor,
    );
    return { voters: voters.length, newlyGenerated: fresh.length, notificationsRequested: requested, fingerprint };
  }

  private async approvedVoters(electionId: string): Promise<string[]> {
    const head = await this.rounds.store.headPosition();
    const runner = this.projections.runner(voterRollProjection.name);
    if (head !== null && runner) await runner.waitForPosition(head);
    return this.db
      .prepare<[string], { registration_id: string }>("SELECT registration_id FROM voter_roll WHERE election_id = ? AND status = 'approved' ORDER BY registration_id")
      .all(electionId)
      .map((row) => row.registration_id);
  }

  /** Appends the batches not yet in the stream; refuses if what is there is not a prefix of this list. */
  private async publish(electionId: string, round: Round, commandId: string, sorted: string[], actor: string, progress: (done: number) => void): Promise<void> {
    const stream = credentialsStream(electionId, round);
    const existing = (await this.rounds.publicCredentials(electionId, round, false)).list;
    if (existing.some((credential, index) => sorted[index] !== credential)) {
      throw new DomainError('CredentialListMismatch', 'Public credentials already published differ from those in the secrets store: investigate before going on');
    }
    let revision = await this.lastRevision(stream);
    for (let start = existing.length, batch = Math.ceil(existing.length / BATCH); start < sorted.length; start += BATCH, batch++) {
      const credentials = sorted.slice(start, start + BATCH);
      const event: PublicCredentialsPublished = { type: 'PublicCredentialsPublished', data: { electionId, round, batch, credentials } };
      const result = await this.rounds.store.appendToStream(stream, [this.envelope(commandId, `${stream}:publish-${batch}`, event, actor)], { expectedState: revision === null ? 'no_stream' : revision });
      revision = result.nextExpectedRevision;
      progress(start + credentials.length);
    }
  }

  private async recordIssued(electionId: string, round: Round, commandId: string, voters: string[], actor: string): Promise<void> {
    const stream = credentialsStream(electionId, round);
    const at = this.rounds.now().toISOString();
    for (let start = 0, batch = 0; start < voters.length; start += BATCH, batch++) {
      const registrationIds = voters.slice(start, start + BATCH);
      const event = {
        type: 'CredentialsIssued',
        data: { electionId, round, batch, registrationIds, notificationIds: registrationIds.map((id) => accessCodeNotificationId(electionId, round, id)), at },
      };
      // Same ids on a re-run: an idempotent replay, not a second issue.
      await this.rounds.store.appendToStream(stream, [this.envelope(commandId, `${stream}:issued-${batch}`, event, actor)], { expectedState: 'stream_exists' });
    }
  }

  private async lastRevision(stream: string): Promise<bigint | null> {
    let revision: bigint | null = null;
    try {
      for await (const event of this.rounds.store.readStream(stream, { direction: 'backwards', maxCount: 1 })) revision = event.revision;
    } catch {
      return null;
    }
    return revision;
  }

  /** Ids derive from the stream and the batch, not the command: a re-run by anyone replays, never duplicates. */
  private envelope(commandId: string, key: string, event: { type: string; data: object }, actor: string) {
    return {
      id: deterministicEventId(key, 0),
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data)),
      metadata: { correlationId: commandId, causationId: commandId, actor, schemaVersion: 1, occurredAt: this.rounds.now().toISOString() },
    };
  }
}
