/**
 * One connection to one broker: TCP (optionally TLS), an authentication hook, size-prefixed
 * framing, correlation ids, many requests in flight, per-request timeouts and AbortSignals.
 *
 * Lifecycle: idle -> connecting -> authenticating (only with an `authenticate` hook) -> ready ->
 * closed. A closed Connection is never reused; whoever pools connections makes a new one (see
 * `onClose`, `closed`, `isReady`).
 *
 * Requests made before the connection is ready wait in a FIFO queue and go out in call order once
 * it is; so do requests beyond `maxInFlightRequests` and requests made while the socket's write
 * buffer is full. Each request is encoded when it is made (encoding errors fail the call at once,
 * nothing is sent), written with a single socket write (the socket is corked until the end of the
 * tick, so a burst of requests leaves in one writev), and matched with its response by correlation
 * id, in whatever order responses come.
 *
 * Timing: every request carries a deadline; one timer per connection, armed for the earliest
 * deadline, expires them (cheaper than a timer per request: see bench/network/timers.ts). On a
 * timeout after the request was sent, the connection closes by default, as the Java client does:
 * the broker's state for that request is unknown and a broker that stopped answering (or a
 * half-open TCP connection) would otherwise time out every following request one by one. With
 * `closeOnRequestTimeout: false` only that caller fails. An aborted request that was already sent
 * stays in the table as abandoned, so its late response is recognised and dropped.
 *
 * Failures of the connection itself (peer closed, reset, unknown correlation id, oversized frame,
 * close()) fail every pending and queued caller at once with a retriable `KafkaConnectionError`
 * whose `cause` is the reason; close listeners and `closed` receive the reason itself.
 */
import type * as net from 'node:net';
import type { ApiDescriptor, Input } from '../protocol/api.js';
import {
  KafkaConnectionError,
  KafkaDecodeError,
  KafkaBufferExhaustedError,
  KafkaError,
  KafkaInvalidArgumentError,
  KafkaTimeoutError,
  KafkaUnsupportedVersionError,
  abortError,
} from '../protocol/errors.js';
import type { Writer } from '../protocol/primitives/writer.js';
import { FrameAssembler } from '../protocol/primitives/frame-assembler.js';
import { SetupStep, connectSocket, formatBrokerAddress } from './connection-setup.js';
import { isValidTimeout, resolveConnectionOptions, type ConnectionOptions, type ResolvedConnectionOptions } from './options.js';
import { DeadlineTimer, GONE, InFlightRequests, MAX_TIMER_DELAY_MS, PendingRequest, QUEUED, SendQueue, type ResponseDecoder } from './pending-request.js';
import {
  CORRELATION_ID_OFFSET,
  PRODUCE_API_KEY,
  checkRequestArguments,
  decodeResponse,
  encodeApiRequest,
  encodeClientId,
  encodeRawRequest,
  encodedProduceAcks,
  errorMessage,
} from './request-frame.js';

export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'closed';

export interface RequestOptions {
  /** Overrides `requestTimeoutMs` for this call; counted from the call, queueing included. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RawRequestOptions extends RequestOptions {
  /** False for requests the broker does not answer (Produce with acks=0). Default true. */
  expectResponse?: boolean;
}

/** Header versions of a raw request, as an `ApiDescriptor` reports them for the version. */
export interface HeaderVersions {
  request: number;
  response: number;
}

/**
 * What `request` resolves with: the decoded response, or `undefined` for a request the broker does
 * not answer. Only Produce has `acks`, and a Produce with acks=0 gets no response.
 */
export type ResponseFor<Request, Response> = Request extends { acks: number } ? Response | undefined : Response;

/** Called once when the connection closes: with null after `close()`, else with the reason. */
export type CloseListener = (reason: KafkaError | null) => void;

export interface CloseOptions {
  /**
   * Wait up to this long for requests already made (queued or in flight) to complete before
   * closing; new requests are refused meanwhile. Default 0: close at once, failing them.
   */
  drainTimeoutMs?: number;
}

export class Connection {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as errors name the broker. */
  readonly broker: string;
  /** Resolves (never rejects) when the connection has closed: null after `close()`, else the reason. */
  readonly closed: Promise<KafkaError | null>;

