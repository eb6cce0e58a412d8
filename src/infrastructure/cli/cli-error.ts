/** Exit codes of the `urne` CLI. */
export const EXIT_OK = 0;
/** A runtime failure (store unreachable, port taken…). */
export const EXIT_FAILURE = 1;
/** Bad usage: unknown command or option, invalid configuration. */
export const EXIT_USAGE = 2;

/** An error the CLI reports as a plain message (no stack trace) with the given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
