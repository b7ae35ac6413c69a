/**
 * Cross-implementation check of the record formats against kafka-python (Debian's python3-kafka,
 * with python3-snappy, python3-lz4 and python3-zstandard for its codecs): batches built by
 * kafka-python are decoded by kafkats, and batches built by kafkats are decoded by kafka-python,
 * with keys, values, headers, timestamps and offsets compared exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { LegacyMessageSetBuilder } from '../../../src/records/legacy.js';
import { readRecordBatches } from '../../../src/records/record-set.js';
import type { KafkaRecord } from '../../../src/records/record.js';
import { PEERS_DIRECTORY, hasPythonModule, runPythonScript } from '../compression/python-peer.js';

const SCRIPT = join(PEERS_DIRECTORY, 'records_interop.py');
const CODEC_MODULES: Record<string, string> = { none: 'kafka', gzip: 'kafka', snappy: 'snappy', lz4: 'xxhash', zstd: 'zstandard' };

interface RecordSpec {
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

interface BatchSpec {
  magic: 0 | 1 | 2;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  base_offset: number;
  producer_id?: number;
  producer_epoch?: number;
  base_sequence?: number;
  transactional?: boolean;
  records: RecordSpec[];
}

interface PythonRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

const b64 = (bytes: Buffer | null): string | null => (bytes === null ? null : bytes.toString('base64'));
const fromB64 = (text: string | null): Buffer | null => (text === null ? null : Buffer.from(text, 'base64'));

/** Records with nulls, empty and binary values, unicode, headers (magic 2 only), and timestamps that go backwards. */
function sampleRecords(count: number, withHeaders: boolean, seed: number): RecordSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const binary = Buffer.alloc((i * 37 + seed) % 300, i + seed);
    return {
      timestamp: 1_700_000_000_000 + seed * 1000 + (i % 4 === 3 ? -i : i * 13),
      key: i % 6 === 0 ? null : b64(Buffer.from(`key-${seed}-${i}-ключ`)),
      value: i % 9 === 4 ? null : i % 9 === 5 ? '' : b64(Buffer.concat([Buffer.from(`value ${i} `.repeat(i % 5 + 1)), binary])),
      headers: withHeaders && i % 3 !== 1 ? [['trace-id', b64(Buffer.from(`t${i}`))], ['empty', null], ['ü', '']] : [],
    };
  });
}

function expectedRecords(batch: BatchSpec): PythonRecord[] {
  return batch.records.map((record, i) => ({
    offset: batch.base_offset + i,
    timestamp: batch.magic === 0 ? -1 : record.timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers,
  }));
}

function asComparable(record: KafkaRecord): PythonRecord {
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: b64(record.key),
    value: b64(record.value),
    headers: record.headers.map((h) => [h.key, b64(h.value)]),
  };
}

function codecAvailable(compression: string): boolean {
  return hasPythonModule('kafka') && hasPythonModule(CODEC_MODULES[compression]!);
}

function specs(): BatchSpec[] {
  const out: BatchSpec[] = [];
  let offset = 0;
  let seed = 1;
  for (const magic of [0, 1] as const) {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      if (!codecAvailable(compression)) continue;
      const records = sampleRecords(compression === 'none' ? 3 : 25, false, seed++);
      out.push({ magic, compression, base_offset: offset, records });
      offset += records.length;
    }
  }
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    if (!codecAvailable(compression)) continue;
    const records = sampleRecords(40, true, seed++);
    out.push({ magic: 2, compression, base_offset: offset, producer_id: 4242, producer_epoch: 7, base_sequence: 100, transactional: compression === 'lz4', records });
    offset += records.length;
  }
  return out;
}

test('kafka-python is available with its codecs', { skip: !hasPythonModule('kafka') && 'python3-kafka is not installed' }, () => {
  for (const module of ['snappy', 'lz4', 'zstandard', 'xxhash']) assert.ok(hasPythonModule(module), `python3 module ${module}`);
});

test('kafkats decodes exactly what kafka-python builds: magic 0, 1 and 2, every codec, in one records field', { skip: !hasPythonModule('kafka') && 'python3-kafka is not installed' }, async () => {
  const batches = specs();
  const records = runPythonScript(SCRIPT, ['build'], Buffer.from(JSON.stringify({ batches })));
  const { batches: decoded, partialBytes } = readRecordBatches(records, { topic: 'interop', partition: 0 });
  assert.equal(partialBytes, 0);
  const actual: PythonRecord[] = [];
  for (const batch of decoded) for (const record of await batch.records()) actual.push(asComparable(record));
  assert.deepEqual(actual, batches.flatMap(expectedRecords));
  const magic2 = decoded.filter((b) => b.magic === 2);
  for (const batch of magic2) {
    assert.equal(batch.producerId, 4242);
    assert.equal(batch.producerEpoch, 7);
    assert.equal(batch.baseSequence, 100);
  }
  assert.deepEqual(magic2.map((b) => b.compression), batches.filter((b) => b.magic === 2).map((b) => ({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 })[b.compression]));
  assert.deepEqual(magic2.map((b) => b.isTransactional), batches.filter((b) => b.magic === 2).map((b) => b.compression === 'lz4'));
});

