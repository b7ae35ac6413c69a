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
    : { [Key in keyof T]?: Key extends 'unknownTaggedFields' ? readonly RawTaggedField[] : Input<T[Key]> };

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
  /**
   * Whether the spec marks maxVersion as still unstable (under development in Kafka): clients should
   * not offer it to brokers, as the Java client does not unless told to.
   */
  readonly latestVersionUnstable: boolean;
  /** Which Kafka listeners serve the API ('broker', 'controller', 'zkBroker'). */
  readonly listeners: readonly string[];
  /** RequestHeader version for a request version: 2 when flexible, else 1 (0 for ControlledShutdown v0). */
  requestHeaderVersion(version: number): number;
  /** ResponseHeader version for a response version: 1 when flexible, else 0 (always 0 for ApiVersions). */
  responseHeaderVersion(version: number): number;
  /**
   * Codecs. Encoders throw `KafkaUnsupportedVersionError` for a version outside [minVersion,
   * maxVersion] or a non-default field the version lacks, and `KafkaInvalidArgumentError` for values
   * that cannot be encoded; the writer then holds a partial encoding and must be discarded. Decoders
   * throw `KafkaDecodeError` for anything malformed and leave bytes after the message unread.
   */
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
