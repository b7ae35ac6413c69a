/** Test support: the generated codec of a spec message (request, response, data or header structure). */
import type { DataDescriptor, Input } from '../../../src/protocol/api.js';
import type { Reader, Writer } from '../../../src/protocol/index.js';
import * as generated from '../../../src/protocol/generated/index.js';
import type { SpecMessage } from './spec-values.js';

export interface Codec {
  encode(writer: Writer, version: number, value: unknown): void;
  decode(reader: Reader, version: number): unknown;
}

export function codecFor(message: SpecMessage): Codec {
  if (message.type === 'request' || message.type === 'response') {
    const api = generated.API_BY_KEY.get(message.apiKey!);
    if (!api) throw new Error(`no descriptor for api key ${message.apiKey}`);
    assertEqual(api.name, message.apiName);
    return message.type === 'request'
      ? { encode: (w, v, x) => api.encodeRequest(w, v, x as Input<unknown>), decode: (r, v) => api.decodeRequest(r, v) }
      : { encode: (w, v, x) => api.encodeResponse(w, v, x as Input<unknown>), decode: (r, v) => api.decodeResponse(r, v) };
  }
  const data = (generated as unknown as Record<string, DataDescriptor<unknown> | undefined>)[message.name];
  if (!data || data.name !== message.name) throw new Error(`no data descriptor ${message.name}`);
  return { encode: (w, v, x) => data.encode(w, v, x as Input<unknown>), decode: (r, v) => data.decode(r, v) };
}

function assertEqual(actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`descriptor ${actual} found for ${expected}`);
}
