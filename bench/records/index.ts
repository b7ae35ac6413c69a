/**
 * Record-layer benchmarks: batch encode/decode throughput per codec (kafkats, KafkaJS,
 * @platformatic/kafka), CRC candidates, and codec candidates. Prints Markdown tables.
 *
 *   node --import tsx bench/records/index.ts            # about three minutes
 *   node --import tsx bench/records/index.ts --quick    # shorter runs, noisier numbers
 *
 * Equal settings for every library: the same records (16-byte keys, text-like JSON values of 100
 * bytes or 1 KiB, no headers, increasing timestamps), batches of 64 KiB of record data, one batch
 * per operation, each operation awaited, warm-up before timing, best of five rounds (the machine may
 * be shared). Throughput counts key + value bytes. kafkats's builder gets writeLimit 128 KiB.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { RecordBatchBuilder, readRecordBatches } from '../../src/records/index.js';
import { crc32, crc32c, crc32cPure, crc32Pure } from '../../src/records/crc.js';
import { lz4FrameCompress, lz4FrameDecompress, snappyCompressBlock, snappyDecompressBlock, zstdCompress, zstdDecompress, zstdImplementation } from '../../src/compression/index.js';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
const ROUND_MS = quick ? 100 : 250;
const ROUNDS = quick ? 2 : 5;

type Operation = () => unknown;

/**
 * Runs `operation` in ROUNDS rounds of ROUND_MS after a warm-up and returns the best round's
 * operations per second: the machine may be shared, and the best round is the one least disturbed.
 */
async function measure(operation: Operation): Promise<number> {
  const warmUpEnd = performance.now() + ROUND_MS;
  while (performance.now() < warmUpEnd) await operation();
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      for (let i = 0; i < 4; i++) {
        const result = operation();
        if (result instanceof Promise) await result;
      }
      count += 4;
      elapsed = performance.now() - start;
    } while (elapsed < ROUND_MS);
    best = Math.max(best, (count * 1000) / elapsed);
  }
  return best;
}

