/**
 * The fingerprint (SHA-256 hex) of the code this node runs, sealed before the vote opens and
 * checked again before the tally. Adapter: src/infrastructure/vote/code-fingerprint.ts.
 */
export interface CodeFingerprint {
  fingerprint(): Promise<string>;
  /** What the fingerprint covers, for people: a folder and a file count. */
  describe(): Promise<string>;
}

export const CODE_FINGERPRINT = Symbol.for('urne:CodeFingerprint');
