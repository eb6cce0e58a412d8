import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  DEFAULT_FRAUD_THRESHOLDS,
  foldRegistration,
  registrationDecider,
  registrationRulesStreamName,
  registrationStreamName,
  rollEntryClaimDecider,
  rollEntryClaimStreamName,
  type FraudThresholds,
  type RegistrationCommand,
  type RegistrationEvent,
  type RegistrationState,
} from '../../domain/registration/index.js';
import { DomainError } from '../../domain/shared/decider.js';
import type { SealedPersonalData } from '../../domain/shared/personal-data.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../command-handling/handle-command.js';
import { NotificationRequests } from '../notifications/notification-requests.js';
import { CLOCK, type Clock } from '../ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../ports/personal-data-vault.js';

/** One-time code purposes, per channel (the code's subject is the registration id). */
export const CODE_PURPOSE = { email: 'registration-email', phone: 'registration-phone' } as const;
export const CONFIRMATION_TEMPLATE = { email: 'registration-email-confirmation', phone: 'registration-phone-confirmation' } as const;
export const SYSTEM_ACTOR = 'system:registration';

/** A registration id: a UUID, random, or derived (keyed) from the client's idempotency key so that a retried submission lands on the same registration. */
export function registrationIdFor(vault: PersonalDataVault, commandId: string | undefined, random: () => string): string {
  if (commandId === undefined) return random();
  const hex = createHash('sha256').update(vault.blindIndex('registration-command', commandId)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const REGISTRATION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What every registration use case shares: reading a registration, running the registration
 * decider on its stream, the roll entry claim, the thresholds of an election, opening the
 * sealed contacts, and asking for confirmation messages.
 */
@Injectable()
export class RegistrationFiles {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(CLOCK) readonly clock: Clock,
    @Inject(PERSONAL_DATA_VAULT) readonly vault: PersonalDataVault,
    readonly notifications: NotificationRequests,
  ) {}

  /** The registration's state; status 'none' for an unknown or malformed id. */
  async load(registrationId: string): Promise<RegistrationState> {
    if (!REGISTRATION_ID_PATTERN.test(registrationId)) return registrationDecider.initialState();
    const events: Array<{ type: string; data: unknown }> = [];
    try {
      for await (const recorded of this.store.readStream(registrationStreamName(registrationId))) events.push({ type: recorded.type, data: recorded.data });
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return foldRegistration(events);
  }

  /** Loads, or refuses with NOT_FOUND (no such registration: the same answer whether it exists or not for callers who may not see it). */
  async require(registrationId: string): Promise<RegistrationState & { registrationId: string; electionId: string; rollEntryId: string; district: string }> {
    const state = await this.load(registrationId);
    if (state.status === 'none') throw new DomainError('NOT_FOUND', 'There is no such registration.');
    return state as RegistrationState & { registrationId: string; electionId: string; rollEntryId: string; district: string };
  }

  execute(registrationId: string, command: RegistrationCommand, commandId: string, actor: string, correlationId?: string): Promise<CommandResult<RegistrationEvent>> {
    return handleCommand(
      this.store,
      registrationDecider,
      { commandId, stream: registrationStreamName(registrationId), command, actor, ...(correlationId === undefined ? {} : { correlationId }) },
      { now: () => this.clock.now() },
    );
  }

  /** After a confirmation or a council decision: approve (system actor) when everything is in order. */
  async approveIfReady(registrationId: string, causation: string): Promise<void> {
    await this.execute(registrationId, { type: 'ApproveIfReady', at: this.clock.now().toISOString() }, `${causation}:approve`, SYSTEM_ACTOR, causation);
  }

  claim(electionId: string, rollEntryId: string, registrationId: string, commandId: string, actor: string) {
    return handleCommand(
      this.store,
      rollEntryClaimDecider,
      { commandId: `${commandId}:claim`, stream: rollEntryClaimStreamName(electionId, rollEntryId), command: { type: 'ClaimRollEntry', registrationId, electionId, rollEntryId }, actor, correlationId: commandId },
      { now: () => this.clock.now() },
    );
  }

  release(state: { electionId: string; rollEntryId: string; registrationId: string }, why: 'cancelled' | 'rejected', commandId: string, actor: string) {
    return handleCommand(
      this.store,
      rollEntryClaimDecider,
      {
        commandId: `${commandId}:release`,
        stream: rollEntryClaimStreamName(state.electionId, state.rollEntryId),
        command: { type: 'ReleaseRollEntryClaim', registrationId: state.registrationId, electionId: state.electionId, rollEntryId: state.rollEntryId, why },
        actor,
        correlationId: commandId,
      },
      { now: () => this.clock.now() },
    );
  }

  async thresholds(electionId: string): Promise<FraudThresholds> {
    let thresholds: FraudThresholds = DEFAULT_FRAUD_THRESHOLDS;
    try {
      for await (const recorded of this.store.readStream(registrationRulesStreamName(electionId))) {
        if (recorded.type === 'RegistrationThresholdsSet') thresholds = (recorded.data as unknown as { thresholds: FraudThresholds }).thresholds;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return thresholds;
  }

  /** The current e-mail address and phone of a registration, or null once its subject was forgotten. */
  contacts(state: { personalData: SealedPersonalData | null; phoneData: SealedPersonalData | null }): { email: string; phone: string; lastName: string; firstNames: string; birthDate: string } | null {
    if (!state.personalData) return null;
    const fields = this.vault.open(state.personalData);
    if (fields === null) return null;
    const phone = state.phoneData ? this.vault.open(state.phoneData)?.phone : fields.phone;
    if (phone === undefined) return null;
    return { email: fields.email ?? '', phone, lastName: fields.lastName ?? '', firstNames: fields.firstNames ?? '', birthDate: fields.birthDate ?? '' };
  }

  /** Asks for the confirmation message on one channel; `key` makes the notification id deterministic. */
  async requestConfirmation(registrationId: string, channel: 'email' | 'phone', key: string, actor: string, correlationId: string): Promise<void> {
    await this.notifications.request({
      notificationId: `${registrationId}.${channel}.${key.replace(/[^A-Za-z0-9_.:-]/g, "_")}`.slice(0, 128),
      channel: channel === 'email' ? 'email' : 'sms',
      template: CONFIRMATION_TEMPLATE[channel],
      recipient: { subject: registrationStreamName(registrationId) },
      actor,
      correlationId,
    });
  }
}