function formatRate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)} k`;
  return value.toFixed(0);
}

function textValue(size: number, seed: number): Buffer {
  let text = '';
  for (let i = 0; text.length < size; i++) text += `{"order":${seed * 1000 + i},"customer":"c-${(seed * 31 + i * 7) % 997}","amount":${(seed * 7919 + i) % 10000},"status":"${i % 3 ? 'paid' : 'open'}"}`;
  return Buffer.from(text.slice(0, size));
}

interface Workload {
  recordSize: number;
  keys: Buffer[];
  values: Buffer[];
  timestamps: number[];
  payloadBytes: number;
}

function workload(recordSize: number): Workload {
  const count = Math.floor(65536 / recordSize);
  const keys = Array.from({ length: count }, (_, i) => Buffer.from(`key-${String(i).padStart(12, '0')}`));
  const values = Array.from({ length: count }, (_, i) => textValue(recordSize, i));
  const timestamps = Array.from({ length: count }, (_, i) => 1_700_000_000_000 + i);
  return { recordSize, keys, values, timestamps, payloadBytes: count * (16 + recordSize) };
}

// ---- kafkats ----
type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
const CODECS: Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function kafkatsEncode(w: Workload, compression: Codec): () => Promise<Buffer> {
  return async () => {
    const builder = new RecordBatchBuilder({ compression, writeLimit: 128 * 1024 });
    for (let i = 0; i < w.keys.length; i++) builder.append({ key: w.keys[i], value: w.values[i], timestamp: w.timestamps[i] });
    return builder.close();
  };
}

function kafkatsDecode(batch: Buffer, checkCrcs: boolean): () => Promise<unknown> {
  return async () => readRecordBatches(batch, { checkCrcs }).batches[0]!.records();
}

// ---- KafkaJS (its internal record-batch encoder and decoder) ----
interface KafkaJsModules {
  RecordBatch: (options: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
  Record: (options: Record<string, unknown>) => unknown;
  decodeBatch: (decoder: unknown) => Promise<{ records: unknown[] }>;
  Decoder: new (buffer: Buffer) => unknown;
  crc32C: (buffer: Buffer) => number;
  Types: Record<string, number>;
}

function loadKafkaJs(): KafkaJsModules | undefined {
  try {
    return {
      RecordBatch: require('kafkajs/src/protocol/recordBatch/v0').RecordBatch,
      Record: require('kafkajs/src/protocol/recordBatch/record/v0'),
      decodeBatch: require('kafkajs/src/protocol/recordBatch/v0/decoder'),
      Decoder: require('kafkajs/src/protocol/decoder'),
      crc32C: require('kafkajs/src/protocol/recordBatch/crc32C'),
      Types: require('kafkajs/src/protocol/message/compression').Types,
    };
  } catch {
    return undefined;
  }
}

function kafkaJsEncode(k: KafkaJsModules, w: Workload, compression: number): () => Promise<Buffer> {
  return async () => {
    const first = w.timestamps[0]!;
    const records = w.keys.map((key, i) => k.Record({ offsetDelta: i, timestampDelta: w.timestamps[i]! - first, key, value: w.values[i] }));
    const batch = await k.RecordBatch({ compression, firstTimestamp: first, maxTimestamp: w.timestamps.at(-1), lastOffsetDelta: records.length - 1, records });
    return batch.buffer;
  };
}

// ---- @platformatic/kafka (its exported record-batch functions) ----
interface PlatformaticModule {
  createRecordsBatch: (messages: { key: Buffer; value: Buffer; topic: string; timestamp: bigint }[], options: Record<string, unknown>) => { buffer: Buffer };
  readRecordsBatch: (reader: unknown) => { records: unknown[] };
  Reader: { from(buffer: Buffer): unknown };
  crc32c: (data: Buffer) => number;
  compressionsAlgorithms: Record<string, { available?: boolean }>;
}

async function loadPlatformatic(): Promise<PlatformaticModule | undefined> {
  try {
    return (await import('@platformatic/kafka')) as unknown as PlatformaticModule;
  } catch {
    return undefined;
  }
}

function platformaticEncode(p: PlatformaticModule, w: Workload, compression: Codec): () => Buffer {
  return () => {
    const messages = w.keys.map((key, i) => ({ key, value: w.values[i]!, topic: 't', timestamp: BigInt(w.timestamps[i]!) }));
    return p.createRecordsBatch(messages, { compression, producerId: -1n, producerEpoch: -1, partitionLeaderEpoch: -1 }).buffer;
  };
}

async function recordsTables(kafkajs: KafkaJsModules | undefined, platformatic: PlatformaticModule | undefined): Promise<void> {
  for (const recordSize of [100, 1024]) {
    const w = workload(recordSize);
    const records = w.keys.length;
    console.log(`\n#### ${recordSize}-byte values (${records} records, ${(w.payloadBytes / 1024).toFixed(0)} KiB of keys and values per batch)\n`);
    console.log('| codec | library | encode records/s | encode MB/s | decode records/s | decode MB/s | batch bytes |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const codec of CODECS) {
      const rows: [string, Operation | undefined, Operation | undefined, number][] = [];
      const ours = await kafkatsEncode(w, codec)();
      rows.push(['kafkats', kafkatsEncode(w, codec), kafkatsDecode(ours, true), ours.length]);
      rows.push(['kafkats, CRC check off', undefined, kafkatsDecode(ours, false), ours.length]);
      const kafkaJsCodec = kafkajs?.Types[{ none: 'None', gzip: 'GZIP', snappy: 'Snappy', lz4: 'LZ4', zstd: 'ZSTD' }[codec]];
      if (kafkajs && (codec === 'none' || codec === 'gzip') && kafkaJsCodec !== undefined) {
        const encode = kafkaJsEncode(kafkajs, w, kafkaJsCodec);
        const theirs = await encode();
        rows.push(['KafkaJS', encode, () => kafkajs.decodeBatch(new kafkajs.Decoder(theirs)), theirs.length]);
      }
      if (platformatic && platformatic.compressionsAlgorithms[codec]?.available !== false) {
        try {
          const encode = platformaticEncode(platformatic, w, codec);
          const theirs = encode();
          rows.push(['@platformatic/kafka', encode, () => platformatic.readRecordsBatch(platformatic.Reader.from(theirs)), theirs.length]);
        } catch (error) {
          rows.push([`@platformatic/kafka (${(error as Error).message.slice(0, 40)})`, undefined, undefined, 0]);
        }
      }
      for (const [library, encode, decode, size] of rows) {
        const encodeRate = encode ? await measure(encode) : 0;
        const decodeRate = decode ? await measure(decode) : 0;
        const cell = (rate: number, scale: number): string => (rate ? formatRate(rate * scale) : '-');
        console.log(
          `| ${codec} | ${library} | ${cell(encodeRate, records)} | ${encodeRate ? ((encodeRate * w.payloadBytes) / 1e6).toFixed(0) : '-'} | ${cell(decodeRate, records)} | ${decodeRate ? ((decodeRate * w.payloadBytes) / 1e6).toFixed(0) : '-'} | ${size || '-'} |`,
        );
      }
    }
  }
}

