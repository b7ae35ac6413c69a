/**
 * One producer benchmark run in its own process (so that its peak RSS is its own), started by
 * bench/producer/index.ts. Prints one JSON line: records/s (throughput) or latency percentiles,
 * the process's peak RSS and CPU time.
 *
 *   node dist/bench/producer/client.js '{"client":"kafkats","mode":"throughput",...}'
 *
 * Equal settings for every client (see index.ts): linger 5 ms, 16 KiB batches, acks=1, five
 * requests in flight, the same compression; clients without linger/batch settings (KafkaJS,
 * @platformatic/kafka) are handed batches of the same size, five at a time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { KafkaProducer } from '../../src/producer/index.js';
import { repoRoot } from '../../test/support/repo.js';

export type ClientName = 'kafkats' | 'kafkajs' | 'platformatic' | 'confluent';
export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface RunSpec {
  readonly client: ClientName;
  readonly mode: 'throughput' | 'latency';
  readonly servers: string;
  readonly topic: string;
  readonly records: number;
  readonly recordSize: number;
  readonly codec: Codec;
  readonly lingerMs: number;
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly acks: 0 | 1 | -1;
}

export interface RunResult {
  readonly recordsPerSecond?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly elapsedMs: number;
  readonly peakRssBytes: number;
  readonly cpuMs: number;
}

const require = createRequire(import.meta.url);

/** JSON-like text values, as in bench/records: realistic for compression. */
function values(count: number, size: number): Buffer[] {
  const distinct = Math.min(count, 1024);
  const pool: Buffer[] = [];
  for (let seed = 0; seed < distinct; seed++) {
    let text = '';
    for (let i = 0; text.length < size; i++) {
      text += `{"order":${seed * 1000 + i},"customer":"c-${(seed * 31 + i * 7) % 997}","amount":${(seed * 7919 + i) % 10000},"status":"${i % 3 ? 'paid' : 'open'}"}`;
    }
    pool.push(Buffer.from(text.slice(0, size)));
  }
  return pool;
}

/** Records per batch at the batch size (record overhead about 8 bytes): what KafkaJS and @platformatic/kafka are handed per send. */
function recordsPerBatch(spec: RunSpec): number {
  return Math.max(1, Math.floor((spec.batchSize - 61) / (spec.recordSize + 8)));
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/**
 * Awaited sends before the latency samples, the same for every client: V8 compiles a JavaScript
 * client's send path with its optimising tier only after a few thousand calls (measured for
 * kafkats: p50 0.19 ms over the first 2,000 sends, 0.05 ms from 4,000 on), and a service's
 * producer runs warm, so the samples come from the steady state.
 */
const LATENCY_WARM_UP_SENDS = 5000;

async function latencyLoop(send: (value: Buffer) => Promise<unknown>, spec: RunSpec, pool: readonly Buffer[]): Promise<{ p50Ms: number; p99Ms: number; elapsedMs: number }> {
  for (let i = 0; i < LATENCY_WARM_UP_SENDS; i++) await send(pool[i % pool.length]!);
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < spec.records; i++) {
    const sent = performance.now();
    await send(pool[i % pool.length]!);
    samples.push(performance.now() - sent);
  }
  const elapsedMs = performance.now() - start;
  samples.sort((a, b) => a - b);
  return { p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), elapsedMs };
}

