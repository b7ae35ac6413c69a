/**
 * Group and transaction coordinators: a cache, and FindCoordinator lookups.
 *
 * Lookups started in the same tick are batched: with FindCoordinator v4+ (KIP-699) all keys of one
 * type go in one request, with older versions one request per key. Concurrent lookups of the same
 * key share one request. The cache entry is dropped when a request to the coordinator fails with
 * NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE (the retry helper calls `invalidate`) and when the
 * connection to the coordinator breaks (`forgetNode`).
 */
import { KafkaError, KafkaProtocolError, KafkaUnsupportedVersionError, type ErrorLocation } from '../protocol/errors.js';
import { FindCoordinator, type FindCoordinatorResponse } from '../protocol/generated/index.js';
import { Reader } from '../protocol/primitives/reader.js';
import type { BrokerChannel } from './broker-pool.js';
import type { Logger } from './logger.js';
import type { BrokerNode } from './metadata.js';
import { raceSignal } from './timing.js';

export type CoordinatorType = 'group' | 'transaction';

export interface CoordinatorKey {
  readonly type: CoordinatorType;
  /** The group id or transactional id. */
  readonly key: string;
}

const KEY_TYPE: Readonly<Record<CoordinatorType, number>> = { group: 0, transaction: 1 };
const COORDINATOR_NOT_AVAILABLE = 15;
/** Keys per batched FindCoordinator request. */
const MAX_KEYS_PER_REQUEST = 1000;

/** What the cache needs from the cluster. */
export interface CoordinatorHost {
  /** A channel to the least loaded broker. */
  anyChannel(signal?: AbortSignal): Promise<BrokerChannel>;
  readonly logger: Logger;
}

interface PendingLookup {
  readonly key: string;
  readonly promise: Promise<BrokerNode>;
  resolve(node: BrokerNode): void;
  reject(error: unknown): void;
}

function cacheKey(coordinator: CoordinatorKey): string {
  return `${coordinator.type}\u0000${coordinator.key}`;
}

export function coordinatorLocation(coordinator: CoordinatorKey): ErrorLocation {
  return coordinator.type === 'group' ? { groupId: coordinator.key, apiName: 'FindCoordinator' } : { transactionalId: coordinator.key, apiName: 'FindCoordinator' };
}

export class CoordinatorCache {
  private readonly known = new Map<string, BrokerNode>();
  private readonly inFlight = new Map<string, PendingLookup>();
  private readonly batches = new Map<CoordinatorType, PendingLookup[]>();
  private flushScheduled = false;

  constructor(private readonly host: CoordinatorHost) {}

  /** The cached coordinator, if any. */
  cached(coordinator: CoordinatorKey): BrokerNode | undefined {
    return this.known.get(cacheKey(coordinator));
  }

  /** The coordinator for a key: cached, or looked up with FindCoordinator. */
  find(coordinator: CoordinatorKey, signal?: AbortSignal): Promise<BrokerNode> {
    const id = cacheKey(coordinator);
    const known = this.known.get(id);
    if (known !== undefined) return Promise.resolve(known);
    let lookup = this.inFlight.get(id);
    if (lookup === undefined) {
      let resolve!: (node: BrokerNode) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<BrokerNode>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // The shared promise may settle after every caller gave up.
      promise.catch(() => {});
      const created: PendingLookup = { key: coordinator.key, promise, resolve, reject };
      lookup = created;
      this.inFlight.set(id, created);
      const clear = (): void => {
        if (this.inFlight.get(id) === created) this.inFlight.delete(id);
      };
      promise.then(clear, clear);
      const batch = this.batches.get(coordinator.type) ?? [];
      batch.push(created);
      this.batches.set(coordinator.type, batch);
      this.scheduleFlush();
    }
    return raceSignal(lookup.promise, signal);
  }

  invalidate(coordinator: CoordinatorKey): void {
    if (this.known.delete(cacheKey(coordinator))) {
      this.host.logger.debug('coordinator forgotten', { type: coordinator.type, key: coordinator.key });
    }
  }

  /** Forgets every coordinator on a broker (its connection broke). */
  forgetNode(nodeId: number): void {
    for (const [id, node] of this.known) if (node.id === nodeId) this.known.delete(id);
  }

