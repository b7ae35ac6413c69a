/**
 * API version negotiation, in one place.
 *
 * Every new connection starts with an ApiVersions handshake (`negotiateApiVersions`): we send the
 * highest ApiVersions version we know; a broker that does not know it answers UNSUPPORTED_VERSION
 * in the v0 format with its own ApiVersions range, and we retry at the highest version it
 * supports. A broker older than 0.10 has no ApiVersions and closes the connection instead; the
 * pool then runs `probeLegacyRelease` (like kafka-python's check_version: ListGroups v0 -> 0.9,
 * FindCoordinator v0 -> 0.8.2, OffsetFetch v0 -> 0.8.1, Metadata v0 -> 0.8.0, each on a fresh
 * connection) and uses that release's fixed version table.
 *
 * `BrokerVersions.pick(api)` is the version to use: min(ours, the broker's, the user's pin), or a
 * `KafkaUnsupportedVersionError` naming the API and the broker when there is none.
 */
import type { ApiDescriptor } from '../protocol/api.js';
import { KafkaConfigError, KafkaConnectionError, KafkaDecodeError, KafkaError, KafkaProtocolError, KafkaUnsupportedVersionError } from '../protocol/errors.js';
import { API_BY_KEY, ApiKey, ApiVersions, FindCoordinator, ListGroups, Metadata, OffsetFetch, type ApiKeyName, type ApiVersionsResponse } from '../protocol/generated/index.js';
import { Reader } from '../protocol/primitives/reader.js';
import type { Connection } from '../network/connection.js';
import { isPlainObject, suggestOption, type OptionSpec } from './config.js';
import { apiNameOf, legacyVersionTable, type LegacyRelease } from './releases.js';

/** Sent in ApiVersions v3+ (KIP-511); both must match `CLIENT_SOFTWARE_PATTERN`, which brokers enforce. */
export const CLIENT_SOFTWARE_NAME = 'kafkats';
/** Kept equal to package.json's version (a unit test checks it). */
export const CLIENT_SOFTWARE_VERSION = '0.1.0';
export const CLIENT_SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

const UNSUPPORTED_VERSION = 35;
/** ApiVersions v3 introduced the flexible encoding. */
const LAST_NON_FLEXIBLE_API_VERSIONS = 2;

/** Any API descriptor (their methods are bivariant, so every generated one fits). */
export type AnyApi = ApiDescriptor<unknown, unknown>;

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The versions kafkats offers for an API: the descriptor's range minus a latest version the spec
 * marks unstable (as the Java client does); null when that leaves none.
 */
export function clientVersionRange(api: AnyApi): VersionRange | null {
  const max = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
  return max < api.minVersion ? null : { min: api.minVersion, max };
}

/** The user's `maxApiVersions` pins, by API key. */
export type VersionPins = ReadonlyMap<number, number>;

export const NO_PINS: VersionPins = new Map();

const API_KEY_SCHEMA: Readonly<Record<string, OptionSpec<unknown>>> = Object.fromEntries(
  Object.keys(ApiKey).map((name) => [name, { expected: '', aliases: [], parse: (value: unknown) => value, missing: () => undefined }]),
);

/**
 * Validates the `maxApiVersions` option ({ Produce: 7, Fetch: 11 } by API name) into pins by API
 * key. Each pin must be a version kafkats supports for that API.
 */
export function parseMaxApiVersions(value: unknown, fail: (message: string) => KafkaConfigError): VersionPins {
  if (!isPlainObject(value)) throw fail('must be an object of API name to highest version, e.g. { Produce: 7 }');
  const pins = new Map<number, number>();
  for (const [name, pin] of Object.entries(value)) {
    if (pin === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(ApiKey, name)) {
      const suggestion = suggestOption(API_KEY_SCHEMA, name);
      throw fail(`names an unknown API '${name}'${suggestion === null ? '' : ` (did you mean ${suggestion}?)`}`);
    }
    const api = API_BY_KEY.get(ApiKey[name as ApiKeyName])!;
    const range = clientVersionRange(api);
    if (range === null) throw fail(`pins ${name}, which kafkats does not offer (its only version is unstable)`);
    if (typeof pin !== 'number' || !Number.isInteger(pin) || pin < range.min || pin > range.max) {
      throw fail(`pins ${name} to ${String(pin)}, but kafkats supports ${name} v${range.min}-${range.max}`);
    }
    pins.set(api.apiKey, pin);
  }
  return pins;
}

/**
 * The version to use for `api` with a broker advertising `brokerRange` (undefined: the broker
 * lacks the API): the highest version both sides support, capped by `pin`. Throws
 * `KafkaUnsupportedVersionError` naming the API and `broker` when there is none.
 */