/** Sends `records` records with `produce` in batches of `chunk` records, at most `concurrency` at a time. */
async function chunked(spec: RunSpec, records: number, pool: readonly Buffer[], concurrency: number, produce: (values: Buffer[]) => Promise<unknown>): Promise<void> {
  const chunk = recordsPerBatch(spec);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records) {
      const from = next;
      const to = Math.min(records, from + chunk);
      next = to;
      const batch: Buffer[] = [];
      for (let i = from; i < to; i++) batch.push(pool[i % pool.length]!);
      await produce(batch);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Warms the client up (JIT, connections, buffers) with a fifth of the records (at most 100,000),
 * then times `run` over all of them.
 */
async function timed(spec: RunSpec, run: (records: number) => Promise<void>): Promise<{ recordsPerSecond: number; elapsedMs: number }> {
  await run(Math.min(100_000, Math.max(1, Math.floor(spec.records / 5))));
  const start = performance.now();
  await run(spec.records);
  const elapsedMs = performance.now() - start;
  return { recordsPerSecond: (spec.records * 1000) / elapsedMs, elapsedMs };
}

// ---- kafkats ----

/**
 * The throughput loop: at most this many sends unacknowledged; every 64 sends it awaits the send
 * made a window earlier (awaiting each send would cost more than producing it). The window must
 * exceed what one batch holds, or batches never fill and wait for their linger: with compression a
 * 16 KiB batch of 100-byte records can hold well over a thousand of them.
 */
const KAFKATS_WINDOW_RECORDS = 8192;
/**
 * The window also stays under 1 MiB of record values (1 KiB records: 1024 sends, 64 full batches
 * uncompressed, about 9 with zstd): more only adds memory (measured: 8 MiB of 1 KiB records in
 * flight raised peak RSS from 125 to 148 MiB at the same throughput).
 */
const KAFKATS_WINDOW_BYTES = 1024 * 1024;
const KAFKATS_AWAIT_EVERY = 64;

async function kafkats(spec: RunSpec, pool: readonly Buffer[]): Promise<Omit<RunResult, 'peakRssBytes' | 'cpuMs'>> {
  const producer = new KafkaProducer({
    bootstrapServers: spec.servers,
    acks: spec.acks,
    compressionType: spec.codec,
    lingerMs: spec.mode === 'latency' ? 0 : spec.lingerMs,
    batchSize: spec.batchSize,
    maxInFlightRequestsPerConnection: spec.maxInFlight,
    logLevel: 'error',
  });
  try {
    if (spec.mode === 'latency') return await latencyLoop((value) => producer.send(spec.topic, { value, partition: 0 }), spec, pool);
    const run = async (records: number): Promise<void> => {
      const window = Math.min(KAFKATS_WINDOW_RECORDS, Math.floor(KAFKATS_WINDOW_BYTES / spec.recordSize));
      const ring: Promise<unknown>[] = new Array(window);
      for (let i = 0; i < records; i++) {
        const slot = i % window;
        if (i % KAFKATS_AWAIT_EVERY === 0 && ring[slot] !== undefined) await ring[slot];
        ring[slot] = producer.send(spec.topic, { value: pool[i % pool.length]!, partition: 0 });
      }
      await Promise.all(ring);
    };
    return await timed(spec, run);
  } finally {
    await producer.close();
  }
}

// ---- KafkaJS ----

async function kafkajs(spec: RunSpec, pool: readonly Buffer[]): Promise<Omit<RunResult, 'peakRssBytes' | 'cpuMs'>> {
  const { Kafka, CompressionTypes, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const compression = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD }[spec.codec];
  const kafka = new Kafka({ brokers: spec.servers.split(','), clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ maxInFlightRequests: spec.maxInFlight, idempotent: false, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const send = (batch: Buffer[]) => producer.send({ topic: spec.topic, acks: spec.acks, compression, messages: batch.map((value) => ({ value, partition: 0 })) });
    if (spec.mode === 'latency') return await latencyLoop((value) => send([value]), spec, pool);
    return await timed(spec, (records) => chunked(spec, records, pool, spec.maxInFlight, send));
  } finally {
    await producer.disconnect();
  }
}

// ---- @platformatic/kafka ----

async function platformatic(spec: RunSpec, pool: readonly Buffer[]): Promise<Omit<RunResult, 'peakRssBytes' | 'cpuMs'>> {
  const { Producer } = require('@platformatic/kafka') as typeof import('@platformatic/kafka');
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: spec.servers.split(','),
    acks: spec.acks,
    ...(spec.codec === 'none' ? {} : { compression: spec.codec }),
    idempotent: false,
    autocreateTopics: false,
  });
  try {
    const send = (batch: Buffer[]) => producer.send({ messages: batch.map((value) => ({ topic: spec.topic, value, partition: 0 })) });
    if (spec.mode === 'latency') return await latencyLoop((value) => send([value]), spec, pool);
    return await timed(spec, (records) => chunked(spec, records, pool, spec.maxInFlight, send));
  } finally {
    await producer.close();
  }
}

// ---- @confluentinc/kafka-javascript (librdkafka) ----

interface RdkafkaProducer {
  connect(options: object, callback: (error: Error | null) => void): void;
  produce(topic: string, partition: number, value: Buffer, key: Buffer | null, timestamp: number): unknown;
  setPollInBackground(enabled: boolean): void;
  on(event: 'delivery-report', listener: (error: Error | null) => void): void;
  disconnect(callback: () => void): void;
}

