/**
 * Key and value deserializers: how the bytes of a record become the `key` and `value` the
 * application sees.
 *
 * The default ('buffer') passes the bytes through: a Buffer that is a view into the fetched
 * response, not a copy (copy it to keep it long after processing without pinning the response).
 * 'string' decodes UTF-8, 'json' decodes UTF-8 and parses JSON. A function or an object with
 * `deserialize` does anything else. A null key or value stays null and never reaches a
 * deserializer. Deserializers run only for the records `poll()` returns.
 */
import type { RecordHeader } from '../records/record.js';

/** A deserializer as a function: (bytes, topic, headers) -> value. */
export type DeserializerFunction<T> = (data: Buffer, topic: string, headers: readonly RecordHeader[]) => T;

/** A deserializer as an object (the Java client's `Deserializer` interface). */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer, headers: readonly RecordHeader[]): T;
}

/** A built-in deserializer by name, a function, or a `Deserializer` object. */
export type DeserializerOption<T> = 'buffer' | 'string' | 'json' | DeserializerFunction<T> | Deserializer<T>;

/** What a deserializer option produces: Buffer, string, unknown (JSON) or the function's result. */
export type Deserialized<D> = D extends 'buffer'
  ? Buffer
  : D extends 'string'
    ? string
    : D extends 'json'
      ? unknown
      : D extends Deserializer<infer T>
        ? T
        : D extends DeserializerFunction<infer T>
          ? T
          : Buffer;

/** The resolved form; `null` for the pass-through default, so the hot path can skip the call. */
export type DeserializeFn = ((data: Buffer, topic: string, headers: readonly RecordHeader[]) => unknown) | null;

/** Whether `value` is a deserializer option (for the options validator). */
export function isDeserializerOption(value: unknown): boolean {
  if (value === 'buffer' || value === 'string' || value === 'json' || typeof value === 'function') return true;
  return typeof value === 'object' && value !== null && typeof (value as { deserialize?: unknown }).deserialize === 'function';
}

const stringDeserializer = (data: Buffer): string => data.toString('utf8');
const jsonDeserializer = (data: Buffer): unknown => JSON.parse(data.toString('utf8')) as unknown;

/** Turns a deserializer option into one function, or null for the pass-through default. */
export function resolveDeserializer(option: DeserializerOption<unknown>): DeserializeFn {
  if (option === 'buffer') return null;
  if (option === 'string') return stringDeserializer;
  if (option === 'json') return jsonDeserializer;
  if (typeof option === 'function') return option;
  const deserializer = option;
  return (data, topic, headers) => deserializer.deserialize(topic, data, headers);
}
