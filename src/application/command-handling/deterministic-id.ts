import { createHash } from 'node:crypto';

/** The UUID namespace of Urne's derived event ids (itself a random v4 UUID, fixed forever). */
const URNE_NAMESPACE = Buffer.from('5c1f7c0e4b8a4d6f9e3a2b7c1d0e8f21', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5, SHA-1) for the index-th event of a command.
 * The same command always yields the same event ids, so a retried append is recognised by the
 * store as a duplicate instead of being written twice.
 */
export function deterministicEventId(commandId: string, index: number): string {
  const hash = createHash('sha1').update(URNE_NAMESPACE).update(`${commandId}/${index}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
