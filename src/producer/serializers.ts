/**
 * Key and value serializers: how a record's key or value becomes the bytes the broker stores.
 *
 * The default passes bytes through (a Buffer or Uint8Array as it is; a string as UTF-8, for
 * JavaScript callers). 'string' writes `String(value)` as UTF-8 and 'json' `JSON.stringify(value)`.
 * A function or an object with `serialize` does anything else. `null` and `undefined` always stay
 * null (a record without a key, or a tombstone), as the Java client's serializers return null for
 * null: a serializer only ever sees real data.
 *
 * Strings are kept as strings: the record batch builder writes them as UTF-8 straight into the
 * batch, which saves a Buffer per record.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';

/** What a serializer may return: bytes, text (written as UTF-8) or null. */
export type SerializedBytes = Buffer | Uint8Array | string | null;

/** A record header as the producer takes it. */
export interface ProducerHeader {
  readonly key: string;
  readonly value: Buffer | Uint8Array | string | null;
}

/**
 * Headers: an object (one header per property, in property order) or an array of `{ key, value }`
 * (in order, keys may repeat).
 */
export type ProducerHeaders = Readonly<Record<string, Buffer | Uint8Array | string | null>> | readonly ProducerHeader[];

/** A serializer as a function: (data, topic, headers) -> bytes. */
export type SerializerFunction<T> = (data: T, topic: string, headers: readonly ProducerHeader[] | undefined) => SerializedBytes;

/** A serializer as an object (the Java client's `Serializer` interface). */
export interface Serializer<T> {
  serialize(topic: string, data: T, headers: readonly ProducerHeader[] | undefined): SerializedBytes;
}

/** A built-in serializer by name, a function, or a `Serializer` object. */
export type SerializerOption<T> = 'buffer' | 'string' | 'json' | SerializerFunction<T> | Serializer<T>;

/** The resolved form: one function. */
export type SerializeFn = (data: unknown, topic: string, headers: readonly ProducerHeader[] | undefined) => Buffer | Uint8Array | string | null;

function checkBytes(value: unknown, what: string): Buffer | Uint8Array | string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array || typeof value === 'string') return value;
  throw new KafkaInvalidArgumentError(`the ${what} must be a Buffer, Uint8Array, string or null (or configure a serializer), got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${(value as object).constructor?.name ?? 'null prototype'})` : typeof value;
}

const bufferSerializer = (what: string): SerializeFn => (data) => checkBytes(data, what);

const stringSerializer: SerializeFn = (data) => (data === null || data === undefined ? null : typeof data === 'string' ? data : String(data));

const jsonSerializer = (what: string): SerializeFn => (data) => {
  if (data === null || data === undefined) return null;
  const text = JSON.stringify(data) as string | undefined;
  if (text === undefined) throw new KafkaInvalidArgumentError(`the ${what} cannot be serialized as JSON (${describe(data)})`);
  return text;
};

/** Whether `value` is a serializer option (for the options validator). */
export function isSerializerOption(value: unknown): boolean {
  if (value === 'buffer' || value === 'string' || value === 'json' || typeof value === 'function') return true;
  return typeof value === 'object' && value !== null && typeof (value as { serialize?: unknown }).serialize === 'function';
}

/**
 * Turns a serializer option into one function. Null and undefined never reach user serializers;
 * whatever a user serializer returns is checked to be bytes, a string or null.
 */
export function resolveSerializer(option: SerializerOption<unknown>, what: 'key' | 'value'): SerializeFn {
  if (option === 'buffer') return bufferSerializer(what);
  if (option === 'string') return stringSerializer;
  if (option === 'json') return jsonSerializer(what);
  const call: SerializerFunction<unknown> =
    typeof option === 'function' ? option : (data, topic, headers) => (option as Serializer<unknown>).serialize(topic, data, headers);
  return (data, topic, headers) => {
    if (data === null || data === undefined) return null;
    return checkBytes(call(data, topic, headers), `${what} serializer's result`);
  };
}

/** Normalises headers to an array of `{ key, value }`, checking their types. */
export function normalizeHeaders(headers: ProducerHeaders | undefined | null): ProducerHeader[] | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (Array.isArray(headers)) {
    for (const header of headers as readonly ProducerHeader[]) {
      if (typeof header !== 'object' || header === null || typeof header.key !== 'string') {
        throw new KafkaInvalidArgumentError('headers given as an array must hold { key: string, value } objects');
      }
      checkBytes(header.value, `value of header '${header.key}'`);
    }
    return headers.length === 0 ? undefined : (headers as ProducerHeader[]);
  }
  if (typeof headers !== 'object') throw new KafkaInvalidArgumentError(`headers must be an object or an array, got ${describe(headers)}`);
  const result: ProducerHeader[] = [];
  for (const key of Object.keys(headers)) {
    result.push({ key, value: checkBytes((headers as Record<string, unknown>)[key], `value of header '${key}'`) });
  }
  return result.length === 0 ? undefined : result;
}

/** Bytes of a varint (zigzag) encoding of a 32-bit value. */
function varintSize(value: number): number {
  const zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  return zigzag < 0x80 ? 1 : zigzag < 0x4000 ? 2 : zigzag < 0x200000 ? 3 : zigzag < 0x10000000 ? 4 : 5;
}

/** The byte length of serialized bytes (-1 for null). */
export function byteLength(bytes: Buffer | Uint8Array | string | null): number {
  if (bytes === null) return -1;
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}

/**
 * The most bytes a record can take in a batch, from its key and value lengths (-1 for null):
 * the record layer's `recordSizeUpperBound` (largest timestamp and offset deltas).
 */
export function recordSizeUpperBound(keyLength: number, valueLength: number, headers: readonly ProducerHeader[] | undefined): number {
  let body = 16 + varintSize(keyLength) + (keyLength > 0 ? keyLength : 0) + varintSize(valueLength) + (valueLength > 0 ? valueLength : 0);
  if (headers === undefined) {
    body += 1;
  } else {
    body += varintSize(headers.length);
    for (const header of headers) {
      const keyBytes = Buffer.byteLength(header.key, 'utf8');
      const valueBytes = byteLength(header.value);
      body += varintSize(keyBytes) + keyBytes + varintSize(valueBytes) + (valueBytes > 0 ? valueBytes : 0);
    }
  }
  return varintSize(body) + body;
}