  private readonly options: ResolvedConnectionOptions;
  private readonly clientIdBytes: Buffer;
  private readonly assembler: FrameAssembler;
  private currentState: ConnectionState = 'idle';
  private socket: net.Socket | null = null;
  private socketClosed: Promise<void> = Promise.resolve();
  private markSocketClosed: () => void = () => {};
  private connectPromise: Promise<void> | null = null;
  /** The setup step in progress (socket connect, authenticate), failed by `shutdown`. */
  private readonly setupStep = new SetupStep();

  /** Sent requests awaiting a response; abandoned ones stay until it comes. */
  private readonly inFlight = new InFlightRequests();
  private readonly queue = new SendQueue();
  /** Requests whose caller is still waiting. */
  private liveRequests = 0;
  /** socket.write returned false: wait for 'drain' before writing more. */
  private writeBlocked = false;
  /** The socket is corked until the end of this tick. */
  private corked = false;

  private readonly deadlineTimer = new DeadlineTimer(() => this.expireRequests());

  private draining = false;
  private drainTimer: NodeJS.Timeout | null = null;
  /** undefined while open; then the reason it closed (null: closed by `close()`). */
  private closeReason: KafkaError | null | undefined = undefined;
  private closeListeners: CloseListener[] = [];
  private resolveClosed!: (reason: KafkaError | null) => void;

  private readonly abortRequestCallback = (request: PendingRequest): void => this.abortRequest(request);