test('kafka-python decodes exactly what kafkats builds: magic 0, 1 and 2, every codec, in one records field', { skip: !hasPythonModule('kafka') && 'python3-kafka is not installed' }, async () => {
  const batches = specs();
  const parts: Buffer[] = [];
  for (const spec of batches) {
    if (spec.magic === 2) {
      const builder = new RecordBatchBuilder({
        compression: spec.compression,
        baseOffset: spec.base_offset,
        producerId: spec.producer_id,
        producerEpoch: spec.producer_epoch,
        baseSequence: spec.base_sequence,
        isTransactional: spec.transactional,
      });
      for (const record of spec.records) {
        builder.append({ key: fromB64(record.key), value: fromB64(record.value), timestamp: record.timestamp, headers: record.headers.map(([key, value]) => ({ key, value: fromB64(value) })) });
      }
      parts.push(await builder.close());
    } else {
      const builder = new LegacyMessageSetBuilder({ magic: spec.magic, compression: spec.compression, baseOffset: spec.base_offset });
      for (const record of spec.records) builder.append({ key: fromB64(record.key), value: fromB64(record.value), timestamp: record.timestamp });
      parts.push(await builder.close());
    }
  }
  const output = runPythonScript(SCRIPT, ['read'], Buffer.concat(parts));
  const decoded = JSON.parse(output.toString('utf8')) as { magic: number; records: PythonRecord[]; base_offset?: number; compression?: number; transactional?: boolean; max_timestamp?: number }[];
  assert.deepEqual(decoded.flatMap((b) => b.records), batches.flatMap(expectedRecords));
  const magic2 = decoded.filter((b) => b.magic === 2);
  assert.deepEqual(magic2.map((b) => b.base_offset), batches.filter((b) => b.magic === 2).map((b) => b.base_offset));
  assert.deepEqual(magic2.map((b) => b.max_timestamp), batches.filter((b) => b.magic === 2).map((b) => Math.max(...b.records.map((r) => r.timestamp))));
  assert.deepEqual(magic2.map((b) => b.transactional), batches.filter((b) => b.magic === 2).map((b) => b.compression === 'lz4'));
});

test('uncompressed batches and messages are byte-identical to kafka-python\'s', { skip: !hasPythonModule('kafka') && 'python3-kafka is not installed' }, () => {
  const records = sampleRecords(20, true, 99);
  const v2: BatchSpec = { magic: 2, compression: 'none', base_offset: 1234, producer_id: 5, producer_epoch: 1, base_sequence: 0, records };
  const legacyRecords = records.map((r) => ({ ...r, headers: [] as [string, string | null][] }));
  const v1: BatchSpec = { magic: 1, compression: 'none', base_offset: 77, records: legacyRecords };
  const v0: BatchSpec = { magic: 0, compression: 'none', base_offset: 88, records: legacyRecords };
  for (const spec of [v2, v1, v0]) {
    const theirs = runPythonScript(SCRIPT, ['build'], Buffer.from(JSON.stringify({ batches: [spec] })));
    let ours: Buffer;
    if (spec.magic === 2) {
      // kafka-python leaves the partition leader epoch at 0 for the broker to fill in.
      const builder = new RecordBatchBuilder({ baseOffset: spec.base_offset, partitionLeaderEpoch: 0, producerId: 5, producerEpoch: 1, baseSequence: 0 });
      for (const r of spec.records) builder.append({ key: fromB64(r.key), value: fromB64(r.value), timestamp: r.timestamp, headers: r.headers.map(([key, value]) => ({ key, value: fromB64(value) })) });
      ours = builder.closeSync();
    } else {
      const builder = new LegacyMessageSetBuilder({ magic: spec.magic, baseOffset: spec.base_offset });
      for (const r of spec.records) builder.append({ key: fromB64(r.key), value: fromB64(r.value), timestamp: r.timestamp });
      ours = builder.closeSync();
    }
    assert.deepEqual(ours, theirs, `magic ${spec.magic}`);
  }
});
