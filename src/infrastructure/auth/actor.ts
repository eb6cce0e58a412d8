/** The staff roles of an election (see the brief: council, operators, trustees, auditors). */
export const STAFF_ROLES = ['council', 'operator', 'trustee', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * Who is calling. Resolved from the request's bearer token by the auth guard; every resolver
 * receives it through `@CurrentActor()`. `id` is what goes into event metadata as the actor.
 */
export type Actor =
  | { kind: 'anonymous'; id: 'anonymous' }
  | { kind: 'staff'; id: string; staffId: string; username: string; role: StaffRole }
  | { kind: 'voter'; id: string; registrationId: string };

export const ANONYMOUS: Actor = { kind: 'anonymous', id: 'anonymous' };

/** What may be allowed on a resolver or field: a staff role, a signed-in voter, or anyone. */
export type Audience = StaffRole | 'voter' | 'public';
