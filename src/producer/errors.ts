/**
 * Producer-specific errors (subclasses of the hierarchy in protocol/errors.ts).
 */
import { KafkaError, KafkaTimeoutError } from '../protocol/errors.js';

/** MESSAGE_TOO_LARGE's code: the Java client's RecordTooLargeException maps to it. */
const MESSAGE_TOO_LARGE = 10;

/**
 * A record is larger than the producer can ever send (`maxRequestSize`, `bufferMemory`), found
 * before anything was sent. The broker's own MESSAGE_TOO_LARGE arrives as a `KafkaProtocolError`.
 */
export class KafkaRecordTooLargeToSendError extends KafkaError {
  constructor(
    message: string,
    readonly topic: string,
    readonly partition: number | undefined,
  ) {
    super(message, { code: MESSAGE_TOO_LARGE, errorName: 'MESSAGE_TOO_LARGE', retriable: false });
  }
}

/**
 * A record was not acknowledged within `deliveryTimeoutMs` of its `send`. `cause` is the last
 * error of its batch's attempts, if it was tried and failed. If the batch was sent, the broker may
 * nevertheless have written it (its answer was lost or came too late).
 */
export class KafkaDeliveryTimeoutError extends KafkaTimeoutError {
  constructor(
    message: string,
    readonly topic: string,
    readonly partition: number,
    cause?: KafkaError | null,
  ) {
    super(message, cause === null || cause === undefined ? {} : { cause });
  }
}
