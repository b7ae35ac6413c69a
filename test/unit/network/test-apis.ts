/**
 * Hand-written API descriptors for connection tests: an Echo API (an int32 and a string, classic
 * encoding in v0 and flexible in v1) and a cut-down Produce (api key 0) to exercise acks=0.
 */
import type { ApiDescriptor, Input } from '../../../src/protocol/api.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import type { Writer } from '../../../src/protocol/primitives/writer.js';
import { parseRequestHeader, type BrokerPeer, type ReceivedRequest } from './fake-broker.js';

export interface EchoMessage {
  value: number;
  text: string;
}

function encodeEcho(writer: Writer, version: number, message: Input<EchoMessage>): void {
  writer.writeInt32(message.value ?? 0);
  if (version >= 1) {
    writer.writeCompactString(message.text ?? '');
    writer.writeTaggedFields(undefined, undefined);
  } else {
    writer.writeString(message.text ?? '');
  }
}

function decodeEcho(reader: Reader, version: number): EchoMessage {
  const value = reader.readInt32();
  const text = version >= 1 ? reader.readCompactString() : reader.readString();
  if (version >= 1) reader.readTaggedFields();
  return { value, text };
}

export const ECHO_API_KEY = 32000;

export const Echo: ApiDescriptor<EchoMessage, EchoMessage> = {
  apiKey: ECHO_API_KEY,
  name: 'Echo',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 1,
  deprecatedVersions: null,
  latestVersionUnstable: false,
  listeners: ['broker'],
  requestHeaderVersion: (version) => (version >= 1 ? 2 : 1),
  responseHeaderVersion: (version) => (version >= 1 ? 1 : 0),
  encodeRequest: encodeEcho,
  decodeRequest: decodeEcho,
  encodeResponse: encodeEcho,
  decodeResponse: decodeEcho,
};

/** The body bytes of a received Echo request. */
export function echoBody(request: ReceivedRequest): Buffer {
  const { bodyOffset } = parseRequestHeader(request.frame, Echo.requestHeaderVersion(request.apiVersion));
  return request.frame.subarray(bodyOffset);
}

/** The decoded Echo request. */
export function echoMessage(request: ReceivedRequest): EchoMessage {
  return decodeEcho(new Reader(echoBody(request)), request.apiVersion);
}

/** Answers Echo requests with their own body, and nothing else. */
export function echoOnly(request: ReceivedRequest, peer: BrokerPeer): void {
  if (request.apiKey === ECHO_API_KEY) echoBack(request, peer);
}

/** Answers an Echo request with its own body. */
export function echoBack(request: ReceivedRequest, peer: BrokerPeer): void {
  peer.respond(request.correlationId, echoBody(request), Echo.responseHeaderVersion(request.apiVersion));
}

export interface TinyProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
}

export interface TinyProduceResponse {
  throttleTimeMs: number;
}

/** Produce's leading fields as the real API lays them out; the topic data is always empty. */
export const TinyProduce: ApiDescriptor<TinyProduceRequest, TinyProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  firstFlexibleVersion: 9,
  deprecatedVersions: null,
  latestVersionUnstable: false,
  listeners: ['broker'],
  requestHeaderVersion: (version) => (version >= 9 ? 2 : 1),
  responseHeaderVersion: (version) => (version >= 9 ? 1 : 0),
  encodeRequest(writer, version, request) {
    if (version >= 9) writer.writeCompactNullableString(request.transactionalId ?? null);
    else if (version >= 3) writer.writeNullableString(request.transactionalId ?? null);
    writer.writeInt16(request.acks ?? 0);
    writer.writeInt32(request.timeoutMs ?? 0);
    if (version >= 9) {
      writer.writeCompactArrayLength(0);
      writer.writeTaggedFields(undefined, undefined);
    } else {
      writer.writeArrayLength(0);
    }
  },
  decodeRequest() {
    throw new Error('not used by these tests');
  },
  encodeResponse() {
    throw new Error('not used by these tests');
  },
  decodeResponse(reader) {
    return { throttleTimeMs: reader.readInt32() };
  },
};
