/**
 * One client connection to an embedded broker: cuts the byte stream into request frames, decodes
 * each with its API's descriptor, runs the handler, and writes the answer.
 *
 * Requests are served one at a time, in order, as Kafka does (it mutes a connection while a
 * request is in flight), so answers always follow request order and a long-polling Fetch holds
 * back the requests behind it. Unread requests and unsent answers are bounded: past the limits the
 * socket stops being read, and a client that does not read its answers is not served further
 * until it does.
 *
 * Like Kafka, the broker closes the connection for a frame it cannot serve: an unknown API key, a
 * version it does not accept (except ApiVersions, answered in version 0 with UNSUPPORTED_VERSION),
 * a malformed header or body, or a frame larger than the request size limit.
 */
import type { Socket } from 'node:net';
import { ApiVersions, RequestHeader, ResponseHeader, Reader, Writer, type ApiDescriptor, type Input } from '../protocol/index.js';
import { FrameAssembler, type FrameSink } from '../protocol/primitives/frame-assembler.js';
import type { BrokerNode } from './cluster-state.js';
import { CLOSE_CONNECTION as CLOSE_CODE, type FaultInjector } from './fault-injection.js';
import { CLOSE_CONNECTION, NO_RESPONSE, type AnyApiHandler, type BrokerServices, type HandlerResult, type RequestContext } from './handler.js';
import { unsupportedApiVersionsResponse } from './handlers/api-versions.js';
import { HANDLERS } from './handlers/index.js';

/** api key, api version and correlation id: the least a request header holds. */
const MIN_REQUEST_BYTES = 8;

export interface ConnectionLimits {
  /** Kafka's socket.request.max.bytes. */
  readonly maxRequestBytes: number;
  /** Requests read ahead of the one being served before the socket is paused. */
  readonly maxQueuedRequests: number;
  readonly maxQueuedBytes: number;
  /** Answer bytes the client has not read yet before the connection is closed. */
  readonly maxUnsentBytes: number;
}

/** What a connection needs from its broker. */
export interface ConnectionHost {
  readonly node: BrokerNode;
  readonly services: BrokerServices;
  readonly faults: FaultInjector;
  readonly limits: ConnectionLimits;
  reportError(error: unknown): void;
  connectionClosed(connection: BrokerConnection): void;
}

/** Resolves after `ms`, or at once when the signal fires. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Size prefix, response header and body in one buffer. */
function encodeResponse(api: ApiDescriptor<unknown, unknown>, version: number, correlationId: number, body: Input<unknown>): Buffer {
  const writer = new Writer(256);
  writer.reserve(4);
  ResponseHeader.encode(writer, api.responseHeaderVersion(version), { correlationId });
  api.encodeResponse(writer, version, body);
  const frame = writer.finish();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

export class BrokerConnection implements FrameSink {
  private readonly assembler: FrameAssembler;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private running = false;
  private closed = false;
  private readonly abort = new AbortController();
  readonly clientHost: string;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.clientHost = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    this.assembler = new FrameAssembler(this, host.limits.maxRequestBytes);
    socket.on('data', (chunk: Buffer) => this.assembler.push(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes at once, dropping queued requests and unsent answers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.assembler.stop();
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.abort.abort();
    this.socket.destroy();
    this.host.connectionClosed(this);
  }

  handleFrame(buffer: Buffer, start: number, end: number): void {
    if (this.closed) return;
    if (end - start < MIN_REQUEST_BYTES) {
      this.close();
      return;
    }
    const frame = buffer.subarray(start, end);
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    const { maxQueuedRequests, maxQueuedBytes } = this.host.limits;
    if (this.queue.length >= maxQueuedRequests || this.queuedBytes >= maxQueuedBytes) this.socket.pause();
    if (!this.running) void this.serve();
  }

  handleFramingError(): void {
    this.close();
  }

  private async serve(): Promise<void> {
    this.running = true;
    try {
      for (let frame = this.queue.shift(); frame !== undefined && !this.closed; frame = this.queue.shift()) {
        this.queuedBytes -= frame.length;
        await this.process(frame);
        const { maxQueuedRequests, maxQueuedBytes } = this.host.limits;
        if (!this.closed && this.socket.isPaused() && this.queue.length < maxQueuedRequests && this.queuedBytes < maxQueuedBytes) this.socket.resume();
      }
    } catch (error) {
      // A handler or encoder failed on input it should have answered: a broker bug. The client
      // sees a closed connection, as it would when a Kafka broker fails to process a request.
      this.host.reportError(error);
      this.close();
    } finally {
      this.running = false;
    }
  }

  private async process(frame: Buffer): Promise<void> {
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const { versions } = this.host.services;
    const handler = HANDLERS.get(apiKey);
    if (!handler) return this.close();
    if (!versions.accepts(apiKey, apiVersion)) {
      if (apiKey !== ApiVersions.apiKey) return this.close();
      const refusal = encodeResponse(ApiVersions, 0, correlationId, unsupportedApiVersionsResponse(versions));
      await delay(this.host.faults.rtt(this.host.node.id), this.abort.signal);
      return this.send(refusal);
    }
    let request: unknown;
    let clientId: string | null;
    try {
      const reader = new Reader(frame);
      clientId = RequestHeader.decode(reader, handler.api.requestHeaderVersion(apiVersion)).clientId;
      request = handler.api.decodeRequest(reader, apiVersion);
    } catch {
      // Kafka closes the connection when it cannot parse a request.
      return this.close();
    }
    const context: RequestContext = {
      broker: this.host.node,
      services: this.host.services,
      apiVersion,
      clientId: clientId ?? '',
      clientHost: this.clientHost,
      signal: this.abort.signal,
    };
    const result = await this.answer(handler, request, context);
    if (this.closed || result === NO_RESPONSE) return;
    if (result === CLOSE_CONNECTION) return this.close();
    const response = encodeResponse(handler.api, apiVersion, correlationId, result);
    await delay(this.host.faults.rtt(this.host.node.id), this.abort.signal);
    return this.send(response);
  }

  /** The handler's answer, or the injected fault's. */
  private async answer(handler: AnyApiHandler, request: unknown, context: RequestContext): Promise<HandlerResult<unknown>> {
    const fault = this.host.faults.next(this.host.node.id, handler.api.apiKey);
    if (!fault) return handler.handle(request, context);
    await delay(fault.rttMs, this.abort.signal);
    if (fault.code === CLOSE_CODE) return CLOSE_CONNECTION;
    if (fault.code === 0) return handler.handle(request, context);
    // A request that expects no answer (acks=0) learns of an error by the connection closing.
    if (handler.expectsResponse && !handler.expectsResponse(request)) return CLOSE_CONNECTION;
    return handler.errorResponse(request, context, fault.code);
  }

  private async send(bytes: Buffer): Promise<void> {
    if (this.closed) return;
    this.socket.write(bytes);
    if (this.socket.writableLength <= this.host.limits.maxUnsentBytes) return;
    // The client is not reading its answers: wait for the socket to drain, within a bound.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}
