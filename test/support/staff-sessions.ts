import type { INestApplication } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { VOTER_SESSIONS, STAFF_SESSIONS, type StaffSessions, type VoterSessions } from '../../src/application/ports/sessions.js';
import { CreateStaffAccountCommand, type CreatedStaffAccount } from '../../src/application/staff/create-staff-account/create-staff-account.command.js';
import type { StaffRole } from '../../src/domain/staff/staff-role.js';

/**
 * Staff accounts and sessions for API tests, through the application's own components: the
 * CreateStaffAccount command (as `urne staff add` sends it) and the session store.
 */
export async function createStaffAccount(app: INestApplication, username: string, role: StaffRole, password = `pw-${randomUUID()}`): Promise<CreatedStaffAccount & { password: string }> {
  const created = await app.get(CommandBus).execute(new CreateStaffAccountCommand(randomUUID(), { username, role, password }, 'system:test'));
  return { ...created, password };
}

/** A fresh session token for an existing account. */
export async function staffToken(app: INestApplication, account: { staffId: string; username: string; role: StaffRole }): Promise<string> {
  return (await app.get<StaffSessions>(STAFF_SESSIONS).create(account)).token;
}

/** A session token for the voter of this registration. */
export async function voterToken(app: INestApplication, registrationId = `reg-${randomUUID()}`): Promise<string> {
  return (await app.get<VoterSessions>(VOTER_SESSIONS).create(registrationId)).token;
}

export const bearer = (token: string): Record<string, string> => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
