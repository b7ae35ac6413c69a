/**
 * Options of one broker connection, their defaults and their validation.
 */
import type { ConnectionOptions as TlsConnectOptions } from 'node:tls';
import { KafkaConfigError } from '../protocol/errors.js';
import type { Connection } from './connection.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Sent in every request header of version 1 or later (`client.id`). Default 'kafkats'. */
  clientId?: string | null;
  /** `true` for TLS with Node's defaults, or options for `tls.connect` (ca, cert, key, ...). */
  tls?: boolean | TlsConnectOptions;
  /**
   * Runs once the socket (and TLS) is up and before the connection is ready, e.g. a SASL exchange.
   * Requests it makes through `connection.request` are sent at once, while requests made before it
   * started wait until it has finished. The signal fires when connection setup times out or is
   * aborted.
   */
  authenticate?: (connection: Connection, signal: AbortSignal) => Promise<void>;
  /**
   * Time allowed from `connect()` until the connection is ready: TCP, TLS and `authenticate`
   * together (`socket.connection.setup.timeout.ms`). Default 10000.
   */
  connectTimeoutMs?: number;
  /** Default time a request may take, from the call until its response (`request.timeout.ms`). Default 30000. */
  requestTimeoutMs?: number;
  /**
   * Whether a request that times out after being sent closes the connection (failing the other
   * in-flight requests with a retriable `KafkaConnectionError`), as the Java client does.
   * Default true. With false, only the timed-out caller fails and its late response is discarded.
   */
  closeOnRequestTimeout?: boolean;
  /** Largest response frame accepted; a larger one closes the connection. Default 104857600 (100 MiB). */
  maxResponseBytes?: number;
  /** Requests awaiting a response at once; more are queued. Default unlimited. */
  maxInFlightRequests?: number;
  /**
   * Bytes of encoded requests that may wait for the socket (queued or in the socket's write
   * buffer). A request that would go beyond it fails with a `BUFFER_EXHAUSTED` error; a request
   * is always accepted when nothing is waiting. Default 67108864 (64 MiB).
   */
  maxBufferedBytes?: number;
}

export interface ResolvedConnectionOptions {
  host: string;
  port: number;
  clientId: string | null;
  tls: TlsConnectOptions | null;
  authenticate: ((connection: Connection, signal: AbortSignal) => Promise<void>) | null;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  closeOnRequestTimeout: boolean;
  maxResponseBytes: number;
  maxInFlightRequests: number;
  maxBufferedBytes: number;
}

export const DEFAULT_CLIENT_ID = 'kafkats';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** A timeout in milliseconds: positive, possibly Infinity for none. */
export function isValidTimeout(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && !Number.isNaN(value);
}

function positiveInteger(name: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && ((Number.isSafeInteger(value) && value > 0) || (allowInfinity && value === Infinity))) {
    return value;
  }
  throw new KafkaConfigError(`${name} must be a positive integer${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`);
}

function timeout(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (isValidTimeout(value)) return value;
  throw new KafkaConfigError(`${name} must be a positive number of milliseconds (or Infinity), got ${String(value)}`);
}

export function resolveConnectionOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  if (typeof options !== 'object' || options === null) throw new KafkaConfigError('connection options must be an object');
  const { host, port } = options;
  if (typeof host !== 'string' || host.length === 0) throw new KafkaConfigError('host must be a non-empty string');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KafkaConfigError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  const clientId = options.clientId === undefined ? DEFAULT_CLIENT_ID : options.clientId;
  if (clientId !== null && typeof clientId !== 'string') throw new KafkaConfigError('clientId must be a string or null');
  if (clientId !== null && Buffer.byteLength(clientId, 'utf8') > 0x7fff) throw new KafkaConfigError('clientId is longer than 32767 bytes');
  const tlsOption = options.tls;
  if (tlsOption !== undefined && typeof tlsOption !== 'boolean' && (typeof tlsOption !== 'object' || tlsOption === null)) {
    throw new KafkaConfigError('tls must be a boolean or tls.connect options');
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw new KafkaConfigError('authenticate must be a function');
  }
  if (options.closeOnRequestTimeout !== undefined && typeof options.closeOnRequestTimeout !== 'boolean') {
    throw new KafkaConfigError('closeOnRequestTimeout must be a boolean');
  }
  return {
    host,
    port,
    clientId,
    tls: tlsOption === true ? {} : tlsOption ? tlsOption : null,
    authenticate: options.authenticate ?? null,
    connectTimeoutMs: timeout('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    requestTimeoutMs: timeout('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    closeOnRequestTimeout: options.closeOnRequestTimeout ?? true,
    maxResponseBytes: positiveInteger('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES),
    maxInFlightRequests: positiveInteger('maxInFlightRequests', options.maxInFlightRequests, Infinity, true),
    maxBufferedBytes: positiveInteger('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
  };
}