export function pickVersion(api: AnyApi, brokerRange: VersionRange | undefined, pin: number | undefined, broker: string): number {
  const ours = clientVersionRange(api);
  if (brokerRange === undefined) {
    throw new KafkaUnsupportedVersionError(`${broker} does not support ${api.name} (API key ${api.apiKey})`);
  }
  if (ours === null) throw new KafkaUnsupportedVersionError(`kafkats offers no stable version of ${api.name} (needed with ${broker})`);
  const high = Math.min(ours.max, brokerRange.max, pin ?? Infinity);
  const low = Math.max(ours.min, brokerRange.min);
  if (high < low) {
    const pinned = pin !== undefined && pin < Math.min(ours.max, brokerRange.max) ? `, pinned to at most v${pin} by maxApiVersions` : '';
    throw new KafkaUnsupportedVersionError(
      `${broker} supports ${api.name} v${brokerRange.min}-${brokerRange.max} and kafkats v${ours.min}-${ours.max}${pinned}: no version in common`,
    );
  }
  return high;
}

export type VersionSource = { readonly kind: 'api-versions'; readonly version: number } | { readonly kind: 'legacy'; readonly release: LegacyRelease };

/** One row of a negotiated table, as `KafkaClient.apiVersions()` reports it. */
export interface ApiVersionRow {
  readonly api: string;
  readonly apiKey: number;
  readonly brokerMin: number;
  readonly brokerMax: number;
  /** kafkats' range, or null for an API kafkats does not know (or offers no stable version of). */
  readonly clientMin: number | null;
  readonly clientMax: number | null;
  /** The `maxApiVersions` pin, or null. */
  readonly pinned: number | null;
  /** The version kafkats uses with this broker, or null when there is no common version. */
  readonly chosen: number | null;
}

/** What one broker supports, and the versions kafkats uses with it. */
export class BrokerVersions {
  constructor(
    /** Names the broker in errors: 'broker 2 (host:9092)'. */
    readonly broker: string,
    /** The broker's ranges by API key. */
    readonly ranges: ReadonlyMap<number, VersionRange>,
    readonly source: VersionSource,
    readonly pins: VersionPins = NO_PINS,
  ) {}

  /** The version to use for `api`; throws `KafkaUnsupportedVersionError` when there is none. */
  pick(api: AnyApi): number {
    return pickVersion(api, this.ranges.get(api.apiKey), this.pins.get(api.apiKey), this.broker);
  }

  /** Like `pick`, but null instead of throwing. */
  tryPick(api: AnyApi): number | null {
    try {
      return this.pick(api);
    } catch {
      return null;
    }
  }

  /** Every API the broker advertises, with ours and the chosen version; by API key. */
  rows(): ApiVersionRow[] {
    return [...this.ranges.entries()]
      .sort(([a], [b]) => a - b)
      .map(([apiKey, range]) => {
        const api = API_BY_KEY.get(apiKey);
        const ours = api === undefined ? null : clientVersionRange(api);
        return {
          api: apiNameOf(apiKey),
          apiKey,
          brokerMin: range.min,
          brokerMax: range.max,
          clientMin: ours?.min ?? null,
          clientMax: ours?.max ?? null,
          pinned: this.pins.get(apiKey) ?? null,
          chosen: api === undefined ? null : this.tryPick(api),
        };
      });
  }
}

function rangesOf(response: ApiVersionsResponse): Map<number, VersionRange> {
  const ranges = new Map<number, VersionRange>();
  for (const { apiKey, minVersion, maxVersion } of response.apiKeys) {
    // A broker listing an API twice or with an empty range is confused; keep the first sane entry.
    if (minVersion >= 0 && maxVersion >= minVersion && !ranges.has(apiKey)) ranges.set(apiKey, { min: minVersion, max: maxVersion });
  }
  return ranges;
}

