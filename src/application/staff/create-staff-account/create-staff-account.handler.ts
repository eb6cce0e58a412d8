import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/shared/decider.js';
import { staffAccountDecider, staffAccountStream } from '../../../domain/staff/staff-account.decider.js';
import { staffUsernameDecider, staffUsernameStream } from '../../../domain/staff/staff-username.decider.js';
import { parseUsername, USERNAME_RULE } from '../../../domain/staff/username.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { handleCommand } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_HASHER, STAFF_CREDENTIALS, type PasswordHasher, type StaffCredentials } from '../../ports/staff-credentials.js';
import { CreateStaffAccountCommand, type CreatedStaffAccount } from './create-staff-account.command.js';

/**
 * 1. hash the password (argon2id) and keep the hash in the secrets store under the new staff id;
 * 2. reserve the username (`staffname-<username>`, created with no_stream: unique);
 * 3. record StaffAccountCreated in `staff-<staffId>`.
 * The staff id derives from the command id, so a retried command finds its own reservation and
 * account instead of failing on them.
 */
@CommandHandler(CreateStaffAccountCommand)
export class CreateStaffAccountHandler implements ICommandHandler<CreateStaffAccountCommand, CreatedStaffAccount> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(STAFF_CREDENTIALS) private readonly credentials: StaffCredentials,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ commandId, input, actor }: CreateStaffAccountCommand): Promise<CreatedStaffAccount> {
    const username = parseUsername(input.username);
    if (username === null) throw new DomainError('InvalidUsername', `A username is ${USERNAME_RULE}.`);
    if (typeof input.password !== 'string' || input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH)
      throw new DomainError('WeakPassword', `A password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);
    const staffId = deterministicEventId(`staff-account:${commandId}`, 0);
    const now = () => this.clock.now();

    await this.credentials.setPasswordHash(staffId, await this.hasher.hash(input.password));
    try {
      await handleCommand(
        this.store,
        staffUsernameDecider,
        { commandId: `${commandId}:username`, correlationId: commandId, stream: staffUsernameStream(username), command: { type: 'ReserveStaffUsername', username, staffId }, actor },
        { now },
      );
    } catch (error) {
      await this.credentials.remove(staffId);
      throw error;
    }
    const result = await handleCommand(
      this.store,
      staffAccountDecider,
      {
        commandId: `${commandId}:account`,
        correlationId: commandId,
        stream: staffAccountStream(staffId),
        command: { type: 'CreateStaffAccount', staffId, username, role: input.role, now: now().toISOString() },
        actor,
      },
      { now },
    );
    const created = result.events.find((event) => event.type === 'StaffAccountCreated');
    return { staffId, username, role: created?.type === 'StaffAccountCreated' ? created.data.role : input.role };
  }
}
