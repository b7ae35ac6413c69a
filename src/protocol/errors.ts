/**
 * The one error hierarchy of kafkats.
 *
 * Every error the library raises is a `KafkaError` with
 *  - `code`: the Kafka protocol error code when one applies (e.g. 6 for NOT_LEADER_OR_FOLLOWER),
 *    -1 for failures that have no Kafka code (aborts, bad configuration, ...);
 *  - `errorName`: Kafka's name for that code (e.g. 'NOT_LEADER_OR_FOLLOWER'), or a client-side
 *    name of the same style for failures that have no code ('ABORTED', 'INVALID_CONFIG', ...);
 *  - `retriable`: whether the same operation may succeed if tried again (the Java client's
 *    RetriableException classification for broker codes).
 *
 * Subclasses exist only where callers need to tell failures apart with `instanceof`.
 * The table of broker codes is generated from Kafka's error list (see generated/error-codes.ts).
 */
import { ERROR_CODES, type ErrorCodeInfo } from './generated/error-codes.js';

export interface KafkaErrorOptions {
  code?: number;
  errorName?: string;
  retriable?: boolean;
  cause?: unknown;
}

export class KafkaError extends Error {
  readonly code: number;
  readonly errorName: string;
  readonly retriable: boolean;

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? -1;
    this.errorName = options.errorName ?? errorInfo(this.code).name;
    this.retriable = options.retriable ?? false;
  }
}

/** Looks up a Kafka error code; unknown codes are reported as UNKNOWN_SERVER_ERROR-like entries. */
export function errorInfo(code: number): ErrorCodeInfo {
  return ERROR_CODES.get(code) ?? { code, name: `UNKNOWN_ERROR_CODE_${code}`, retriable: false, exceptionClass: '' };
}

/** Where a broker error happened, so that messages and handlers can name it. */
export interface ErrorLocation {
  topic?: string;
  partition?: number;
  groupId?: string;
  transactionalId?: string;
  brokerId?: number;
  apiName?: string;
}

function describeLocation(location: ErrorLocation | undefined): string {
  if (!location) return '';
  const parts: string[] = [];
  if (location.topic !== undefined) {
    parts.push(location.partition === undefined ? location.topic : `${location.topic}-${location.partition}`);
  }
  if (location.groupId !== undefined) parts.push(`group ${location.groupId}`);
  if (location.transactionalId !== undefined) parts.push(`transactional id ${location.transactionalId}`);
  if (location.brokerId !== undefined) parts.push(`broker ${location.brokerId}`);
  if (location.apiName !== undefined) parts.push(location.apiName);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** An error code returned by a broker in a response. */
export class KafkaProtocolError extends KafkaError {
  readonly location: ErrorLocation | undefined;
  /** The broker's own error message, when the response carried one. */
  readonly brokerMessage: string | null;

  constructor(code: number, location?: ErrorLocation, brokerMessage?: string | null) {
    const info = errorInfo(code);
    const detail = brokerMessage ? `: ${brokerMessage}` : '';
    super(`${info.name}${describeLocation(location)}${detail}`, {
      code,
      errorName: info.name,
      retriable: info.retriable,
    });
    this.location = location;
    this.brokerMessage = brokerMessage ?? null;
  }
}

/** Throws the typed error for a non-zero error code; returns normally for 0. */
export function throwIfError(code: number, location?: ErrorLocation, brokerMessage?: string | null): void {
  if (code !== 0) throw new KafkaProtocolError(code, location, brokerMessage);
}

/** Bytes from a broker (or given to a decoder) that do not follow the protocol. */
export class KafkaDecodeError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 2, errorName: 'CORRUPT_MESSAGE', retriable: false, cause: options.cause });
  }
}

/** A connection could not be made, broke, or was closed while requests were pending. */
export class KafkaConnectionError extends KafkaError {
  readonly broker: string | undefined;
  constructor(message: string, options: { broker?: string; cause?: unknown } = {}) {
    super(options.broker ? `${message} (${options.broker})` : message, {
      code: 13,
      errorName: 'NETWORK_EXCEPTION',
      retriable: true,
      cause: options.cause,
    });
    this.broker = options.broker;
  }
}

/** An operation did not complete within its time limit. */
export class KafkaTimeoutError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 7, errorName: 'REQUEST_TIMED_OUT', retriable: true, cause: options.cause });
  }
}

/**
 * A bounded buffer is full: more bytes were offered than a memory limit allows (the producer's
 * `bufferMemory` after `maxBlockMs`, a connection's `maxBufferedBytes`). Retriable: the buffer drains.
 */
export class KafkaBufferExhaustedError extends KafkaError {
  constructor(message: string) {
    super(message, { code: -1, errorName: 'BUFFER_EXHAUSTED', retriable: true });
  }
}

/** The caller's AbortSignal fired. */
export class KafkaAbortError extends KafkaError {
  constructor(message = 'The operation was aborted', options: { cause?: unknown } = {}) {
    super(message, { code: -1, errorName: 'ABORTED', retriable: false, cause: options.cause });
  }
}

/** Options given to a client are invalid (unknown keys, wrong types, conflicting settings). */
export class KafkaConfigError extends KafkaError {
  constructor(message: string) {
    super(message, { code: -1, errorName: 'INVALID_CONFIG', retriable: false });
  }
}

/** The broker does not support an API or version the operation needs. */
export class KafkaUnsupportedVersionError extends KafkaError {
  constructor(message: string) {
    super(message, { code: 35, errorName: 'UNSUPPORTED_VERSION', retriable: false });
  }
}

/** A value given by the caller cannot be encoded or used (out of range, wrong form, too large). */
export class KafkaInvalidArgumentError extends KafkaError {
  constructor(message: string) {
    super(message, { code: -1, errorName: 'INVALID_ARGUMENT', retriable: false });
  }
}

/** A client was used after close(), or in a state that does not allow the operation. */
export class KafkaStateError extends KafkaError {
  constructor(message: string) {
    super(message, { code: -1, errorName: 'ILLEGAL_STATE', retriable: false });
  }
}

/** Turns an AbortSignal's reason into our typed error. */
export function abortError(signal: AbortSignal): KafkaAbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof KafkaAbortError) return reason;
  const message = reason instanceof Error ? reason.message : 'The operation was aborted';
  return new KafkaAbortError(message, { cause: reason });
}
