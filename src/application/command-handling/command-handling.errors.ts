/** The stream kept changing under the command: it was retried and still conflicted. */
export class ConcurrencyConflictError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly stream: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`Stream "${stream}" changed concurrently ${attempts} times in a row; the command was not applied. Try again.`, { cause });
    this.name = 'ConcurrencyConflictError';
  }
}