  constructor(options: ConnectionOptions) {
    this.options = resolveConnectionOptions(options);
    this.host = this.options.host;
    this.port = this.options.port;
    this.broker = formatBrokerAddress(this);
    this.clientIdBytes = encodeClientId(this.options.clientId);
    this.assembler = new FrameAssembler(
      {
        handleFrame: (buffer, start, end) => this.dispatchResponse(buffer, start, end),
        handleFramingError: (error) => this.shutdown(error),
      },
      this.options.maxResponseBytes,
    );
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Connected (and authenticated): requests go straight out. */
  get isReady(): boolean {
    return this.currentState === 'ready' && !this.draining;
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Requests sent and awaiting a response, abandoned ones included (the broker still owes them). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Requests waiting to be sent. */
  get queuedRequestCount(): number {
    return this.queue.count;
  }

  /** Encoded request bytes waiting: queued here plus the socket's unflushed write buffer. */
  get bufferedBytes(): number {
    return this.queue.bytes + (this.socket?.writableLength ?? 0);
  }

  /** Calls `listener` once when the connection closes (at once if it already has). Returns an unsubscribe. */
  onClose(listener: CloseListener): () => void {
    if (this.closeReason !== undefined) {
      listener(this.closeReason);
      return () => {};
    }
    this.closeListeners.push(listener);
    return () => {
      const index = this.closeListeners.indexOf(listener);
      if (index >= 0) this.closeListeners.splice(index, 1);
    };
  }

  /**
   * Opens the socket, runs TLS and the authenticate hook, and resolves once the connection is
   * ready. Calling it again returns the same promise (the first call's signal applies). Fails with
   * `KafkaConnectionError` naming the broker (refused, DNS, TLS, timeout), `KafkaAbortError`, or
   * the error the authenticate hook threw; the connection is closed then.
   */
  connect(signal?: AbortSignal): Promise<void> {
    if (this.connectPromise === null) {
      if (this.closeReason !== undefined) return Promise.reject(this.closedError());
      this.connectPromise = this.establish(signal ?? null);
    }
    return this.connectPromise;
  }

  /**
   * Sends one request and resolves with its decoded response. Produce with acks=0 (read from the
   * encoded request) resolves with `undefined` once its bytes reach the kernel, since the broker
   * sends no response. The timeout counts from this call, time spent queued included.
   */
  request<Request, Response>(
    api: ApiDescriptor<Request, Response>,
    version: number,
    body: Input<Request>,
    options?: RequestOptions,
  ): Promise<ResponseFor<Request, Response>> {
    const refusal = this.checkCall(options);
    if (refusal !== null) return Promise.reject(refusal);
    if (!(version >= api.minVersion && version <= api.maxVersion)) {
      return Promise.reject(
        new KafkaUnsupportedVersionError(`${api.name} v${version} is outside the versions this client knows (${api.minVersion}-${api.maxVersion})`),
      );
    }
    const requestHeaderVersion = api.requestHeaderVersion(version);
    const argumentError = checkRequestArguments(api.apiKey, version, requestHeaderVersion);
    if (argumentError !== null) return Promise.reject(argumentError);
    const frame = encodeApiRequest(api, version, body, this.clientIdBytes);
    if (frame instanceof KafkaError) return Promise.reject(frame);
    let expectResponse = true;
    if (api.apiKey === PRODUCE_API_KEY) {
      try {
        expectResponse = encodedProduceAcks(frame, version, requestHeaderVersion, this.clientIdBytes.length) !== 0;
      } catch (error) {
        return Promise.reject(new KafkaInvalidArgumentError(`cannot find acks in the encoded Produce request: ${errorMessage(error)}`));
      }
    }
    return this.submit(frame, api.apiKey, version, api.responseHeaderVersion(version), api, api.name, expectResponse, options) as Promise<
      ResponseFor<Request, Response>
    >;
  }

  /**
   * Sends a request whose body the caller writes, and resolves with the response body (after the
   * response header) as a view of the received frame, for callers that decode it themselves.
   */
  requestRaw(
    apiKey: number,
    version: number,
    headerVersions: HeaderVersions,
    writeBody: (writer: Writer) => void,
    options?: RawRequestOptions & { expectResponse?: true },
  ): Promise<Buffer>;
  requestRaw(
    apiKey: number,
    version: number,
    headerVersions: HeaderVersions,
    writeBody: (writer: Writer) => void,
    options: RawRequestOptions & { expectResponse: false },
  ): Promise<undefined>;
  requestRaw(
    apiKey: number,
    version: number,
    headerVersions: HeaderVersions,
    writeBody: (writer: Writer) => void,
    options?: RawRequestOptions,
  ): Promise<Buffer | undefined>;
  requestRaw(
    apiKey: number,
    version: number,
    headerVersions: HeaderVersions,
    writeBody: (writer: Writer) => void,
    options?: RawRequestOptions,
  ): Promise<Buffer | undefined> {
    const refusal = this.checkCall(options);
    if (refusal !== null) return Promise.reject(refusal);
    const argumentError = checkRequestArguments(apiKey, version, headerVersions.request);
    if (argumentError !== null) return Promise.reject(argumentError);
    if (headerVersions.response !== 0 && headerVersions.response !== 1) {
      return Promise.reject(new KafkaInvalidArgumentError(`response header version ${String(headerVersions.response)} is not 0 or 1`));
    }
    const frame = encodeRawRequest(apiKey, version, headerVersions.request, writeBody, this.clientIdBytes);
    if (frame instanceof KafkaError) return Promise.reject(frame);
    const expectResponse = options?.expectResponse ?? true;
    return this.submit(frame, apiKey, version, headerVersions.response, null, `api key ${apiKey}`, expectResponse, options) as Promise<
      Buffer | undefined
    >;
  }

  /**
   * Closes the connection and resolves once the socket is released. By default at once: pending
   * and queued requests fail with `KafkaConnectionError` (as the Java client does). With
   * `drainTimeoutMs`, new requests are refused and the close waits up to that long for the
   * requests already made to complete.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    const drainTimeoutMs = options.drainTimeoutMs ?? 0;
    if (drainTimeoutMs !== 0 && !isValidTimeout(drainTimeoutMs)) {
      throw new KafkaInvalidArgumentError(`drainTimeoutMs must be a positive number of milliseconds, got ${String(drainTimeoutMs)}`);
    }
    if (this.closeReason === undefined) {
      if (this.draining && drainTimeoutMs > 0) {
        await this.closed; // an earlier close() already set the bound
      } else if (drainTimeoutMs > 0 && this.liveRequests > 0) {
        this.draining = true;
        if (drainTimeoutMs !== Infinity) {
          this.drainTimer = setTimeout(() => this.shutdown(null), Math.min(drainTimeoutMs, MAX_TIMER_DELAY_MS));
        }
        await this.closed;
      } else {
        this.shutdown(null);
      }
    }
    await this.socketClosed;
  }

  // ---- connection setup ----

  private async establish(signal: AbortSignal | null): Promise<void> {
    const setup = new AbortController();
    const onCallerAbort = (): void => setup.abort(abortError(signal!));
    let connectTimer: NodeJS.Timeout | null = null;
    try {
      if (signal?.aborted) throw abortError(signal);
      signal?.addEventListener('abort', onCallerAbort, { once: true });
      setup.signal.addEventListener('abort', () => this.shutdown(setup.signal.reason as KafkaError), { once: true });
      const { connectTimeoutMs } = this.options;
      if (connectTimeoutMs !== Infinity) {
        connectTimer = setTimeout(() => {
          setup.abort(
            new KafkaConnectionError(`connection not ready within connectTimeoutMs (${connectTimeoutMs} ms)`, {
              broker: this.broker,
              cause: new KafkaTimeoutError(`connection setup timed out after ${connectTimeoutMs} ms`),
            }),
          );
        }, Math.min(connectTimeoutMs, MAX_TIMER_DELAY_MS));
      }
      this.currentState = 'connecting';
      await this.openSocket();
      const authenticate = this.options.authenticate;
      if (authenticate !== null) {
        this.currentState = 'authenticating';
        await this.authenticateWith(() => authenticate(this, setup.signal));
      }
      if (this.closeReason !== undefined) throw this.closedError();
      this.currentState = 'ready';
      this.pump();
    } catch (error) {
      const failure = this.setupFailure(error);
      this.shutdown(failure);
      throw failure;
    } finally {
      if (connectTimer !== null) clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** The error `connect()` fails with: the reason the connection closed if it did, else the step's own error. */
  private setupFailure(error: unknown): KafkaError {
    if (this.closeReason) return this.closeReason;
    if (this.closeReason === null) return new KafkaConnectionError('connection closed by the client during setup', { broker: this.broker });
    if (error instanceof KafkaError) return error;
    return new KafkaConnectionError(`connection setup failed: ${errorMessage(error)}`, { broker: this.broker, cause: error });
  }

  private openSocket(): Promise<void> {
    return this.setupStep.run((settle) => {
      let connecting: ReturnType<typeof connectSocket>;
      try {
        connecting = connectSocket(this.host, this.port, this.options.tls);
      } catch (error) {
        settle(new KafkaConnectionError(`cannot open a socket: ${errorMessage(error)}`, { broker: this.broker, cause: error }));
        return;
      }
      const socket = connecting.socket;
      this.socket = socket;
      this.socketClosed = new Promise((markClosed) => {
        this.markSocketClosed = markClosed;
      });
      socket.on('data', this.onSocketData);
      socket.on('error', this.onSocketError);
      socket.on('end', this.onSocketEnd);
      socket.on('close', this.onSocketClose);
      socket.on('drain', this.onSocketDrain);
      socket.once(connecting.readyEvent, () => settle());
    });
  }

  /** Runs the authenticate hook as a setup step; errors that are not ours become `KafkaConnectionError`. */
  private authenticateWith(step: () => Promise<void>): Promise<void> {
    return this.setupStep.run((settle) => {
      const fail = (error: unknown): void => {
        settle(error instanceof KafkaError ? error : new KafkaConnectionError(`authentication failed: ${errorMessage(error)}`, { broker: this.broker, cause: error }));
      };
      try {
        step().then(() => settle(), (error: unknown) => fail(error ?? new Error('rejected without a reason')));
      } catch (error) {
        fail(error ?? new Error('threw without a reason'));
      }
    });
  }

  private readonly onSocketData = (chunk: Buffer): void => {
    this.assembler.push(chunk);
  };

  private readonly onSocketError = (error: Error): void => {
    const during = this.currentState === 'ready' || this.currentState === 'authenticating' ? 'connection lost' : 'cannot connect';
    this.shutdown(new KafkaConnectionError(`${during}: ${error.message}`, { broker: this.broker, cause: error }));
  };

  private readonly onSocketEnd = (): void => {
    this.shutdown(new KafkaConnectionError('the broker closed the connection', { broker: this.broker }));
  };

  private readonly onSocketClose = (): void => {
    this.shutdown(new KafkaConnectionError('the connection closed', { broker: this.broker }));
    this.markSocketClosed();
  };

  private readonly uncorkSocket = (): void => {
    this.corked = false;
    this.socket?.uncork();
  };

  private readonly onSocketDrain = (): void => {
    this.writeBlocked = false;
    this.pump();
  };

  // ---- sending ----

  /** Refusals common to every call: closed, closing, bad options, already aborted. */
  private checkCall(options: RequestOptions | undefined): KafkaError | null {
    if (this.closeReason !== undefined) return this.closedError();
    if (this.draining) return new KafkaConnectionError('the connection is closing', { broker: this.broker });
    if (options !== undefined) {
      if (options.timeoutMs !== undefined && !isValidTimeout(options.timeoutMs)) {
        return new KafkaInvalidArgumentError(`timeoutMs must be a positive number of milliseconds, got ${String(options.timeoutMs)}`);
      }
      if (options.signal?.aborted) return abortError(options.signal);
    }
    return null;
  }

  private submit(
    frame: Buffer,
    apiKey: number,
    version: number,
    responseHeaderVersion: number,
    decoder: ResponseDecoder | null,
    apiName: string,
    expectResponse: boolean,
    options: RequestOptions | undefined,
  ): Promise<unknown> {
    const waiting = this.bufferedBytes;
    if (waiting > 0 && waiting + frame.length > this.options.maxBufferedBytes) {
      return Promise.reject(
        new KafkaBufferExhaustedError(
          `${apiName} request of ${frame.length} bytes would exceed maxBufferedBytes (${this.options.maxBufferedBytes}); ${waiting} bytes are waiting for the socket`,
        ),
      );
    }
    const timeoutMs = options?.timeoutMs ?? this.options.requestTimeoutMs;
    const signal = options?.signal ?? null;
    const request = new PendingRequest(
      this.abortRequestCallback,
      apiKey,
      version,
      responseHeaderVersion,
      decoder,
      apiName,
      expectResponse,
      frame,
      frame.length,
      performance.now() + timeoutMs,
      signal,
    );
    const promise = new Promise<unknown>((resolve, reject) => {
      request.resolve = resolve;
      request.reject = reject;
    });
    this.liveRequests++;
    signal?.addEventListener('abort', request);
    this.deadlineTimer.arm(request.deadline);

    const state = this.currentState;
    if (state === 'authenticating') {
      // Requests made while the hook runs are the hook's own (SASL) and go out ahead of the queue.
      this.transmit(request);
    } else if (state === 'ready' && this.queue.head === null && this.canTransmit(request)) {
      this.transmit(request);
    } else {
      this.queue.push(request);
    }
    return promise;
  }

  private canTransmit(request: PendingRequest): boolean {
    return !this.writeBlocked && (!request.expectResponse || this.inFlight.size < this.options.maxInFlightRequests);
  }

  /** Sends queued requests while the connection, the in-flight cap and the socket allow. */
  private pump(): void {
    const queue = this.queue;
    while (queue.head !== null && this.currentState === 'ready') {
      const head = queue.head;
      if (head.settled) {
        queue.shift();
        continue;
      }
      if (!this.canTransmit(head)) return;
      this.transmit(queue.shift());
    }
  }

  private transmit(request: PendingRequest): void {
    const frame = request.frame!;
    request.frame = null;
    const correlationId = this.inFlight.allocateId();
    frame.writeInt32BE(correlationId, CORRELATION_ID_OFFSET);
    request.correlationId = correlationId;
    if (request.expectResponse) this.inFlight.add(request);
    else request.position = GONE;
    const socket = this.socket!;
    if (!this.corked) {
      // Frames written in the same tick leave in one writev instead of one syscall each.
      this.corked = true;
      socket.cork();
      process.nextTick(this.uncorkSocket);
    }
    if (request.expectResponse) {
      if (!socket.write(frame)) this.writeBlocked = true;
      return;
    }
    // No response will come: like the Java client, complete once the bytes reached the kernel.
    // Node calls this back (with an error) even when the socket is destroyed first.
    if (!socket.write(frame, (error) => this.settle(request, error ? this.writeFailure(error) : null, undefined))) this.writeBlocked = true;
  }

  private writeFailure(error: Error): KafkaConnectionError {
    if (this.closeReason !== undefined) return this.closedError();
    return new KafkaConnectionError(`write failed: ${error.message}`, { broker: this.broker, cause: error });
  }

  // ---- receiving ----

  private dispatchResponse(buffer: Buffer, start: number, end: number): void {
    const correlationId = buffer.readInt32BE(start);
    const request = this.inFlight.take(correlationId);
    if (request === undefined) {
      this.shutdown(new KafkaDecodeError(`response with correlation id ${correlationId} matches no request in flight`));
      return;
    }
    // An abandoned request (aborted or timed out) has no caller left: its response is dropped.
    if (!request.settled) this.deliver(request, buffer, start + 4, end);
    if (this.queue.head !== null) this.pump();
  }

  private deliver(request: PendingRequest, buffer: Buffer, bodyStart: number, end: number): void {
    let value: unknown;
    try {
      value = decodeResponse(request, buffer, bodyStart, end);
    } catch (error) {
      this.settle(request, error as KafkaDecodeError, undefined);
      return;
    }
    this.settle(request, null, value);
  }

  // ---- settling, timeouts, aborts ----

  private settle(request: PendingRequest, error: KafkaError | null, value: unknown): void {
    if (request.settled) return;
    request.settled = true;
    request.signal?.removeEventListener('abort', request);
    if (request.position === QUEUED) {
      // Stays linked until the queue next moves; it is skipped there.
      this.queue.release(request);
      request.frame = null;
    }
    this.liveRequests--;
    if (error === null) request.resolve(value);
    else request.reject(error);
    if (this.draining && this.liveRequests === 0) process.nextTick(this.finishDrain);
  }

  private readonly finishDrain = (): void => {
    if (this.liveRequests === 0) this.shutdown(null);
  };

  private abortRequest(request: PendingRequest): void {
    if (request.settled || request.signal === null) return;
    this.settle(request, abortError(request.signal), undefined);
  }

  /** Fails the requests whose deadline has passed, then arms the timer for the next deadline. */
  private expireRequests(): void {
    if (this.closeReason !== undefined) return;
    const now = performance.now();

    for (let queued = this.queue.head; queued !== null; queued = queued.next) {
      if (!queued.settled && queued.deadline <= now) {
        this.settle(queued, new KafkaTimeoutError(`${queued.apiName} request timed out after waiting to be sent to ${this.broker}`), undefined);
      }
    }
    // Unlinking settled requests here keeps a stalled queue from holding aborted ones.
    let nextDeadline = this.queue.removeSettled();

    let timedOutInFlight: KafkaTimeoutError | null = null;
    for (const sent of this.inFlight.values()) {
      if (sent.settled) continue;
      if (sent.deadline <= now) {
        const error = new KafkaTimeoutError(`${sent.apiName} request (correlation id ${sent.correlationId}) to ${this.broker} timed out`);
        timedOutInFlight ??= error;
        this.settle(sent, error, undefined);
      } else if (sent.deadline < nextDeadline) {
        nextDeadline = sent.deadline;
      }
    }
    if (timedOutInFlight !== null && this.options.closeOnRequestTimeout) {
      this.shutdown(timedOutInFlight);
      return;
    }
    if (this.closeReason === undefined && nextDeadline !== Infinity) this.deadlineTimer.arm(nextDeadline);
  }

  // ---- closing ----

  private closedError(): KafkaConnectionError {
    const reason = this.closeReason;
    if (reason instanceof KafkaConnectionError) return reason;
    return reason
      ? new KafkaConnectionError(`connection closed: ${reason.message}`, { broker: this.broker, cause: reason })
      : new KafkaConnectionError('connection closed by the client', { broker: this.broker });
  }

  /** Closes everything at once; idempotent. `reason` null means `close()` asked for it. */
  private shutdown(reason: KafkaError | null): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.currentState = 'closed';
    this.draining = false;
    this.assembler.stop();
    this.deadlineTimer.cancel();
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    // Listeners stay attached: a late 'error' from the destroyed socket must still be absorbed.
    this.socket?.destroy();

    const failure = this.closedError();
    this.setupStep.fail(reason ?? failure);

    for (const request of this.inFlight.takeAll()) this.settle(request, failure, undefined);
    let queued = this.queue.takeAll();
    while (queued !== null) {
      const following: PendingRequest | null = queued.next;
      this.settle(queued, failure, undefined);
      queued.position = GONE;
      queued.next = null;
      queued = following;
    }

    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (error) {
        // A listener's own bug must not stop the others or leave this connection half closed.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.resolveClosed(reason);
  }
}
