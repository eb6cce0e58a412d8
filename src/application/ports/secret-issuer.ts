/**
 * Some messages carry a fresh secret: an e-mail confirmation code, an SMS authentication code, an
 * access code. The secret is never in the log: the notification dispatcher asks the issuer for it
 * at send time, just before rendering, and the secret lives only in the message.
 *
 * The issuer (the one-time code service, the credential service…) records that a secret was
 * issued (a hash, an expiry) in its own events. It is called once per attempt: an attempt that
 * definitely failed is retried with a newly issued secret (the issuer may instead return the same
 * secret for the same notification id: its choice). Registered per template through
 * `SecretIssuerRegistry.register(template, issuer)`.
 */
export interface SecretIssuer {
  /**
   * The secrets the template declares (e.g. `{ code: '481-207' }`), for `subject`. Throw
   * SecretIssueRefusedError when none must be issued (the registration was withdrawn…): the
   * notification is then abandoned; any other error is retried.
   */
  issue(template: string, subject: string, notificationId: string): Promise<Record<string, string>> | Record<string, string>;
}

/** The issuer refuses for good. `reason` is a code for the log (`registration-withdrawn`). */
export class SecretIssueRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`secret issue refused: ${reason}`);
    this.name = 'SecretIssueRefusedError';
  }
}

/** The `SecretIssuer` the dispatcher uses: the registry, which routes on the template name. */
export const SECRET_ISSUER = Symbol.for('urne:SecretIssuer');
