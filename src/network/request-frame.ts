/**
 * Encoding of request frames: the size prefix, the request header and the body, all in one Writer;
 * and reading a response frame's body once its request is known.
 *
 * The correlation id is written as a placeholder and patched in when the frame is sent, so that
 * ids follow the order of the wire even when requests wait in a queue first.
 */
import type { ApiDescriptor, Input } from '../protocol/api.js';
import { KafkaDecodeError, KafkaError, KafkaInvalidArgumentError } from '../protocol/errors.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import type { PendingRequest } from './pending-request.js';

/** Byte offset of the correlation id in a request frame: size (4), api key (2), api version (2). */
export const CORRELATION_ID_OFFSET = 8;

const INITIAL_FRAME_CAPACITY = 256;

/** What a caught value says, for error messages. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The client id as a request header (v1+) carries it: a nullable string with an int16 length. */
export function encodeClientId(clientId: string | null): Buffer {
  if (clientId === null) return Buffer.from([0xff, 0xff]);
  const text = Buffer.from(clientId, 'utf8');
  const encoded = Buffer.allocUnsafe(2 + text.length);
  encoded.writeInt16BE(text.length, 0);
  text.copy(encoded, 2);
  return encoded;
}

function startFrame(apiKey: number, version: number, headerVersion: number, clientIdBytes: Buffer): Writer {
  const writer = new Writer(INITIAL_FRAME_CAPACITY);
  writer.offset = 4;
  writer.writeInt16(apiKey);
  writer.writeInt16(version);
  writer.writeInt32(0);
  if (headerVersion >= 1) writer.writeRaw(clientIdBytes);
  if (headerVersion >= 2) writer.writeUInt8(0); // no tagged fields in the header
  return writer;
}

function finishFrame(writer: Writer): Buffer {
  const frame = writer.finish();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/**
 * Turns whatever an encoder threw into the error the caller gets. Typed errors keep their type;
 * `KafkaInvalidArgumentError` is re-made naming the request when the encoder did not say where
 * (a raw body writer), other errors (a RangeError from Buffer) become `KafkaInvalidArgumentError`.
 */
function encodeFailure(error: unknown, what: string, keepInvalidArgument: boolean): KafkaError {
  if (error instanceof KafkaError && (keepInvalidArgument || !(error instanceof KafkaInvalidArgumentError))) return error;
  const failure = new KafkaInvalidArgumentError(`cannot encode ${what}: ${errorMessage(error)}`);
  failure.cause = error;
  return failure;
}

/** Checks the arguments every request shares; returns the error to fail with, or null. */
export function checkRequestArguments(apiKey: number, version: number, requestHeaderVersion: number): KafkaError | null {
  if (!Number.isInteger(apiKey) || apiKey < 0 || apiKey > 0x7fff) {
    return new KafkaInvalidArgumentError(`api key ${String(apiKey)} is not an int16`);
  }
  if (!Number.isInteger(version) || version < 0 || version > 0x7fff) {
    return new KafkaInvalidArgumentError(`api version ${String(version)} is not an int16`);
  }
  if (requestHeaderVersion !== 0 && requestHeaderVersion !== 1 && requestHeaderVersion !== 2) {
    return new KafkaInvalidArgumentError(`request header version ${String(requestHeaderVersion)} is not 0, 1 or 2`);
  }
  return null;
}

export function encodeApiRequest<Request, Response>(
  api: ApiDescriptor<Request, Response>,
  version: number,
  body: Input<Request>,
  clientIdBytes: Buffer,
): Buffer | KafkaError {
  try {
    const writer = startFrame(api.apiKey, version, api.requestHeaderVersion(version), clientIdBytes);
    api.encodeRequest(writer, version, body);
    return finishFrame(writer);
  } catch (error) {
    // Descriptors name the message and version in their own errors.
    return encodeFailure(error, `${api.name} v${version} request`, true);
  }
}

export function encodeRawRequest(
  apiKey: number,
  version: number,
  requestHeaderVersion: number,
  writeBody: (writer: Writer) => void,
  clientIdBytes: Buffer,
): Buffer | KafkaError {
  try {
    const writer = startFrame(apiKey, version, requestHeaderVersion, clientIdBytes);
    writeBody(writer);
    return finishFrame(writer);
  } catch (error) {
    return encodeFailure(error, `request with api key ${apiKey} v${version}`, false);
  }
}

export const PRODUCE_API_KEY = 0;

/**
 * The acks of an encoded Produce request, read from the frame itself so that the answer is what
 * the broker will see (a missing `acks` in the input encodes as the spec default, 0).
 * Produce's body starts with the transactional id (v3+, compact from v9) and then acks (int16).
 */
export function encodedProduceAcks(frame: Buffer, version: number, requestHeaderVersion: number, clientIdLength: number): number {
  let position = CORRELATION_ID_OFFSET + 4;
  if (requestHeaderVersion >= 1) position += clientIdLength;
  if (requestHeaderVersion >= 2) position += 1;
  if (version >= 9) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = frame[position++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte >= 0x80 && shift < 35);
    position += Math.max(length - 1, 0);
  } else if (version >= 3) {
    const length = frame.readInt16BE(position);
    position += 2 + Math.max(length, 0);
  }
  return frame.readInt16BE(position);
}

/**
 * The response to `request` in buffer[bodyStart, end) (what follows the correlation id): its header's
 * tagged fields skipped (response header v1), the body decoded, or for a raw request returned as a
 * view. Throws KafkaDecodeError.
 */
export function decodeResponse(request: PendingRequest, buffer: Buffer, bodyStart: number, end: number): unknown {
  try {
    let position = bodyStart;
    if (request.responseHeaderVersion >= 1) {
      if (position < end && buffer[position] === 0) {
        position += 1; // the usual empty tagged-field section
      } else {
        const header = new Reader(buffer, position, end);
        header.readTaggedFields();
        position = header.offset;
      }
    }
    return request.decoder === null ? buffer.subarray(position, end) : request.decoder.decodeResponse(new Reader(buffer, position, end), request.apiVersion);
  } catch (error) {
    if (error instanceof KafkaDecodeError) throw error;
    throw new KafkaDecodeError(`cannot decode ${request.apiName} v${request.apiVersion} response: ${errorMessage(error)}`, { cause: error });
  }
}
