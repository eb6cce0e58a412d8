import type { requestOf } from './auth.decorators.js';

/**
 * The caller's network address: Express's `req.ip` for HTTP (the socket's address unless the app
 * is configured to trust a proxy), the upgrade request's socket for graphql-ws.
 */
export function clientAddressOf(request: ReturnType<typeof requestOf>): string {
  if (request === undefined) return 'unknown';
  if (typeof request.ip === 'string' && request.ip !== '') return request.ip;
  const upgrade = (request.extra as { request?: { socket?: { remoteAddress?: string } } } | undefined)?.request;
  const socket = (request.socket as { remoteAddress?: string } | undefined) ?? upgrade?.socket;
  return socket?.remoteAddress ?? 'unknown';
}
