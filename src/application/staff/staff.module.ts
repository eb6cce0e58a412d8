import { Global, Module } from '@nestjs/common';
import { ChangeStaffRoleHandler } from './change-staff-role/change-staff-role.handler.js';
import { CreateStaffAccountHandler } from './create-staff-account/create-staff-account.handler.js';
import { DisableStaffAccountHandler } from './disable-staff-account/disable-staff-account.handler.js';
import { ListStaffAccountsResolver } from './list-staff-accounts/list-staff-accounts.resolver.js';
import { MeResolver } from './me/me.resolver.js';
import { StaffActionRecorder } from './record-staff-action/staff-action-recorder.js';
import { ResetStaffPasswordHandler } from './reset-staff-password/reset-staff-password.handler.js';
import { SignInHandler } from './sign-in/sign-in.handler.js';
import { SignInResolver } from './sign-in/sign-in.resolver.js';
import { SignOutHandler } from './sign-out/sign-out.handler.js';
import { SignOutResolver } from './sign-out/sign-out.resolver.js';
import { StaffDirectory } from './staff-directory.js';

/**
 * Staff accounts and sessions: `signIn`, `signOut`, `me`, `staffAccounts` over GraphQL; account
 * creation, role change, disabling and password reset through `urne staff` (and the CommandBus).
 * Global so that any slice can inject StaffActionRecorder to audit operator actions.
 */
@Global()
@Module({
  providers: [
    StaffDirectory,
    StaffActionRecorder,
    CreateStaffAccountHandler,
    ChangeStaffRoleHandler,
    DisableStaffAccountHandler,
    ResetStaffPasswordHandler,
    SignInHandler,
    SignInResolver,
    SignOutHandler,
    SignOutResolver,
    MeResolver,
    ListStaffAccountsResolver,
  ],
  exports: [StaffActionRecorder, StaffDirectory],
})
export class StaffModule {}
