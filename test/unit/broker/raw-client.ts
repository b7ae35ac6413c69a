/**
 * A minimal Kafka client for the embedded broker's tests: it encodes requests with the generated
 * codecs, sends them over a real socket (pipelined, in order), and decodes the answers, or sends
 * raw bytes to see what the broker does with malformed input. Nothing of src/network is used, so
 * that these tests see exactly the bytes on the wire.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { ApiDescriptor, Input } from '../../../src/protocol/api.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { RequestHeader } from '../../../src/protocol/generated/request-header.js';
import { ResponseHeader } from '../../../src/protocol/generated/response-header.js';

interface Pending {
  readonly correlationId: number;
  readonly decode: (frame: Buffer) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** A response frame as received: correlation id and the bytes after it. */
export interface RawResponse {
  readonly correlationId: number;
  readonly frame: Buffer;
}

export class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private nextCorrelationId = 1;
  private isClosed = false;
  /** Answers that arrived with no request waiting for one. */
  unexpectedAnswers = 0;
  /** Resolves when the broker (or we) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        for (const entry of this.pending.splice(0)) entry.reject(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect({ port, host });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  get hasClosed(): boolean {
    return this.isClosed;
  }

  /** Encodes a request frame (size, header, body) with an explicit correlation id. */
  static encode<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, request: Input<Req>, correlationId: number, clientId: string | null = 'raw-client'): Buffer {
    const writer = new Writer();
    writer.reserve(4);
    RequestHeader.encode(writer, api.requestHeaderVersion(version), { requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId });
    api.encodeRequest(writer, version, request);
    const frame = writer.finish();
    frame.writeInt32BE(frame.length - 4, 0);
    return Buffer.from(frame);
  }

  /** Sends a request and resolves with the decoded answer. */
  send<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, request: Input<Req>, clientId: string | null = 'raw-client'): Promise<Res> {
    const correlationId = this.nextCorrelationId++;
    const frame = RawClient.encode(api, version, request, correlationId, clientId);
    return this.expect(correlationId, (body) => {
      const reader = new Reader(body);
      ResponseHeader.decode(reader, api.responseHeaderVersion(version));
      const response = api.decodeResponse(reader, version);
      if (reader.remaining() !== 0) throw new Error(`${api.name} v${version} answer has ${reader.remaining()} bytes left over`);
      return response;
    }, frame) as Promise<Res>;
  }

  /** Sends a request that gets no answer (Produce with acks=0). */
  sendWithoutAnswer<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, request: Input<Req>): void {
    this.socket.write(RawClient.encode(api, version, request, this.nextCorrelationId++));
  }

  /** Writes bytes as they are. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a raw frame whose answer (correlation id and the rest) the test decodes itself. */
  sendRaw(frame: Buffer, correlationId: number): Promise<RawResponse> {
    return this.expect(correlationId, (body) => ({ correlationId, frame: body }), frame) as Promise<RawResponse>;
  }

  private expect(correlationId: number, decode: (frame: Buffer) => unknown, frame: Buffer): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ correlationId, decode, resolve, reject });
      this.socket.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const entry = this.pending.shift();
      if (!entry) {
        // An answer nobody asked for (e.g. to acks=0): the test sees it as a closed connection.
        this.unexpectedAnswers++;
        this.socket.destroy();
        return;
      }
      const correlationId = frame.readInt32BE(0);
      if (correlationId !== entry.correlationId) {
        entry.reject(new Error(`answer for correlation id ${correlationId}, expected ${entry.correlationId}`));
        continue;
      }
      try {
        entry.resolve(entry.decode(frame));
      } catch (error) {
        entry.reject(error as Error);
      }
    }
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}
