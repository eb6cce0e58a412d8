import { registerEnumType } from '@nestjs/graphql';
import { STAFF_ROLES as DOMAIN_STAFF_ROLES, type StaffRole as DomainStaffRole } from '../../domain/staff/staff-role.js';
import { STAFF_ROLES, type StaffRole } from './actor.js';

/** The GraphQL enum `StaffRole`. */
export const StaffRoleEnum = Object.fromEntries(STAFF_ROLES.map((role) => [role, role])) as { [R in StaffRole]: R };

registerEnumType(StaffRoleEnum, {
  name: 'StaffRole',
  description: 'council: configures and certifies; operator: telephone support; trustee: holds a key share; auditor: verifies.',
});

// The domain keeps its own list (it may not import infrastructure): both must stay the same.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameRoles: Same<StaffRole, DomainStaffRole> = true;
void sameRoles;
if (STAFF_ROLES.join() !== DOMAIN_STAFF_ROLES.join()) throw new Error('STAFF_ROLES differ between src/domain/staff and src/infrastructure/auth');