  /** Fails lookups in progress (the client is closing). */
  failAll(error: KafkaError): void {
    for (const lookup of this.inFlight.values()) lookup.reject(error);
    this.inFlight.clear();
    this.batches.clear();
    this.known.clear();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Lookups made by code running in this same tick join the batch.
    process.nextTick(() => {
      this.flushScheduled = false;
      const batches = [...this.batches];
      this.batches.clear();
      for (const [type, lookups] of batches) void this.lookUp(type, lookups);
    });
  }

  private async lookUp(type: CoordinatorType, lookups: PendingLookup[]): Promise<void> {
    let channel: BrokerChannel;
    let version: number;
    try {
      channel = await this.host.anyChannel();
      version = channel.pick(FindCoordinator);
      if (type === 'transaction' && version < 1) {
        throw new KafkaUnsupportedVersionError(`${channel.label} supports only FindCoordinator v0, which cannot find transaction coordinators`);
      }
    } catch (error) {
      for (const lookup of lookups) lookup.reject(error);
      return;
    }
    if (version >= 4) {
      for (let start = 0; start < lookups.length; start += MAX_KEYS_PER_REQUEST) {
        void this.lookUpBatch(channel, version, type, lookups.slice(start, start + MAX_KEYS_PER_REQUEST));
      }
    } else {
      for (const lookup of lookups) void this.lookUpOne(channel, version, type, lookup);
    }
  }

  private async lookUpBatch(channel: BrokerChannel, version: number, type: CoordinatorType, lookups: PendingLookup[]): Promise<void> {
    let response: FindCoordinatorResponse;
    try {
      response = await channel.send(FindCoordinator, { keyType: KEY_TYPE[type], coordinatorKeys: lookups.map((lookup) => lookup.key) }, { version });
    } catch (error) {
      for (const lookup of lookups) lookup.reject(error);
      return;
    }
    const answers = new Map(response.coordinators.map((entry) => [entry.key, entry]));
    for (const lookup of lookups) {
      const answer = answers.get(lookup.key);
      if (answer === undefined) {
        lookup.reject(new KafkaProtocolError(COORDINATOR_NOT_AVAILABLE, coordinatorLocation({ type, key: lookup.key }), `${channel.label} left the key out of its answer`));
      } else {
        this.settle(type, lookup, answer.errorCode, answer.errorMessage, answer.nodeId, answer.host, answer.port);
      }
    }
  }

  private async lookUpOne(channel: BrokerChannel, version: number, type: CoordinatorType, lookup: PendingLookup): Promise<void> {
    try {
      const request = version === 0 ? { key: lookup.key } : { key: lookup.key, keyType: KEY_TYPE[type] };
      const body = await channel.connection.requestRaw(
        FindCoordinator.apiKey,
        version,
        { request: FindCoordinator.requestHeaderVersion(version), response: FindCoordinator.responseHeaderVersion(version) },
        (writer) => FindCoordinator.encodeRequest(writer, version, request),
      );
      let response: FindCoordinatorResponse;
      try {
        response = FindCoordinator.decodeResponse(new Reader(body), version);
      } catch (error) {
        // An error answer whose other fields are malformed (librdkafka's mock writes a null host
        // with injected errors) still says what went wrong: the error code comes first.
        const errorCodeAt = version === 0 ? 0 : 4;
        const errorCode = body.length >= errorCodeAt + 2 ? body.readInt16BE(errorCodeAt) : 0;
        if (errorCode === 0) throw error;
        response = { throttleTimeMs: 0, errorCode, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators: [] };
      }
      this.settle(type, lookup, response.errorCode, response.errorMessage, response.nodeId, response.host, response.port);
    } catch (error) {
      lookup.reject(error);
    }
  }

  private settle(type: CoordinatorType, lookup: PendingLookup, errorCode: number, errorMessage: string | null, nodeId: number, host: string, port: number): void {
    const coordinator = { type, key: lookup.key };
    if (errorCode !== 0) {
      lookup.reject(new KafkaProtocolError(errorCode, coordinatorLocation(coordinator), errorMessage));
      return;
    }
    if (nodeId < 0 || port <= 0 || port > 65535 || host.length === 0) {
      lookup.reject(new KafkaProtocolError(COORDINATOR_NOT_AVAILABLE, coordinatorLocation(coordinator), `the broker named no usable coordinator (${host}:${port}, id ${nodeId})`));
      return;
    }
    const node: BrokerNode = { id: nodeId, host, port, rack: null };
    this.known.set(cacheKey(coordinator), node);
    this.host.logger.debug('coordinator found', { type, key: lookup.key, broker: nodeId });
    lookup.resolve(node);
  }
}
