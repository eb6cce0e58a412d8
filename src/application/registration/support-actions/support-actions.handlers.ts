import { BadRequestException, Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { normalisePhone, registrationStreamName } from '../../../domain/registration/index.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import {
  REGISTRATION_REVIEW,
  readRegistrationFile,
  readRegistrationFilesOfRollEntry,
} from '../../../projections/registration-review/registration-review.projection.js';
import { ONE_TIME_CODES, type OneTimeCodes } from '../../ports/one-time-codes.js';
import { StaffActionRecorder } from '../../staff/record-staff-action/staff-action-recorder.js';
import { CODE_PURPOSE, RegistrationFiles } from '../registration-files.js';
import { toFileView, type RegistrationFileType } from '../registration-views.js';
import { ChangeRegistrationPhoneCommand, LookupRegistrationCommand, ResendRegistrationCodeCommand } from './support-actions.commands.js';

/** Operators and the council look a registration up; every look-up is recorded ('registration.lookup'). */
@CommandHandler(LookupRegistrationCommand)
export class LookupRegistrationHandler implements ICommandHandler<LookupRegistrationCommand> {
  constructor(
    private readonly files: RegistrationFiles,
    private readonly audit: StaffActionRecorder,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
  ) {}

  async execute(command: LookupRegistrationCommand): Promise<RegistrationFileType[]> {
    const { registrationId, electionId, rollEntryId } = command.input;
    const byId = registrationId !== undefined;
    if (byId === (electionId !== undefined || rollEntryId !== undefined) || (!byId && (electionId === undefined || rollEntryId === undefined)))
      throw new BadRequestException(['input: give either registrationId, or electionId and rollEntryId']);
    await catchUp(this.files, this.projections);
    const rows = byId ? [readRegistrationFile(this.db, registrationId)].filter((row) => row !== null) : readRegistrationFilesOfRollEntry(this.db, electionId!, rollEntryId!);
    const subject = byId ? registrationId : `${electionId}.${rollEntryId}`;
    await this.audit.recordStaffAction(command.actor, 'registration.lookup', subject, { by: byId ? 'registration' : 'roll-entry', found: rows.length });
    const views: RegistrationFileType[] = [];
    for (const row of rows) views.push(toFileView(row, this.files.vault, (await this.files.load(row.registrationId)).phoneData));
    return views;
  }
}

/** A confirmation code sent again, on request of the voter on the phone: recorded ('registration.code-resend'), then a new message. */
@CommandHandler(ResendRegistrationCodeCommand)
export class ResendRegistrationCodeHandler implements ICommandHandler<ResendRegistrationCodeCommand> {
  constructor(
    private readonly files: RegistrationFiles,
    private readonly audit: StaffActionRecorder,
  ) {}

  async execute(command: ResendRegistrationCodeCommand): Promise<boolean> {
    const { registrationId, channel } = command.input;
    const state = await this.files.require(registrationId);
    if (state.status !== 'pending') throw new DomainError('NothingToConfirm', `This registration is ${state.status}: no code to send.`);
    const contact = channel === 'email' ? 'email' : 'phone';
    if (contact === 'email' ? state.emailConfirmed : state.phoneConfirmed) throw new DomainError('AlreadyConfirmed', `The ${channel === 'email' ? 'e-mail address' : 'phone'} is already confirmed.`);
    const commandId = command.input.commandId ?? randomUUID();
    await this.audit.recordStaffAction(command.actor, 'registration.code-resend', registrationId, { channel }, { commandId, correlationId: commandId });
    await this.files.requestConfirmation(registrationId, contact, `resend.${commandId}`, command.actor.id, commandId);
    return true;
  }
}

/**
 * The phone changed after an identity check (recorded, 'registration.phone-change' with the kind
 * of check): re-sealed, blind-indexed, phone confirmation reset and a new SMS code sent.
 */
@CommandHandler(ChangeRegistrationPhoneCommand)
export class ChangeRegistrationPhoneHandler implements ICommandHandler<ChangeRegistrationPhoneCommand> {
  constructor(
    private readonly files: RegistrationFiles,
    private readonly audit: StaffActionRecorder,
    @Inject(ONE_TIME_CODES) private readonly codes: OneTimeCodes,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
  ) {}

  async execute(command: ChangeRegistrationPhoneCommand): Promise<RegistrationFileType> {
    const { registrationId, identityCheck } = command.input;
    const phone = normalisePhone(command.input.phone);
    if (phone === null) throw new DomainError('InvalidPhone', 'This is not a phone number.');
    const state = await this.files.require(registrationId);
    const commandId = command.input.commandId ?? randomUUID();
    const { vault, clock } = this.files;
    await this.audit.recordStaffAction(command.actor, 'registration.phone-change', registrationId, { identityCheck }, { commandId, correlationId: commandId });
    const personalData = vault.seal(registrationStreamName(registrationId), { phone });
    await this.files.execute(
      registrationId,
      { type: 'ChangeRegistrationPhone', personalData, phoneIndex: vault.blindIndex('phone', phone), at: clock.now().toISOString() },
      commandId,
      command.actor.id,
    );
    await this.codes.revoke(CODE_PURPOSE.phone, registrationId);
    if (state.status === 'pending') await this.files.requestConfirmation(registrationId, 'phone', `change.${commandId}`, command.actor.id, commandId);
    await catchUp(this.files, this.projections);
    const row = readRegistrationFile(this.db, registrationId);
    if (!row) throw new DomainError('NOT_FOUND', 'There is no such registration.');
    return toFileView(row, vault, personalData);
  }
}

/** Waits until the registration-review read model has applied every registration event. */
export async function catchUp(files: RegistrationFiles, projections: ProjectionsService): Promise<void> {
  const runner = projections.runner(REGISTRATION_REVIEW);
  if (!runner) return;
  for await (const last of files.store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'streamName', prefixes: ['registration-'] } })) await runner.waitForPosition(last.position);
}