interface ConfluentModule {
  Producer: new (config: Record<string, unknown>) => RdkafkaProducer;
  KafkaJS: { Kafka: new (config: Record<string, unknown>) => { producer(config: Record<string, unknown>): { connect(): Promise<void>; send(arg: object): Promise<unknown>; disconnect(): Promise<void> } } };
}

function loadConfluent(): ConfluentModule {
  const peers = createRequire(join(repoRoot(), 'bench', '.peers', 'package.json'));
  return peers('@confluentinc/kafka-javascript') as ConfluentModule;
}

function rdkafkaConfig(spec: RunSpec, lingerMs: number): Record<string, unknown> {
  return {
    'bootstrap.servers': spec.servers,
    'client.id': 'bench-confluent',
    'linger.ms': lingerMs,
    'batch.size': spec.batchSize,
    acks: spec.acks,
    'compression.codec': spec.codec,
    'max.in.flight': spec.maxInFlight,
    'enable.idempotence': false,
    'queue.buffering.max.kbytes': 32768,
  };
}

async function confluent(spec: RunSpec, pool: readonly Buffer[]): Promise<Omit<RunResult, 'peakRssBytes' | 'cpuMs'>> {
  const module = loadConfluent();
  if (spec.mode === 'latency') {
    // The promise API (its KafkaJS-compatible one) is what an awaited send looks like there.
    const kafka = new module.KafkaJS.Kafka({});
    const producer = kafka.producer(rdkafkaConfig(spec, 0));
    await producer.connect();
    try {
      return await latencyLoop((value) => producer.send({ topic: spec.topic, messages: [{ value, partition: 0 }] }), spec, pool);
    } finally {
      await producer.disconnect();
    }
  }
  // Throughput: the native API, produce() per record and delivery reports counted.
  const producer = new module.Producer({ ...rdkafkaConfig(spec, spec.lingerMs), dr_cb: true });
  // Metadata of the one topic only: librdkafka 2.15 fails to parse the old mock's all-topics answer once it holds many topics.
  await new Promise<void>((resolve, reject) => producer.connect({ topic: spec.topic }, (error) => (error ? reject(error) : resolve())));
  producer.setPollInBackground(true);
  let delivered = 0;
  let failed = 0;
  let waiter: (() => void) | null = null;
  producer.on('delivery-report', (error) => {
    if (error) failed++;
    else delivered++;
    waiter?.();
  });
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      if (done()) return resolve();
      waiter = () => {
        if (!done()) return;
        waiter = null;
        resolve();
      };
    });
  try {
    const run = async (records: number): Promise<void> => {
      const target = delivered + failed + records;
      for (let i = 0; i < records; ) {
        try {
          producer.produce(spec.topic, 0, pool[i % pool.length]!, null, Date.now());
          i++;
        } catch {
          // Local queue full: let deliveries drain.
          const floor = delivered + failed + 1000;
          await until(() => delivered + failed >= Math.min(floor, target));
        }
      }
      await until(() => delivered + failed >= target);
    };
    const result = await timed(spec, run);
    if (failed > 0) throw new Error(`${failed} deliveries failed`);
    return result;
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

const CLIENTS: Record<ClientName, (spec: RunSpec, pool: readonly Buffer[]) => Promise<Omit<RunResult, 'peakRssBytes' | 'cpuMs'>>> = {
  kafkats,
  kafkajs,
  platformatic,
  confluent,
};

/**
 * This process's peak RSS: VmHWM, the high-water mark of its own address space. Not ru_maxrss:
 * Linux carries that across fork and exec, so a client started by a large benchmark process (the
 * embedded round holds the broker's logs) would report the parent's size.
 */
function peakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? process.resourceUsage().maxRSS * 1024 : Number(match[1]) * 1024;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec;
  const pool = values(spec.records, spec.recordSize);
  const cpu = process.cpuUsage();
  const result = await CLIENTS[spec.client](spec, pool);
  const used = process.cpuUsage(cpu);
  const output: RunResult = { ...result, peakRssBytes: peakRssBytes(), cpuMs: (used.user + used.system) / 1000 };
  process.stdout.write(`${JSON.stringify(output)}\n`);
  // Clients that leave timers or native threads behind must not keep the run going.
  process.exit(0);
}

await main();
