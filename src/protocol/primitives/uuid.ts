/**
 * Kafka UUIDs (topic ids, directory ids, ...) as strings in Kafka's own text form: the 16 bytes in
 * URL-safe base64 without padding (22 characters), as printed by Kafka's tools and `Uuid.toString()`.
 */
import { KafkaInvalidArgumentError } from '../errors.js';

/** The all-zero UUID, Kafka's "no id". */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidFromBytes(buffer: Buffer, offset: number): string {
  return buffer.toString('base64url', offset, offset + 16);
}

/** Writes a UUID string into 16 bytes at `offset`. Accepts Kafka's base64 form or the 8-4-4-4-12 hex form. */
export function writeUuidBytes(uuid: string, buffer: Buffer, offset: number): void {
  if (uuid.length === 22) {
    const decoded = Buffer.from(uuid, 'base64url');
    if (decoded.length === 16 && decoded.toString('base64url') === uuid) {
      decoded.copy(buffer, offset);
      return;
    }
  } else if (/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(uuid)) {
    buffer.write(uuid.replaceAll('-', ''), offset, 16, 'hex');
    return;
  }
  throw new KafkaInvalidArgumentError(`not a UUID: ${JSON.stringify(uuid)} (expected 22 base64url characters or hex)`);
}
