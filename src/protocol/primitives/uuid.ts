/**
 * Kafka UUIDs (topic ids, directory ids, ...) as strings in Kafka's own text form: the 16 bytes in
 * URL-safe base64 without padding (22 characters), as printed by Kafka's tools and `Uuid.toString()`.
 */
import { KafkaInvalidArgumentError } from '../errors.js';

/** The all-zero UUID, Kafka's "no id". */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Character code -> 6-bit value, or -1 for characters outside the URL-safe alphabet. */
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL.length; i++) SEXTET[BASE64URL.charCodeAt(i)] = i;

const HEX_UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export function uuidFromBytes(buffer: Buffer, offset: number): string {
  return buffer.toString('base64url', offset, offset + 16);
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? SEXTET[code]! : -1;
}

/**
 * Decodes the 22-character form into 16 bytes at `offset`; false when `text` is not exactly the
 * canonical encoding of 16 bytes (the last character may carry only 2 bits).
 */
function decodeBase64Url(text: string, buffer: Buffer, offset: number): boolean {
  // 5 groups of 4 characters give 15 bytes; the last 2 characters give the 16th byte.
  for (let group = 0; group < 5; group++) {
    const at = group * 4;
    const a = sextet(text, at);
    const b = sextet(text, at + 1);
    const c = sextet(text, at + 2);
    const d = sextet(text, at + 3);
    if ((a | b | c | d) < 0) return false;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    buffer[offset + group * 3] = bits >> 16;
    buffer[offset + group * 3 + 1] = bits >> 8;
    buffer[offset + group * 3 + 2] = bits;
  }
  const a = sextet(text, 20);
  const b = sextet(text, 21);
  if ((a | b) < 0 || (b & 0x0f) !== 0) return false;
  buffer[offset + 15] = (a << 2) | (b >> 4);
  return true;
}

/** Writes a UUID string into 16 bytes at `offset`. Accepts Kafka's base64 form or the 8-4-4-4-12 hex form. */
export function writeUuidBytes(uuid: string, buffer: Buffer, offset: number): void {
  if (typeof uuid === 'string') {
    if (uuid.length === 22 && decodeBase64Url(uuid, buffer, offset)) return;
    if (HEX_UUID.test(uuid)) {
      buffer.write(uuid.replaceAll('-', ''), offset, 16, 'hex');
      return;
    }
  }
  const shown = typeof uuid === 'string' ? JSON.stringify(uuid) : typeof uuid;
  throw new KafkaInvalidArgumentError(`not a UUID: ${shown} (expected 22 base64url characters or hex)`);
}
