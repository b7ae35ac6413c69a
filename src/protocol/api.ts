/**
 * The contract between the generated codecs and everything above them.
 *
 * Each Kafka API (one request/response pair) is generated into one module exporting one
 * `ApiDescriptor`, whose codecs branch on the version internally. The client side encodes requests
 * and decodes responses; the embedded broker decodes requests and encodes responses.
 */
import type { Reader, RawTaggedField } from './primitives/reader.js';
import type { Writer } from './primitives/writer.js';

/**
 * What an encoder accepts: the decoded shape with every field optional, recursively. A missing
 * field is encoded as the spec's default (0, '', false, empty array, null where nullable, or the
 * spec's explicit `default`).
 */
export type Input<T> = T extends Buffer | Uint8Array | bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer Element)[]
    ? readonly Input<Element>[]
    : { [Key in keyof T]?: Input<T[Key]> };

/** Tagged fields a decoder did not recognise; encoders write them back unchanged. */
export interface WithUnknownTags {
  unknownTaggedFields?: RawTaggedField[];
}

export interface ApiDescriptor<Request, Response> {
  readonly apiKey: number;
  /** Kafka's name for the API, e.g. 'Produce'. */
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (compact encodings, tagged fields), or null when none is flexible. */
  readonly firstFlexibleVersion: number | null;
  /** Versions the spec marks deprecated, as [min, max], or null. */
  readonly deprecatedVersions: readonly [number, number] | null;
  requestHeaderVersion(version: number): number;
  responseHeaderVersion(version: number): number;
  encodeRequest(writer: Writer, version: number, request: Input<Request>): void;
  decodeRequest(reader: Reader, version: number): Request;
  encodeResponse(writer: Writer, version: number, response: Input<Response>): void;
  decodeResponse(reader: Reader, version: number): Response;
}

/** A standalone versioned structure (e.g. ConsumerProtocolSubscription) carried inside other messages. */
export interface DataDescriptor<Data> {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly firstFlexibleVersion: number | null;
  encode(writer: Writer, version: number, data: Input<Data>): void;
  decode(reader: Reader, version: number): Data;
}

export type RequestOf<A> = A extends ApiDescriptor<infer Request, unknown> ? Request : never;
export type ResponseOf<A> = A extends ApiDescriptor<unknown, infer Response> ? Response : never;
