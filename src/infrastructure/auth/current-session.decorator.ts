import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { authStateOf } from './auth.guard.js';

/** The id of the caller's session (null when anonymous): `signOut` ends it. Never the token. */
export const CurrentSessionId = createParamDecorator((_data: unknown, context: ExecutionContext): string | null => authStateOf(context)?.session?.sessionId ?? null);
