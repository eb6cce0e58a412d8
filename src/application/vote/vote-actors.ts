import { ForbiddenException } from '@nestjs/common';
import type { Actor } from '../../infrastructure/auth/actor.js';

/** The staff id of a signed-in staff member (trustees are staff accounts with the trustee role). */
export function staffIdOf(actor: Actor): string {
  if (actor.kind !== 'staff') throw new ForbiddenException('Only staff accounts take part in the key ceremony');
  return actor.staffId;
}
