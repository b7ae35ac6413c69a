/**
 * Small helpers shared by the generated codecs (src/protocol/generated/): version checks and the
 * errors they raise, with messages that name the message, version and field involved.
 */
import { KafkaDecodeError, KafkaError, KafkaInvalidArgumentError, KafkaUnsupportedVersionError } from '../errors.js';

/** A shared zero-length buffer: the default of `bytes` fields. */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** Throws unless `version` is an integer in [min, max]. */
export function checkVersion(name: string, version: number, min: number, max: number): void {
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new KafkaUnsupportedVersionError(`${name} version ${version} is not supported (valid versions ${min}-${max})`);
  }
}

/** A field holding a non-default value cannot be written in a version that lacks it (as the Java client does). */
export function unsupportedField(field: string, versions: string): KafkaUnsupportedVersionError {
  return new KafkaUnsupportedVersionError(`field ${field} has a non-default value but exists only in versions ${versions}`);
}

/** Raw tagged fields given for a struct in a version that has no tagged fields. */
export function unsupportedTaggedFields(struct: string): KafkaUnsupportedVersionError {
  return new KafkaUnsupportedVersionError(`${struct} has unknownTaggedFields but this version has no tagged fields`);
}

/** Null given for a field that is not nullable in the version being written. */
export function nullField(field: string): KafkaInvalidArgumentError {
  return new KafkaInvalidArgumentError(`field ${field} is not nullable in this version`);
}

/** A frame holds null (-1 length) where the field is not nullable. */
export function nullInFrame(field: string): KafkaDecodeError {
  return new KafkaDecodeError(`field ${field} is null but not nullable in this version`);
}

/**
 * Wraps an error raised while encoding `message` at `version` so that it names both. Errors that
 * are not ours (a TypeError from a malformed input object) become `KafkaInvalidArgumentError`.
 */
export function encodeFailure(error: unknown, message: string, version: number): KafkaError {
  const where = `${message} v${version}`;
  if (error instanceof KafkaUnsupportedVersionError) return new KafkaUnsupportedVersionError(`${where}: ${error.message}`);
  if (error instanceof KafkaInvalidArgumentError) return new KafkaInvalidArgumentError(`${where}: ${error.message}`);
  if (error instanceof KafkaError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new KafkaInvalidArgumentError(`${where}: invalid input (${detail})`);
}

/**
 * Wraps an error raised while decoding `message` at `version`. Anything other than a
 * `KafkaDecodeError` would be a codec bug; it still comes out as a `KafkaDecodeError`, with the
 * original as `cause` so that tests can tell the two apart.
 */
export function decodeFailure(error: unknown, message: string, version: number): KafkaDecodeError {
  const where = `${message} v${version}`;
  if (error instanceof KafkaDecodeError) return new KafkaDecodeError(`${where}: ${error.message}`);
  const detail = error instanceof Error ? error.message : String(error);
  return new KafkaDecodeError(`${where}: ${detail}`, { cause: error });
}

export { orderedUnknownTags } from './writer.js';
