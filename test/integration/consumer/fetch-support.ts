/**
 * Helpers of the consumer's integration suites (fetch-*, positions-*, assign-*): a consumer with
 * test-friendly settings, reading an exact number of records with a deadline, and comparing what
 * kafkats read with what a peer (kcat) read from the same broker.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { API_BY_KEY } from '../../../src/protocol/generated/index.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { KafkaConsumer, type ConsumerOptions, type ConsumerRecord } from '../../../src/consumer/index.js';
import type { ConsumedRecord } from '../../support/peers.js';
import type { TestCluster } from '../../support/cluster-under-test.js';

/** The settings every consumer of these suites starts from: short backoffs, short long polls, no logging, from the beginning. */
export function testSettings(cluster: TestCluster) {
  return {
    bootstrapServers: cluster.bootstrapServers,
    logLevel: 'silent',
    retryBackoffMs: 20,
    retryBackoffMaxMs: 200,
    reconnectBackoffMs: 20,
    reconnectBackoffMaxMs: 200,
    fetchMaxWaitMs: 100,
    autoOffsetReset: 'earliest',
  } as const;
}

/** A Buffer consumer with `testSettings` and `options` on top. */
export function testConsumer(cluster: TestCluster, options: Partial<ConsumerOptions<Buffer, Buffer>> = {}): KafkaConsumer<Buffer, Buffer> {
  return new KafkaConsumer<Buffer, Buffer>({ ...testSettings(cluster), ...options });
}

export interface PollingConsumer<K, V> {
  poll(options: { timeoutMs: number; maxRecords?: number }): Promise<Iterable<ConsumerRecord<K, V>> & { count: number }>;
}

/**
 * Polls until `count` records arrived (failing after `timeoutMs`), then polls once more for
 * `quietMs` to check that nothing beyond them arrives (no duplicates, nothing extra).
 */
export async function consumeExactly<K, V>(consumer: PollingConsumer<K, V>, count: number, options: { timeoutMs?: number; quietMs?: number } = {}): Promise<ConsumerRecord<K, V>[]> {
  // Never more than wanted per poll: what follows the records stays with the consumer.
  const deadline = performance.now() + (options.timeoutMs ?? 20_000);
  const records: ConsumerRecord<K, V>[] = [];
  while (records.length < count) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) assert.fail(`only ${records.length} of ${count} records arrived in time`);
    for (const record of await consumer.poll({ timeoutMs: Math.min(remaining, 1000), maxRecords: count - records.length })) records.push(record);
  }
  if (options.quietMs !== 0) {
    const extra = await consumer.poll({ timeoutMs: options.quietMs ?? 300 });
    assert.equal(extra.count, 0, `records arrived beyond the ${count} expected`);
  }
  return records;
}

/** A record in a form that compares exactly with a peer's reading. */
export function comparable(record: { topic: string; partition: number; offset: number; timestamp: number | null; key: Buffer | null; value: Buffer | null; headers: readonly { key: string; value: Buffer | null }[] | ReadonlyArray<readonly [string, Buffer | null]> }) {
  const headers = (record.headers as readonly unknown[]).map((header) =>
    Array.isArray(header) ? [header[0], header[1] === null ? null : (header[1] as Buffer).toString('hex')] : [(header as { key: string }).key, (header as { value: Buffer | null }).value?.toString('hex') ?? null],
  );
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString('hex'),
    value: record.value === null ? null : record.value.toString('hex'),
    headers,
  };
}

/** Orders records by partition, then offset. */
export function byPartitionAndOffset<T extends { partition: number; offset: number }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** kcat's timestamp type names as the consumer's. */
export function timestampTypeOf(record: ConsumedRecord): string {
  return record.timestampType === 'logappend' ? 'LogAppendTime' : record.timestampType === 'create' ? 'CreateTime' : 'NoTimestampType';
}

/** A request seen on the wire: decoded from the bytes the client wrote to a broker's socket. */
export interface WireRequest {
  readonly port: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly body: unknown;
}

/**
 * Records the requests this process writes to sockets connected to `ports` (the brokers), decoded
 * from the written bytes with the generated codecs. Every client request frame is written whole
 * with one `Socket.write` (see Connection.transmit). `stop()` puts `write` back.
 */
export function captureRequests(ports: ReadonlySet<number>): { readonly requests: WireRequest[]; stop(): void } {
  const requests: WireRequest[] = [];
  const original = net.Socket.prototype.write;
  const patched = function (this: net.Socket, ...args: unknown[]): boolean {
    const chunk = args[0];
    if (Buffer.isBuffer(chunk) && this.remotePort !== undefined && ports.has(this.remotePort) && chunk.length >= 12 && chunk.readInt32BE(0) === chunk.length - 4) {
      const frame = chunk.subarray(4);
      const apiKey = frame.readInt16BE(0);
      const apiVersion = frame.readInt16BE(2);
      const descriptor = API_BY_KEY.get(apiKey);
      let body: unknown;
      if (descriptor !== undefined && apiVersion >= descriptor.minVersion && apiVersion <= descriptor.maxVersion) {
        const headerVersion = descriptor.requestHeaderVersion(apiVersion);
        let offset = 8;
        if (headerVersion >= 1) {
          const length = frame.readInt16BE(offset);
          offset += 2 + Math.max(0, length);
        }
        if (headerVersion >= 2) offset += 1;
        body = descriptor.decodeRequest(new Reader(frame, offset), apiVersion);
      }
      requests.push({ port: this.remotePort, apiKey, apiVersion, body });
    }
    return (original as (...rest: unknown[]) => boolean).apply(this, args);
  };
  net.Socket.prototype.write = patched as typeof original;
  return {
    requests,
    stop() {
      net.Socket.prototype.write = original;
    },
  };
}

/** The broker ports of a cluster's bootstrap list. */
export function brokerPorts(cluster: TestCluster): Set<number> {
  return new Set(cluster.bootstrapServers.split(',').map((address) => Number(address.slice(address.lastIndexOf(':') + 1))));
}