export interface NegotiateOptions {
  readonly broker: string;
  readonly pins?: VersionPins;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/**
 * Runs the ApiVersions handshake on a connection (typically from its `authenticate` hook, before
 * it is ready). Retries lower once the broker says which ApiVersions versions it supports.
 * Rejects with the connection's error when the broker closes the connection (a pre-0.10 broker
 * does), `KafkaProtocolError` for another error code, `KafkaDecodeError` for a malformed answer.
 */
export async function negotiateApiVersions(connection: Connection, options: NegotiateOptions): Promise<BrokerVersions> {
  const pins = options.pins ?? NO_PINS;
  const ours = clientVersionRange(ApiVersions)!;
  let version = Math.min(ours.max, pins.get(ApiVersions.apiKey) ?? Infinity);
  for (;;) {
    const requestVersion = version;
    const body = await connection.requestRaw(
      ApiVersions.apiKey,
      requestVersion,
      { request: ApiVersions.requestHeaderVersion(requestVersion), response: ApiVersions.responseHeaderVersion(requestVersion) },
      (writer) => ApiVersions.encodeRequest(writer, requestVersion, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }),
      { ...(options.signal === undefined ? {} : { signal: options.signal }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
    );
    if (body.length < 2) throw new KafkaDecodeError(`ApiVersions v${requestVersion} response from ${options.broker} is ${body.length} bytes long`);
    const errorCode = body.readInt16BE(0);
    if (errorCode === UNSUPPORTED_VERSION) {
      // Kafka answers in the v0 format, listing at least its own ApiVersions range. Some other
      // implementations (librdkafka's mock cluster) garble that answer: then step down to the
      // newest non-flexible version, which every broker since 2.0 knows, and from there on.
      let theirs: { minVersion: number; maxVersion: number } | undefined;
      let next: number;
      try {
        theirs = decodeApiVersions(body, 0, options.broker).apiKeys.find((entry) => entry.apiKey === ApiVersions.apiKey);
        next = Math.min(requestVersion - 1, theirs?.maxVersion ?? 0);
      } catch {
        next = Math.min(requestVersion - 1, LAST_NON_FLEXIBLE_API_VERSIONS);
      }
      if (next < ours.min || (theirs !== undefined && next < theirs.minVersion)) {
        throw new KafkaUnsupportedVersionError(`${options.broker} refused ApiVersions v${requestVersion} and offers no lower version kafkats can use`);
      }
      version = next;
      continue;
    }
    const response = decodeApiVersions(body, requestVersion, options.broker);
    if (response.errorCode !== 0) throw new KafkaProtocolError(response.errorCode, { apiName: 'ApiVersions' }, `from ${options.broker}`);
    return new BrokerVersions(options.broker, rangesOf(response), { kind: 'api-versions', version: requestVersion }, pins);
  }
}

function decodeApiVersions(body: Buffer, version: number, broker: string): ApiVersionsResponse {
  try {
    return ApiVersions.decodeResponse(new Reader(body), version);
  } catch (error) {
    if (error instanceof KafkaDecodeError) throw error;
    throw new KafkaDecodeError(`cannot decode the ApiVersions v${version} response from ${broker}`, { cause: error });
  }
}

/** Whether a failed handshake looks like a pre-0.10 broker: it closed the connection, unprovoked. */
export function looksLikeLegacyBroker(error: unknown, setupSignal: AbortSignal): boolean {
  return error instanceof KafkaConnectionError && !setupSignal.aborted;
}

interface LegacyProbe {
  readonly release: LegacyRelease;
  readonly send: (connection: Connection, signal: AbortSignal | undefined) => Promise<unknown>;
}

const PROBE_GROUP = 'kafkats-version-probe';

/** Newest first: the first request the broker answers names its release. */
const LEGACY_PROBES: readonly LegacyProbe[] = [
  { release: '0.9.0', send: (connection, signal) => connection.request(ListGroups, 0, {}, signal ? { signal } : {}) },
  { release: '0.8.2', send: (connection, signal) => connection.request(FindCoordinator, 0, { key: PROBE_GROUP }, signal ? { signal } : {}) },
  { release: '0.8.1', send: (connection, signal) => connection.request(OffsetFetch, 0, { groupId: PROBE_GROUP, topics: [] }, signal ? { signal } : {}) },
  { release: '0.8.0', send: (connection, signal) => connection.request(Metadata, 0, { topics: [] }, signal ? { signal } : {}) },
];

/**
 * Finds the release of a broker that closed the connection on ApiVersions, by sending requests of
 * older releases, newest first, each on a fresh connection from `open` (an unknown API makes such
 * a broker close the connection). Rejects when every probe is refused.
 */
export async function probeLegacyRelease(open: () => Promise<Connection>, broker: string, signal?: AbortSignal): Promise<BrokerVersions> {
  let lastError: KafkaError | null = null;
  for (const probe of LEGACY_PROBES) {
    const connection = await open();
    try {
      await probe.send(connection, signal);
      return new BrokerVersions(broker, legacyVersionTable(probe.release), { kind: 'legacy', release: probe.release });
    } catch (error) {
      if (!(error instanceof KafkaConnectionError) || signal?.aborted) throw error;
      lastError = error;
    } finally {
      await connection.close();
    }
  }
  throw new KafkaConnectionError('the broker closed the connection on ApiVersions and on every request of Kafka 0.8-0.9: not a Kafka broker, or it refuses this client', {
    broker,
    cause: lastError,
  });
}

/** Versions with a fixed pin set, for brokers probed as legacy. */
export function withPins(versions: BrokerVersions, pins: VersionPins): BrokerVersions {
  return pins === versions.pins ? versions : new BrokerVersions(versions.broker, versions.ranges, versions.source, pins);
}
