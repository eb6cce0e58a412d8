import type { ActualStreamState, ExpectedStreamState } from './event-store.port.js';

/** Base class of every error the event store port raises; `code` is stable and machine-readable. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function describeState(state: ExpectedStreamState | ActualStreamState): string {
  return typeof state === 'bigint' ? `revision ${state}` : state;
}

/** The stream was not in the expected state: someone else appended first (KurrentDB's WrongExpectedVersionError). */
export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly stream: string,
    readonly expectedState: ExpectedStreamState,
    readonly actualState: ActualStreamState,
  ) {
    super(`Stream "${stream}" was expected at ${describeState(expectedState)} but is at ${describeState(actualState)}`);
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(readonly stream: string) {
    super(`Stream "${stream}" does not exist`);
  }
}

export class InvalidStreamNameError extends EventStoreError {
  readonly code = 'INVALID_STREAM_NAME';
  constructor(
    readonly stream: string,
    readonly reason: string,
  ) {
    super(`Invalid stream name ${JSON.stringify(stream)}: ${reason}`);
  }
}

export class InvalidEventTypeError extends EventStoreError {
  readonly code = 'INVALID_EVENT_TYPE';
  constructor(
    readonly eventType: string,
    readonly reason: string,
  ) {
    super(`Invalid event type ${JSON.stringify(eventType)}: ${reason}`);
  }
}

/** An event or an option is malformed (id not a UUID, data not JSON, negative revision, …). */
export class InvalidEventError extends EventStoreError {
  readonly code = 'INVALID_EVENT';
  constructor(readonly reason: string) {
    super(`Invalid event: ${reason}`);
  }
}

export class InvalidArgumentError extends EventStoreError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(readonly reason: string) {
    super(`Invalid argument: ${reason}`);
  }
}

/** The append exceeds the maximum append size (KurrentDB's MaxAppendSize, 1 MiB by default). */
export class AppendTooLargeError extends EventStoreError {
  readonly code = 'APPEND_TOO_LARGE';
  constructor(
    readonly stream: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`Append to "${stream}" is ${size} bytes, over the limit of ${limit} bytes`);
  }
}

/** The store cannot be reached or refused the operation for a reason other than the above. */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}
