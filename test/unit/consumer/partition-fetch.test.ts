/**
 * PartitionFetch: one partition's fetched bytes turned into ConsumerRecords, batch by batch, with
 * the position rules of the Java client (skip records before the fetch offset, move past control
 * batches and aborted transactions, stop at a failing record and keep the position there).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { buildEndTransactionMarkerBatch } from '../../../src/records/control.js';
import { LegacyMessageSetBuilder } from '../../../src/records/legacy.js';
import { KafkaCorruptRecordError } from '../../../src/records/errors.js';
import { registerCodec, restoreBuiltInCodec, getBuiltInCodec } from '../../../src/compression/registry.js';
import { PartitionFetch, type RecordDecoding } from '../../../src/consumer/partition-fetch.js';
import { PartitionState } from '../../../src/consumer/subscription-state.js';
import type { ConsumerRecord } from '../../../src/consumer/consumer-record.js';
import { KafkaRecordDeserializationError, KafkaRecordTooLargeError } from '../../../src/consumer/errors.js';
import { resolveDeserializer } from '../../../src/consumer/deserializers.js';

const PLAIN: RecordDecoding = { keyDeserializer: null, valueDeserializer: null, checkCrcs: true, readCommitted: false };

interface BatchOptions {
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  epoch?: number;
  producerId?: number;
  transactional?: boolean;
  offsets?: number[];
  headers?: boolean;
}

function batch(baseOffset: number, values: readonly string[], options: BatchOptions = {}): Buffer {
  return builderOf(baseOffset, values, options).closeSync();
}

function builderOf(baseOffset: number, values: readonly string[], options: BatchOptions): RecordBatchBuilder {
  const builder = new RecordBatchBuilder({
    baseOffset,
    compression: options.compression ?? 'none',
    partitionLeaderEpoch: options.epoch ?? 3,
    producerId: options.producerId ?? -1,
    producerEpoch: options.producerId === undefined ? -1 : 0,
    baseSequence: options.producerId === undefined ? -1 : 0,
    isTransactional: options.transactional ?? false,
    now: () => 1_700_000_000_000,
  });
  values.forEach((value, index) =>
    builder.append({
      key: `k-${value}`,
      value,
      timestamp: 1_700_000_000_000 + index,
      ...(options.offsets ? { offset: options.offsets[index]! } : {}),
      ...(options.headers ? { headers: [{ key: 'h', value: `hv-${value}` }] } : {}),
    }),
  );
  return builder;
}

function fetchOf(data: Buffer, fetchOffset: number, options: { decoding?: RecordDecoding; aborted?: { producerId: number; firstOffset: number }[]; version?: number; state?: PartitionState } = {}) {
  const state = options.state ?? new PartitionState('t', 0);
  state.position = fetchOffset;
  const released: PartitionFetch[] = [];
  const fetch = new PartitionFetch(state, fetchOffset, data, options.aborted ?? null, options.decoding ?? PLAIN, options.version ?? 11, 1 << 20, (f) => released.push(f));
  state.buffered = fetch;
  return { fetch, state, released };
}

function takeAll(fetch: PartitionFetch, max = 1000): ConsumerRecord<unknown, unknown>[] {
  const out: ConsumerRecord<unknown, unknown>[] = [];
  fetch.take(max, out);
  return out;
}

describe('PartitionFetch', () => {
  it('returns every record with topic, partition, offset, timestamp, epoch, sizes and headers, and ends after the last batch', () => {
    const data = Buffer.concat([batch(0, ['a', 'bb'], { headers: true }), batch(2, ['ccc'], { epoch: 4 })]);
    const { fetch } = fetchOf(data, 0);
    const records = takeAll(fetch);
    assert.deepEqual(
      records.map((r) => [r.topic, r.partition, r.offset, r.timestamp, r.timestampType, String(r.key), String(r.value), r.leaderEpoch, r.serializedKeySize, r.serializedValueSize]),
      [
        ['t', 0, 0, 1_700_000_000_000, 'CreateTime', 'k-a', 'a', 3, 3, 1],
        ['t', 0, 1, 1_700_000_000_001, 'CreateTime', 'k-bb', 'bb', 3, 4, 2],
        ['t', 0, 2, 1_700_000_000_000, 'CreateTime', 'k-ccc', 'ccc', 4, 5, 3],
      ],
    );
    assert.deepEqual(records[0]!.headers.map((h) => [h.key, String(h.value)]), [['h', 'hv-a']]);
    assert.equal(fetch.nextOffset, 3);
    assert.equal(fetch.lastEpoch, 4);
    assert.equal(fetch.drained, true);
  });

  it('takes at most max records per call and continues where it stopped', () => {
    const { fetch } = fetchOf(batch(10, ['a', 'b', 'c', 'd', 'e']), 10);
    const first: ConsumerRecord<unknown, unknown>[] = [];
    assert.equal(fetch.take(2, first), 2);
    assert.deepEqual(first.map((r) => r.offset), [10, 11]);
    assert.equal(fetch.nextOffset, 12);
    assert.equal(fetch.drained, false);
    const rest = takeAll(fetch);
    assert.deepEqual(rest.map((r) => r.offset), [12, 13, 14]);
    assert.equal(fetch.nextOffset, 15);
    assert.equal(fetch.drained, true);
  });

  it('skips records before the fetch offset (a batch may start earlier) and compacted gaps move the position to the batch end', () => {
    const data = Buffer.concat([batch(100, ['a', 'b', 'c', 'd']), batch(104, ['x', 'y'], { offsets: [104, 107] })]);
    const { fetch } = fetchOf(data, 102);
    assert.deepEqual(takeAll(fetch).map((r) => r.offset), [102, 103, 104, 107]);
    assert.equal(fetch.nextOffset, 108);
  });

  it('skips a batch entirely before the fetch offset', () => {
    const data = Buffer.concat([batch(0, ['a', 'b']), batch(2, ['c'])]);
    const { fetch } = fetchOf(data, 2);
    assert.deepEqual(takeAll(fetch).map((r) => r.offset), [2]);
  });

  it('moves past control batches under read_uncommitted without returning them', () => {
    const marker = buildEndTransactionMarkerBatch({ type: 'commit', producerId: 7, producerEpoch: 0, coordinatorEpoch: 1, offset: 2 });
    const data = Buffer.concat([batch(0, ['a', 'b'], { producerId: 7, transactional: true }), marker]);
    const { fetch } = fetchOf(data, 0);
    assert.deepEqual(takeAll(fetch).map((r) => r.offset), [0, 1]);
    assert.equal(fetch.nextOffset, 3, 'the position moves past the marker');
    assert.equal(fetch.drained, true);
  });

  it('read_committed: drops aborted transactions and markers, keeps committed and non-transactional records, positions past everything', () => {
    const decoding: RecordDecoding = { ...PLAIN, readCommitted: true };
    const data = Buffer.concat([
      batch(0, ['t1-a', 't1-b'], { producerId: 7, transactional: true }), // aborted
      batch(2, ['plain'], {}),
      buildEndTransactionMarkerBatch({ type: 'abort', producerId: 7, producerEpoch: 0, coordinatorEpoch: 1, offset: 3 }),
      batch(4, ['t2-a'], { producerId: 7, transactional: true }), // committed
      buildEndTransactionMarkerBatch({ type: 'commit', producerId: 7, producerEpoch: 0, coordinatorEpoch: 1, offset: 5 }),
    ]);
    const { fetch } = fetchOf(data, 0, { decoding, aborted: [{ producerId: 7, firstOffset: 0 }] });
    assert.deepEqual(takeAll(fetch).map((r) => String(r.value)), ['plain', 't2-a']);
    assert.equal(fetch.nextOffset, 6);
  });

  it('read_committed: an ABORT marker before the fetch offset still ends the aborted transaction', () => {
    const decoding: RecordDecoding = { ...PLAIN, readCommitted: true };
    const data = Buffer.concat([
      batch(0, ['aborted'], { producerId: 9, transactional: true }),
      buildEndTransactionMarkerBatch({ type: 'abort', producerId: 9, producerEpoch: 0, coordinatorEpoch: 1, offset: 1 }),
      batch(2, ['committed'], { producerId: 9, transactional: true }),
    ]);
    const { fetch } = fetchOf(data, 2, { decoding, aborted: [{ producerId: 9, firstOffset: 0 }] });
    assert.deepEqual(takeAll(fetch).map((r) => String(r.value)), ['committed']);
  });

  it('deserializes keys and values, and a failing deserializer stops at that record: records before it first, then the typed error, position kept', () => {
    const decoding: RecordDecoding = {
      ...PLAIN,
      keyDeserializer: resolveDeserializer('string'),
      valueDeserializer: resolveDeserializer((data: Buffer) => {
        if (data.toString() === 'bad') throw new Error('not a number');
        return Number(data.toString());
      }),
    };
    const { fetch } = fetchOf(batch(5, ['1', '2', 'bad', '4']), 5, { decoding });
    const first = takeAll(fetch);
    assert.deepEqual(first.map((r) => [r.key, r.value]), [['k-1', 1], ['k-2', 2]]);
    assert.equal(fetch.nextOffset, 7, 'the position is at the failing record');
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.throws(() => takeAll(fetch), (error: unknown) => {
        assert.ok(error instanceof KafkaRecordDeserializationError);
        assert.equal(error.offset, 7);
        assert.equal(error.part, 'value');
        assert.deepEqual(error.topicPartition, { topic: 't', partition: 0 });
        assert.match(error.message, /offset 7 of t-0: not a number/);
        return true;
      });
    }
    assert.equal(fetch.nextOffset, 7);
    assert.equal(fetch.drained, false);
  });

  it('a corrupt batch (CRC) fails with KafkaCorruptRecordError after the good batches before it were returned', () => {
    const bad = batch(2, ['c']);
    bad[bad.length - 1]! ^= 0xff;
    const { fetch } = fetchOf(Buffer.concat([batch(0, ['a', 'b']), bad]), 0);
    assert.deepEqual(takeAll(fetch).map((r) => r.offset), [0, 1]);
    assert.throws(() => takeAll(fetch), KafkaCorruptRecordError);
    assert.equal(fetch.nextOffset, 2);
  });

  it('a malformed record (CRC checks off) fails with KafkaCorruptRecordError after the records before it in the same batch', () => {
    const data = batch(0, ['aaaa', 'bbbb', 'cccc']);
    // The third record's length varint (its first byte) becomes huge: it runs past the batch.
    const thirdRecord = data.lastIndexOf(Buffer.from('cccc')) - 12;
    const broken = Buffer.from(data);
    broken[thirdRecord] = 0x7e;
    const { fetch } = fetchOf(broken, 0, { decoding: { ...PLAIN, checkCrcs: false } });
    assert.deepEqual(takeAll(fetch).map((r) => r.offset), [0, 1]);
    assert.throws(() => takeAll(fetch), (error: unknown) => error instanceof KafkaCorruptRecordError && /record 2 has invalid length/.test(error.message));
    assert.equal(fetch.nextOffset, 2);
  });

  it('bytes left after the last record of a batch are corruption', () => {
    const data = batch(0, ['x']);
    const grown = Buffer.concat([data, Buffer.from([0, 0])]);
    grown.writeInt32BE(grown.readInt32BE(8) + 2, 8);
    const { fetch } = fetchOf(grown, 0, { decoding: { ...PLAIN, checkCrcs: false } });
    assert.throws(() => takeAll(fetch), /2 byte\(s\) left after the last of 1 records/);
  });

  it('with checkCrcs off a payload change is not detected', () => {
    const bad = batch(0, ['abc']);
    bad[bad.length - 3]! ^= 0x01;
    const { fetch } = fetchOf(bad, 0, { decoding: { ...PLAIN, checkCrcs: false } });
    assert.equal(takeAll(fetch).length, 1);
  });

  it('ignores a partial batch at the end (the fetch size cut it)', () => {
    const full = batch(0, ['a']);
    const next = batch(1, ['b', 'c']);
    const { fetch } = fetchOf(Buffer.concat([full, next.subarray(0, next.length - 5)]), 0);
    assert.deepEqual(takeAll(fetch).map((r) => r.offset), [0]);
    assert.equal(fetch.drained, true);
    assert.equal(fetch.nextOffset, 1);
  });

  it('only a partial batch: before Fetch v3 the batch is larger than the fetch size (KafkaRecordTooLargeError); from v3 the response was full', () => {
    const big = batch(40, ['a'.repeat(100)]);
    const { fetch } = fetchOf(big.subarray(0, 50), 40, { version: 2 });
    assert.throws(() => takeAll(fetch), (error: unknown) => error instanceof KafkaRecordTooLargeError && error.offset === 40);
    const { fetch: later } = fetchOf(big.subarray(0, 50), 40, { version: 3 });
    assert.deepEqual(takeAll(later), []);
    assert.equal(later.drained, true);
    assert.equal(later.nextOffset, 40);
  });

  it('reads compressed batches of every codec', async () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      // zstd compression may be asynchronous (native); the consumer's decoding is synchronous.
      const data = Buffer.concat([await builderOf(0, ['a', 'b'], { compression }).close(), await builderOf(2, ['c'], { compression }).close()]);
      const { fetch } = fetchOf(data, 1);
      assert.deepEqual(takeAll(fetch).map((r) => String(r.value)), ['b', 'c'], compression);
    }
  });

  it('reads legacy magic 1 messages (timestamps, no epoch) and magic 0 (no timestamp type)', () => {
    for (const magic of [0, 1] as const) {
      const builder = new LegacyMessageSetBuilder({ magic, baseOffset: 20, now: () => 1_600_000_000_000 });
      builder.append({ key: 'k', value: 'v1' });
      builder.append({ key: null, value: 'v2' });
      const { fetch } = fetchOf(builder.closeSync(), 20);
      const records = takeAll(fetch);
      assert.deepEqual(records.map((r) => [r.offset, String(r.value), r.leaderEpoch, r.timestampType]), [
        [20, 'v1', null, magic === 0 ? 'NoTimestampType' : 'CreateTime'],
        [21, 'v2', null, magic === 0 ? 'NoTimestampType' : 'CreateTime'],
      ]);
      assert.equal(records[1]!.serializedKeySize, -1);
    }
  });

  it('waits for an asynchronous codec: take() stops, decodeAsync() decodes, take() goes on', async () => {
    const builtIn = getBuiltInCodec('snappy');
    registerCodec('snappy', { compress: (data, options) => builtIn.compress(data, options), decompress: async (data, options) => builtIn.decompress(data, options) });
    try {
      const { fetch } = fetchOf(Buffer.concat([batch(0, ['a']), batch(1, ['b', 'c'], { compression: 'snappy' })]), 0);
      const out: ConsumerRecord<unknown, unknown>[] = [];
      assert.equal(fetch.take(10, out), 1);
      assert.notEqual(fetch.pendingAsyncBatch, null);
      await fetch.decodeAsync();
      assert.equal(fetch.take(10, out), 2);
      assert.deepEqual(out.map((r) => r.offset), [0, 1, 2]);
      assert.equal(fetch.drained, true);
    } finally {
      restoreBuiltInCodec('snappy');
    }
  });

  it('a failed fetch raises its error once and is then drained; discard and finish release the bytes once', () => {
    const state = new PartitionState('t', 1);
    const released: PartitionFetch[] = [];
    const error = new KafkaRecordTooLargeError(state, 3, 10);
    const failed = PartitionFetch.failed(state, 3, error, PLAIN, (f) => released.push(f));
    assert.throws(() => failed.take(5, []), (thrown: unknown) => thrown === error);
    assert.equal(failed.drained, true);
    const { fetch, released: releasedData } = fetchOf(batch(0, ['a']), 0);
    fetch.discard();
    fetch.discard();
    fetch.finish();
    assert.equal(releasedData.length, 1);
    assert.equal(released.length, 0);
  });
});
