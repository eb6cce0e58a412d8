import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import {
  checkSubmission,
  isDisposableEmail,
  networkPrefix,
  normaliseEmail,
  normalisePhone,
  registrationStreamName,
  type FraudSignal,
} from '../../../domain/registration/index.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { REGISTRATION_SIGNALS, countSignalUses } from '../../../projections/registration-signals/registration-signals.projection.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import { loadElection } from '../../election/load-election.js';
import { ELECTORAL_ROLL_LOOKUP, type ElectoralRollLookup } from '../../ports/electoral-roll.js';
import { VOTER_SESSIONS, type VoterSessions } from '../../ports/sessions.js';
import { registrationIdFor, RegistrationFiles } from '../registration-files.js';
import { SubmitRegistrationCommand, type SubmittedRegistrationType } from './submit-registration.command.js';

const HOUR_MS = 3_600_000;

/**
 * Submission: window open and identity on the roll (checkSubmission), then the roll entry is
 * claimed (`rollentry-…`, AlreadyRegistered if taken), then RegistrationSubmitted (sealed
 * personal data, blind indexes, measured signals) and, when a signal is over its threshold,
 * RegistrationFlagged. Then the two confirmation messages are requested and a voter session opened.
 */
@CommandHandler(SubmitRegistrationCommand)
export class SubmitRegistrationHandler implements ICommandHandler<SubmitRegistrationCommand> {
  constructor(
    private readonly files: RegistrationFiles,
    @Inject(ELECTORAL_ROLL_LOOKUP) private readonly roll: ElectoralRollLookup,
    @Inject(VOTER_SESSIONS) private readonly sessions: VoterSessions,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
  ) {}

  async execute(command: SubmitRegistrationCommand): Promise<SubmittedRegistrationType> {
    const { input } = command;
    const { vault, clock, store } = this.files;
    const email = normaliseEmail(input.email);
    if (email === null) throw new DomainError('InvalidEmail', 'This is not an e-mail address.');
    const phone = normalisePhone(input.phone);
    if (phone === null) throw new DomainError('InvalidPhone', 'This is not a phone number.');
    const birthDate = /^\d{2}\/\d{2}\/\d{4}$/.test(input.birthDate) ? input.birthDate.split('/').reverse().join('-') : input.birthDate;

    const now = clock.now();
    const at = now.toISOString();
    const election = await loadElection(store, input.electionId);
    const found = await this.roll.findByIdentity(input.electionId, { lastName: input.lastName, firstNames: input.firstNames, birthDate });
    const rollMatch = found ? { rollEntryId: found.rollEntryId, district: found.arrondissement, matches: found.matches } : null;
    const match = checkSubmission({ election, rollMatch, at });

    const registrationId = registrationIdFor(vault, input.commandId, randomUUID);
    const commandId = input.commandId ?? randomUUID();
    await this.files.claim(input.electionId, match.rollEntryId, registrationId, commandId, command.actor);

    const subject = registrationStreamName(registrationId);
    const emailIndex = vault.blindIndex('email', email);
    const phoneIndex = vault.blindIndex('phone', phone);
    const paymentIndex = input.paymentFingerprint ? vault.blindIndex('payment-fingerprint', input.paymentFingerprint.trim()) : null;
    const networkIndex = vault.blindIndex('network', networkPrefix(command.clientAddress));
    // Sealed outside any vault transaction: the key is durable before the event is appended.
    const personalData = vault.seal(subject, { lastName: input.lastName.trim(), firstNames: input.firstNames.trim(), birthDate, address: input.postalAddress.trim(), email, phone });

    // Measuring the signals and appending are serialised per election on this node, so that two
    // simultaneous submissions with the same e-mail cannot both count 1 (across nodes, see the report).
    const result = await this.serialised(input.electionId, async () => this.files.execute(
      registrationId,
      {
        type: 'SubmitRegistration',
        registrationId,
        election,
        rollMatch,
        personalData,
        emailIndex,
        phoneIndex,
        paymentIndex,
        networkIndex,
        disposableEmail: isDisposableEmail(email),
        signals: await this.signals(input.electionId, registrationId, { emailIndex, phoneIndex, paymentIndex, networkIndex }, now),
        at,
      },
      commandId,
      command.actor,
    ));
    const flagged = result.events.some((event) => event.type === 'RegistrationFlagged');
    // The confirmation codes are requested by RegistrationConfirmationsProcessManager, from the
    // RegistrationSubmitted event: a crash here cannot lose them.
    const session = await this.sessions.create(registrationId);
    return { registrationId, status: flagged ? 'in-review' : 'awaiting-confirmation', voterToken: session.token, sessionExpiresAt: session.expiresAt.toISOString() };
  }

  private readonly queues = new Map<string, Promise<unknown>>();

  private serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(() => undefined, () => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  /** Counts from the registration-signals read model, once it has applied every registration event. */
  private async signals(
    electionId: string,
    registrationId: string,
    indexes: { emailIndex: string; phoneIndex: string; paymentIndex: string | null; networkIndex: string },
    now: Date,
  ): Promise<FraudSignal[]> {
    const runner = this.projections.runner(REGISTRATION_SIGNALS);
    if (!runner) throw new Error(`the ${REGISTRATION_SIGNALS} projection is not registered`);
    for await (const last of this.files.store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'streamName', prefixes: ['registration-'] } })) {
      await runner.waitForPosition(last.position);
    }
    const thresholds = await this.files.thresholds(electionId);
    const count = (kind: 'email' | 'phone' | 'payment' | 'network', value: string, since?: string) =>
      countSignalUses(this.db, electionId, kind, value, { exclude: registrationId, ...(since ? { since } : {}) }) + 1;
    const signals: FraudSignal[] = [
      { kind: 'email-reused', count: count('email', indexes.emailIndex), limit: thresholds.maxPerEmail },
      { kind: 'phone-reused', count: count('phone', indexes.phoneIndex), limit: thresholds.maxPerPhone },
    ];
    if (indexes.paymentIndex !== null) signals.push({ kind: 'payment-reused', count: count('payment', indexes.paymentIndex), limit: thresholds.maxPerPaymentFingerprint });
    signals.push({ kind: 'network-burst', count: count('network', indexes.networkIndex, new Date(now.getTime() - HOUR_MS).toISOString()), limit: thresholds.maxPerNetworkPerHour });
    return signals;
  }
}
