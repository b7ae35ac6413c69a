/**
 * The options every kafkats client shares (camelCase mirrors of the Java client's common configs),
 * as a schema for `resolveOptions`. The producer, consumer and admin spread
 * `COMMON_CLIENT_OPTIONS` into their own schema and `COMMON_CLIENT_CHECKS` into their checks.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { option, notAbove, isPlainObject, resolveOptions, type OptionCheck, type ResolvedOptions } from './config.js';
import { parseBootstrapServers, type BrokerAddress } from './addresses.js';
import { createStderrLogger, isLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
import { parseMaxApiVersions, type VersionPins } from './versions.js';
import type { ApiKeyName } from '../protocol/generated/index.js';

const INT32_MAX = 2 ** 31 - 1;

/** The options of `KafkaClient`, and the common part of every other client's options. */
export interface CommonClientOptions {
  /** Brokers to bootstrap from: "host:port,host:port" or an array; IPv6 as "[::1]:9092". Required. */
  bootstrapServers: string | readonly string[];
  /** `client.id`, sent with every request. Default 'kafkats'. */
  clientId?: string;
  /** `request.timeout.ms`: how long a request may wait for its response. Default 30000. */
  requestTimeoutMs?: number;
  /** `socket.connection.setup.timeout.ms`: TCP, TLS and the version handshake. Default 10000. */
  socketConnectionSetupTimeoutMs?: number;
  /** `connections.max.idle.ms`: close connections unused for this long (Infinity: never). Default 540000. */
  connectionsMaxIdleMs?: number;
  /** `reconnect.backoff.ms`: first wait before reconnecting to a broker that failed. Default 50. */
  reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms`: the exponential reconnect backoff stops growing here. Default 1000. */
  reconnectBackoffMaxMs?: number;
  /** `retry.backoff.ms`: first wait before retrying a failed request, and between forced metadata refreshes. Default 100. */
  retryBackoffMs?: number;
  /** `retry.backoff.max.ms`: the exponential retry backoff stops growing here. Default 1000. */
  retryBackoffMaxMs?: number;
  /** `metadata.max.age.ms`: refresh metadata at least this often while the client is used. Default 300000. */
  metadataMaxAgeMs?: number;
  /** Highest version to use per API, by API name, e.g. { Produce: 7, Fetch: 11 }. */
  maxApiVersions?: Readonly<Partial<Record<ApiKeyName, number>>>;
  /** `true` for TLS with Node's defaults, or options for `tls.connect` (ca, cert, key, servername...). Default false. */
  tls?: boolean | TlsConnectionOptions;
  /** Where log entries go. Default: warnings and errors on stderr. */
  logger?: Logger;
  /** The lowest level passed to the logger. Default 'warn'. */
  logLevel?: LogLevel;
}

const timeoutMs = (defaultValue: number) => option.integer({ min: 1, max: INT32_MAX, default: defaultValue });

export const COMMON_CLIENT_OPTIONS = {
  bootstrapServers: option.custom<BrokerAddress[]>({
    expected: 'a string "host:port,host:port" or an array of "host:port" strings',
    required: true,
    aliases: ['brokers', 'metadata.broker.list', 'bootstrap.servers', 'bootstrapServer', 'brokerList'],
    parse: (value, fail) => {
      try {
        return parseBootstrapServers(value);
      } catch (error) {
        throw fail(`is invalid: ${(error as Error).message}`);
      }
    },
  }),
  clientId: option.string({ default: 'kafkats', maxBytes: 0x7fff }),
  requestTimeoutMs: timeoutMs(30_000),
  socketConnectionSetupTimeoutMs: timeoutMs(10_000),
  connectionsMaxIdleMs: option.integer({ min: 1, max: INT32_MAX, allowInfinity: true, default: 540_000 }),
  reconnectBackoffMs: option.integer({ min: 0, max: INT32_MAX, default: 50 }),
  reconnectBackoffMaxMs: option.integer({ min: 0, max: INT32_MAX, default: 1000 }),
  retryBackoffMs: option.integer({ min: 0, max: INT32_MAX, default: 100 }),
  retryBackoffMaxMs: option.integer({ min: 0, max: INT32_MAX, default: 1000 }),
  metadataMaxAgeMs: timeoutMs(300_000),
  maxApiVersions: option.custom<VersionPins>({
    expected: 'an object of API name to highest version, e.g. { Produce: 7 }',
    default: new Map(),
    parse: parseMaxApiVersions,
  }),
  tls: option.custom<TlsConnectionOptions | null>({
    expected: 'true, false or tls.connect options',
    default: null,
    aliases: ['ssl', 'security.protocol', 'securityProtocol'],
    parse: (value, fail) => {
      if (value === false) return null;
      if (value === true) return {};
      if (isPlainObject(value)) return value as TlsConnectionOptions;
      throw fail('must be true, false or an object of tls.connect options');
    },
  }),
  logger: option.custom<Logger>({
    expected: 'an object with debug, info, warn and error methods',
    default: createStderrLogger(),
    parse: (value, fail) => {
      if (!isLogger(value)) throw fail('must be an object with debug, info, warn and error methods');
      return value;
    },
  }),
  logLevel: option.enumOf(LOG_LEVELS, { default: 'warn' }),
};

export type CommonClientSchema = typeof COMMON_CLIENT_OPTIONS;
export type ResolvedCommonOptions = ResolvedOptions<CommonClientSchema>;

export const COMMON_CLIENT_CHECKS: readonly OptionCheck<CommonClientSchema>[] = [
  notAbove<CommonClientSchema>('reconnectBackoffMs', 'reconnectBackoffMaxMs'),
  notAbove<CommonClientSchema>('retryBackoffMs', 'retryBackoffMaxMs'),
];

/** Validates `KafkaClient` options; throws `KafkaConfigError` naming the offending key. */
export function resolveCommonOptions(input: unknown, what = 'KafkaClient'): ResolvedCommonOptions {
  return resolveOptions(COMMON_CLIENT_OPTIONS, input, { what, checks: COMMON_CLIENT_CHECKS });
}
