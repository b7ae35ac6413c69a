/**
 * A minimal Kafka-framed server for connection tests: it accepts sockets (plain or TLS), cuts the
 * incoming bytes into request frames, records them, and lets each test decide what to answer,
 * when, and in which order (or to send garbage, or to kill the socket).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';

export interface ReceivedRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** The frame without its size prefix. */
  frame: Buffer;
}

/** Parses the header of a received request frame at a known header version. */
export function parseRequestHeader(frame: Buffer, headerVersion: number): { clientId: string | null | undefined; bodyOffset: number } {
  let offset = 8;
  let clientId: string | null | undefined;
  if (headerVersion >= 1) {
    const length = frame.readInt16BE(offset);
    offset += 2;
    if (length < 0) {
      clientId = null;
    } else {
      clientId = frame.toString('utf8', offset, offset + length);
      offset += length;
    }
  }
  if (headerVersion >= 2) {
    const taggedFieldCount = frame[offset]!;
    if (taggedFieldCount !== 0) throw new Error(`expected no tagged fields in the request header, got ${taggedFieldCount}`);
    offset += 1;
  }
  return { clientId, bodyOffset: offset };
}

/** A response frame: size, correlation id, (v1: empty tagged fields), body. */
export function responseFrame(correlationId: number, body: Uint8Array, headerVersion = 0): Buffer {
  const headerLength = headerVersion >= 1 ? 5 : 4;
  const frame = Buffer.alloc(4 + headerLength + body.length);
  frame.writeInt32BE(headerLength + body.length, 0);
  frame.writeInt32BE(correlationId, 4);
  Buffer.from(body).copy(frame, 4 + headerLength);
  return frame;
}

type Waiter = { count: number; resolve: () => void };

/** One accepted client socket. */
export class BrokerPeer {
  readonly requests: ReceivedRequest[] = [];
  readonly closed: Promise<void>;
  onRequest: ((request: ReceivedRequest, peer: BrokerPeer) => void) | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private waiters: Waiter[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // Resets from a client that went away are part of several tests' scenarios.
    socket.on('error', () => {});
    this.closed = once(socket, 'close').then(() => undefined);
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (this.pending.length < 4 + size) break;
      const frame = Buffer.from(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
      const request: ReceivedRequest = {
        apiKey: frame.readInt16BE(0),
        apiVersion: frame.readInt16BE(2),
        correlationId: frame.readInt32BE(4),
        frame,
      };
      this.requests.push(request);
      this.onRequest?.(request, this);
      this.waiters = this.waiters.filter((waiter) => {
        if (this.requests.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    }
  }

  /** Resolves once `count` requests in total have arrived on this socket. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  respond(correlationId: number, body: Uint8Array, headerVersion = 0): void {
    this.socket.write(responseFrame(correlationId, body, headerVersion));
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface FakeBrokerOptions {
  /** Serve TLS with these options (key, cert) instead of plain TCP. */
  tls?: tls.TlsOptions;
  /** Installed on every accepted socket. */
  onRequest?: (request: ReceivedRequest, peer: BrokerPeer) => void;
}

export class FakeBroker {
  readonly peers: BrokerPeer[] = [];
  private peerWaiters: ((peer: BrokerPeer) => void)[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    let broker: FakeBroker | null = null;
    const accepted: BrokerPeer[] = [];
    const onSocket = (socket: net.Socket): void => {
      const peer = new BrokerPeer(socket);
      peer.onRequest = options.onRequest ?? null;
      if (broker === null) accepted.push(peer);
      else broker.accept(peer);
    };
    const server = options.tls ? tls.createServer(options.tls, onSocket) : net.createServer(onSocket);
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    broker = new FakeBroker(server, (server.address() as net.AddressInfo).port);
    for (const peer of accepted) broker.accept(peer);
    return broker;
  }

  private accept(peer: BrokerPeer): void {
    this.peers.push(peer);
    const waiters = this.peerWaiters;
    this.peerWaiters = [];
    for (const waiter of waiters) waiter(peer);
  }

  /** The peer with this index (0 = first accepted), once it has connected. */
  peer(index = 0): Promise<BrokerPeer> {
    const existing = this.peers[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const check = (): void => {
        const peer = this.peers[index];
        if (peer) resolve(peer);
        else this.peerWaiters.push(check);
      };
      this.peerWaiters.push(check);
    });
  }

  /** Stops listening and destroys every accepted socket; resolves once all are closed. */
  async close(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const peer of this.peers) peer.destroy();
    await Promise.all(this.peers.map((peer) => peer.closed));
    await closing;
  }
}
