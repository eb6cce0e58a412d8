import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { activityWindow } from '../../../domain/election/election.phases.js';
import { loadElection } from '../../election/load-election.js';
import { foldRegistration } from '../../../domain/registration/registration.decider.js';
import { registrationStreamName } from '../../../domain/registration/registration.events.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { decideCast } from '../../../domain/vote/cast.js';
import { credentialBindingStream, emargementStream, type CredentialBound, type Round } from '../../../domain/vote/vote.events.js';
import { StreamNotFoundError, WrongExpectedVersionError } from '../../../infrastructure/event-store/event-store.errors.js';
import type { EventToAppend, JsonValue, StreamAppend } from '../../../infrastructure/event-store/event-store.port.js';
import { BALLOT_VERIFIER, type BallotVerifier } from '../../ports/ballot-verifier.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../ports/personal-data-vault.js';
import { isSignedInToVote } from '../../voter-sign-in/voting-session.js';
import { SealedRounds } from '../sealed-rounds.js';
import { VoteRounds } from '../vote-rounds.js';
import { CastBallotCommand, type CastReceipt } from './cast-ballot.command.js';

const MAX_ATTEMPTS = 5;

/**
 * Accepting a ballot (Belenios 3.2 step 3). Cheap checks first (session, eligibility, round open),
 * then the proofs (the expensive part, done outside any lock), then under the ballot box's lock
 * the rules over the three streams, and one atomic append of the émargement, the ballot and, on
 * the credential's first use, its binding. A conflict (another node wrote) is retried on fresh
 * state; a ballot already accepted for this voter is acknowledged again (a client retry).
 *
 * What links the voter to the ballot is kept to the minimum: the ballot and binding events carry
 * no voter actor and their own correlation ids; the binding names the voter by a keyed pseudonym.
 */
@CommandHandler(CastBallotCommand)
export class CastBallotHandler implements ICommandHandler<CastBallotCommand> {
  constructor(
    private readonly rounds: VoteRounds,
    private readonly sealed: SealedRounds,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    @Inject(BALLOT_VERIFIER) private readonly verifier: BallotVerifier,
  ) {}

  async execute(command: CastBallotCommand): Promise<CastReceipt> {
    const { electionId, ballot: text } = command.input;
    const round = command.input.round as Round;
    const { store } = this.rounds;
    const now = this.rounds.now();

    if (!(await isSignedInToVote(store, { registrationId: command.registrationId, electionId, sessionId: command.sessionId, now }))) {
      throw new DomainError('UnauthorizedVoter', 'Sign in to vote with your e-mail address and the code sent by SMS');
    }
    const registration = await this.registration(command.registrationId);
    if (registration.status !== 'approved' || registration.electionId !== electionId || registration.district === null) {
      throw new DomainError('UnauthorizedVoter', 'You are not on the voter list of this election');
    }
    // The schedule closes the box within a second of the closing time; the clock, not the tick, decides.
    const window = activityWindow(await loadElection(store, electionId), 'voting', round);
    if (now.toISOString() < window.opensAt || now.toISOString() >= window.closesAt) throw new DomainError('ElectionClosed', `Voting for round ${round} is open from ${window.opensAt} to ${window.closesAt}`);
    const round$ = await this.sealed.get(electionId, round);
    const verified = await this.verifier.verify(round$.election.text, text);
    if (!verified.ok) throw new DomainError(verified.reason, `The ballot was refused: ${verified.detail}`);
    const credentialHash = (await this.sealed.credentialHash(verified.credential)).slice(0, 32);
    const voter = this.vault.blindIndex(`voter-binding:${electionId}.${round}`, command.registrationId);
    const box = this.rounds.ballotBox(electionId, round);

    return box.lock(async () => {
      for (let attempt = 1; ; attempt++) {
        const { state, revision } = await box.catchUp();
        const emargement = emargementStream(electionId, round, command.registrationId);
        const binding = credentialBindingStream(electionId, round, credentialHash);
        const emargementRevision = await this.lastRevision(emargement);
        const bound = await this.boundTo(binding);
        if (state.trackingNumbers.has(verified.trackingNumber) && bound === voter) {
          return { trackingNumber: verified.trackingNumber, replacedEarlierBallot: false, acceptedAt: now.toISOString() };
        }
        const decision = decideCast({
          electionId,
          round,
          district: registration.district!,
          registrationId: command.registrationId,
          voter,
          revotePolicy: round$.revotePolicy,
          ballotBox: state,
          alreadyVoted: emargementRevision !== null,
          credentialBoundTo: bound,
          credentialInList: round$.credentials.has(verified.credential),
          ballot: { text, trackingNumber: verified.trackingNumber, credential: verified.credential },
          at: now.toISOString(),
        });
        const appends: StreamAppend[] = [
          { stream: emargement, events: [this.envelope(decision.emargement, `voter:${command.registrationId}`)], expectedState: emargementRevision ?? 'no_stream' },
          { stream: box.stream, events: [this.envelope(decision.ballot, 'voter')], expectedState: revision! },
        ];
        if (decision.binding) appends.push({ stream: binding, events: [this.envelope(decision.binding, 'voter')], expectedState: 'no_stream' });
        try {
          await store.appendToStreams(appends);
          return { trackingNumber: verified.trackingNumber, replacedEarlierBallot: decision.ballot.data.replaces !== null, acceptedAt: now.toISOString() };
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    });
  }

  private async registration(registrationId: string) {
    const events: { type: string; data: unknown }[] = [];
    try {
      for await (const event of this.rounds.store.readStream(registrationStreamName(registrationId))) events.push(event);
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return foldRegistration(events);
  }

  private async lastRevision(stream: string): Promise<bigint | null> {
    try {
      for await (const event of this.rounds.store.readStream(stream, { direction: 'backwards', maxCount: 1 })) return event.revision;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return null;
  }

  private async boundTo(stream: string): Promise<string | null> {
    try {
      for await (const event of this.rounds.store.readStream(stream, { maxCount: 1 })) return (event.data as unknown as CredentialBound['data']).voter;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return null;
  }

  /** Each event its own correlation id: the log does not say which émargement came with which ballot. */
  private envelope(event: { type: string; data: object }, actor: string): EventToAppend {
    return {
      id: randomUUID(),
      type: event.type,
      data: event.data as unknown as JsonValue,
      metadata: { correlationId: randomUUID(), actor, schemaVersion: 1, occurredAt: this.rounds.now().toISOString() },
    };
  }
}
