/** The staff roles (see the brief): the council, support operators, trustees, auditors. */
export const STAFF_ROLES = ['council', 'operator', 'trustee', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}