async function crcTable(kafkajs: KafkaJsModules | undefined, platformatic: PlatformaticModule | undefined): Promise<void> {
  const native = require('@node-rs/crc32') as { crc32c(data: Uint8Array): number; crc32(data: Uint8Array): number };
  const sizes = [64, 128, 256, 1024, 16384, 1 << 20];
  const candidates: [string, (data: Buffer) => number][] = [
    ['CRC-32C: TypeScript slicing-by-8', (d) => crc32cPure(d)],
    ['CRC-32C: @node-rs/crc32', (d) => native.crc32c(d)],
    ['CRC-32C: kafkats crc32c (chosen: native from 128 bytes)', (d) => crc32c(d)],
  ];
  if (kafkajs) candidates.push(['CRC-32C: KafkaJS', (d) => kafkajs.crc32C(d)]);
  if (platformatic) candidates.push(['CRC-32C: @platformatic/kafka (uses @node-rs/crc32 when installed)', (d) => platformatic.crc32c(d)]);
  candidates.push(
    ['CRC-32: TypeScript slicing-by-8', (d) => crc32Pure(d)],
    ['CRC-32: node:zlib crc32', (d) => zlib.crc32(d)],
    ['CRC-32: @node-rs/crc32', (d) => native.crc32(d)],
    ['CRC-32: kafkats crc32 (chosen)', (d) => crc32(d)],
  );
  console.log('\n#### CRC throughput, MB/s by input size\n');
  console.log(`| candidate | ${sizes.map((s) => (s >= 1024 ? `${s / 1024} KiB` : `${s} B`)).join(' | ')} |`);
  console.log(`| --- | ${sizes.map(() => '---:').join(' | ')} |`);
  for (const [name, fn] of candidates) {
    const cells: string[] = [];
    for (const size of sizes) {
      const data = textValue(size, 3);
      const repeat = Math.max(1, Math.floor(65536 / size));
      const rate = await measure(() => {
        let x = 0;
        for (let i = 0; i < repeat; i++) x ^= fn(data);
        return x;
      });
      cells.push(((rate * repeat * size) / 1e6).toFixed(0));
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
}

async function codecTable(): Promise<void> {
  const nativeSnappy = require('snappy') as { compressSync(d: Buffer): Buffer; uncompressSync(d: Buffer): Buffer };
  const snappyJs = require('snappyjs') as { compress(d: Buffer): Buffer; uncompress(d: Buffer): Buffer };
  const lz4Napi = require('lz4-napi') as { compressFrameSync(d: Buffer): Buffer; decompressFrameSync(d: Buffer): Buffer };
  const lz4Js = require('lz4js') as { compress(d: Buffer): Uint8Array; decompress(d: Uint8Array): Uint8Array };
  const mongoZstd = require('@mongodb-js/zstd') as { compress(d: Buffer, level?: number): Promise<Buffer>; decompress(d: Buffer): Promise<Buffer> };
  const fzstd = require('fzstd') as { decompress(d: Uint8Array): Uint8Array };
  const limit = 1 << 26;
  for (const size of [16384, 262144]) {
    const data = Buffer.concat(Array.from({ length: Math.ceil(size / 1024) }, (_, i) => textValue(1024, i))).subarray(0, size);
    console.log(`\n#### Codec candidates on ${size / 1024} KiB of JSON-like text (MB/s of uncompressed data)\n`);
    console.log('| codec | implementation | compress MB/s | decompress MB/s | ratio |');
    console.log('| --- | --- | ---: | ---: | ---: |');
    const zstdNative = await mongoZstd.compress(data, 3);
    const gzipped = zlib.gzipSync(data);
    const snappyOurs = snappyCompressBlock(data);
    const snappyNative = nativeSnappy.compressSync(data);
    const snappyJsOutput = snappyJs.compress(data);
    const lz4Ours = lz4FrameCompress(data, 2);
    const lz4Native = lz4Napi.compressFrameSync(data);
    const lz4JsOutput = lz4Js.compress(data);
    const zstdOurs = zstdCompress(data);
    // [codec, implementation, compress, decompress (of that implementation's own output, except zstd: libzstd's), ratio]
    const rows: [string, string, Operation | undefined, Operation, number][] = [
      ['gzip', 'node:zlib sync (chosen)', () => zlib.gzipSync(data), () => zlib.gunzipSync(gzipped), gzipped.length],
      ['gzip', 'node:zlib async', () => new Promise((r) => zlib.gzip(data, r)), () => new Promise((r) => zlib.gunzip(gzipped, r)), gzipped.length],
      ['snappy', 'TypeScript (chosen)', () => snappyCompressBlock(data), () => snappyDecompressBlock(snappyOurs, limit), snappyOurs.length],
      ['snappy', 'snappy (napi-rs)', () => nativeSnappy.compressSync(data), () => nativeSnappy.uncompressSync(snappyNative), snappyNative.length],
      ['snappy', 'snappyjs', () => snappyJs.compress(data), () => snappyJs.uncompress(snappyJsOutput), snappyJsOutput.length],
      ['lz4', 'TypeScript (chosen)', () => lz4FrameCompress(data, 2), () => lz4FrameDecompress(lz4Ours, 2, limit), lz4Ours.length],
      ['lz4', 'lz4-napi (lz4_flex)', () => lz4Napi.compressFrameSync(data), () => lz4Napi.decompressFrameSync(lz4Native), lz4Native.length],
      ['lz4', 'lz4js', () => lz4Js.compress(data), () => lz4Js.decompress(lz4JsOutput), lz4JsOutput.length],
      ['zstd', 'TypeScript encoder / decoder (decoder chosen)', () => zstdCompress(data), () => zstdDecompress(zstdNative, limit), zstdOurs.length],
      ['zstd', '@mongodb-js/zstd, libzstd level 3, async (encoder chosen)', () => mongoZstd.compress(data, 3), () => mongoZstd.decompress(zstdNative), zstdNative.length],
      ['zstd', 'fzstd (decompress only)', undefined, () => fzstd.decompress(zstdNative), zstdNative.length],
    ];
    for (const [codec, name, compress, decompress, compressedSize] of rows) {
      const compressRate = compress ? await measure(compress) : 0;
      const decompressRate = await measure(decompress);
      console.log(`| ${codec} | ${name} | ${compressRate ? ((compressRate * size) / 1e6).toFixed(0) : '-'} | ${((decompressRate * size) / 1e6).toFixed(0)} | ${(compressedSize / size).toFixed(3)} |`);
    }
  }
}

/** A package's version, read from its package.json (some packages do not export that file). */
function packageVersion(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const kafkajs = loadKafkaJs();
  const platformatic = await loadPlatformatic();
  console.log(`Node ${process.version}, ${process.platform}/${process.arch}; zstd in kafkats: compress ${zstdImplementation.compress}, decompress ${zstdImplementation.decompress}`);
  console.log(`KafkaJS ${kafkajs ? packageVersion('kafkajs') : 'not installed'}, @platformatic/kafka ${platformatic ? packageVersion('@platformatic/kafka') : 'not installed'}`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  if (!only || only === 'records') await recordsTables(kafkajs, platformatic);
  if (!only || only === 'crc') await crcTable(kafkajs, platformatic);
  if (!only || only === 'codecs') await codecTable();
}

await main();
