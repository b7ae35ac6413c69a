import { KafkaDecodeError } from '../protocol/errors.js';

/** Thrown (as a KafkaDecodeError) when decompressed output would exceed the allowed size. */
export function outputTooLarge(codec: string, maxOutputBytes: number): KafkaDecodeError {
  return new KafkaDecodeError(`${codec} data decompresses to more than the limit of ${maxOutputBytes} bytes`);
}

/** A decode error for malformed compressed input. */
export function corruptInput(codec: string, detail: string, cause?: unknown): KafkaDecodeError {
  return new KafkaDecodeError(`invalid ${codec} data: ${detail}`, { cause });
}
