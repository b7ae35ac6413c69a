/**
 * The demo behind `kafkats demo` (the README's main command): a producer and a consumer group
 * exchanging records through a cluster, measured end to end.
 *
 * With no bootstrap servers it starts the embedded cluster (kafkats/mock) in this process, so the
 * demo needs nothing installed; with bootstrap servers it runs the same against any Kafka cluster.
 *
 * Every record's key is its index and its value starts with the wall-clock time it was sent, so
 * the consumers can count each index once (missing and duplicate records are reported, never
 * hidden) and measure end-to-end latency. Produce latency is measured per send, from `send()` to
 * the broker's acknowledgement.
 */
import { MockCluster } from '../broker/index.js';
import { KafkaClient } from '../cluster/kafka-client.js';
import { KafkaConsumer } from '../consumer/consumer.js';
import { CreateTopics } from '../protocol/generated/index.js';
import { KafkaError, KafkaTimeoutError, abortError } from '../protocol/errors.js';
import { KafkaProducer } from '../producer/producer.js';
import type { ProducerCompressionType } from '../producer/options.js';

export interface DemoOptions {
  /** An existing cluster; absent: start the embedded one. */
  bootstrapServers?: string;
  topic?: string;
  records: number;
  /** Bytes per record value (at least 8: the send time). */
  recordBytes: number;
  partitions: number;
  consumers: number;
  compression: ProducerCompressionType;
  /** Gives up (with a typed timeout) when the records have not all arrived by then. */
  timeoutMs: number;
  /** Called about every `progressIntervalMs` with the counts so far. */
  onProgress?: (progress: DemoProgress) => void;
  progressIntervalMs?: number;
  signal?: AbortSignal;
}

export interface DemoProgress {
  readonly produced: number;
  readonly acknowledged: number;
  readonly consumed: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export interface DemoSummary {
  cluster: 'embedded' | 'external';
  bootstrapServers: string;
  topic: string;
  partitions: number;
  records: number;
  bytes: number;
  compression: ProducerCompressionType;
  produce: { seconds: number; recordsPerSecond: number; megabytesPerSecond: number; latencyMs: LatencySummary };
  consume: {
    seconds: number;
    recordsPerSecond: number;
    megabytesPerSecond: number;
    endToEndLatencyMs: LatencySummary;
    /** Records each consumer of the group received. */
    perConsumer: number[];
    /** Partitions each consumer owned at the end. */
    partitionsPerConsumer: number[];
    missing: number;
    duplicates: number;
  };
  /** Every record was delivered exactly once. */
  ok: boolean;
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across this process. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function summarize(samples: Float64Array, count: number): LatencySummary {
  if (count === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = samples.subarray(0, count).sort();
  const at = (fraction: number): number => sorted[Math.min(count - 1, Math.floor(fraction * count))]!;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[count - 1]!) };
}

function rate(amount: number, seconds: number): number {
  return seconds > 0 ? Math.round((amount / seconds) * 100) / 100 : 0;
}

/** Creates the topic through the controller; a broker that cannot (old, or no CreateTopics) auto-creates it. */
async function ensureTopic(bootstrapServers: string, topic: string, partitions: number, signal: AbortSignal): Promise<number> {
  const client = new KafkaClient({ bootstrapServers, clientId: 'kafkats-demo', logLevel: 'silent' });
  try {
    await client.connect({ signal });
    const versions = await client.apiVersions(undefined, { signal });
    const canCreate = versions.apis.some((api) => api.api === 'CreateTopics' && api.chosen !== null);
    if (canCreate) {
      const response = await client.send(
        'controller',
        CreateTopics,
        { topics: [{ name: topic, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 10_000 },
        { signal },
      );
      const result = response.topics[0];
      // 36 = TOPIC_ALREADY_EXISTS: a rerun with --topic reuses the topic.
      if (result && result.errorCode !== 0 && result.errorCode !== 36) {
        throw new KafkaError(`could not create topic ${topic}: error ${result.errorCode} ${result.errorMessage ?? ''}`.trim(), {
          code: result.errorCode,
        });
      }
    }
    // Metadata with auto-creation covers brokers without CreateTopics, and tells the partition count.
    const metadata = await client.metadata([topic], { signal });
    const found = metadata.topics.find((entry) => entry.name === topic);
    return found && found.partitions.length > 0 ? found.partitions.length : partitions;
  } finally {
    await client.close();
  }
}

/** Runs the demo; resolves with the measurements. Everything it started is stopped before it returns. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const controller = new AbortController();
  const abortFromCaller = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abortFromCaller, { once: true });
  const signal = controller.signal;
  const topic = options.topic ?? `kafkats-demo-${Date.now().toString(36)}`;
  const total = options.records;
  const valueBytes = Math.max(8, options.recordBytes);

  let embedded: MockCluster | null = null;
  const producerHolder: { producer: KafkaProducer<string, Buffer> | null } = { producer: null };
  const consumers: KafkaConsumer<string, Buffer>[] = [];
  let progressTimer: NodeJS.Timeout | null = null;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    if (options.bootstrapServers === undefined) {
      embedded = await MockCluster.start({ brokers: 3, autoCreateTopics: true, defaultPartitions: options.partitions });
    }
    const bootstrapServers = options.bootstrapServers ?? embedded!.bootstrapServers;
    const partitions = await ensureTopic(bootstrapServers, topic, options.partitions, signal);

    // The consumer group first, so that end-to-end latency measures delivery, not a backlog.
    const seen = new Uint8Array(total);
    const endToEnd = new Float64Array(total);
    let consumed = 0;
    let duplicates = 0;
    let firstConsumedAt = 0;
    let lastConsumedAt = 0;
    const perConsumer = new Array<number>(options.consumers).fill(0);
    const groupId = `kafkats-demo-${topic}`;
    let assigned = 0;
    let allAssigned!: () => void;
    const groupReady = new Promise<void>((resolve) => (allAssigned = resolve));
    for (let index = 0; index < options.consumers; index++) {
      const consumer = new KafkaConsumer<string, Buffer>({
        bootstrapServers,
        groupId,
        clientId: `kafkats-demo-consumer-${index + 1}`,
        autoOffsetReset: 'earliest',
        keyDeserializer: 'string',
        logLevel: 'warn',
      });
      consumer.subscribe([topic], {
        onPartitionsAssigned: (added) => {
          assigned += added.length;
          if (assigned >= partitions) allAssigned();
        },
        onPartitionsRevoked: (revoked) => {
          assigned -= revoked.length;
        },
        onPartitionsLost: (lost) => {
          assigned -= lost.length;
        },
      });
      consumers.push(consumer);
    }
    let finishConsuming!: () => void;
    const allConsumed = new Promise<void>((resolve) => (finishConsuming = resolve));
    const consumerLoops = consumers.map(async (consumer, index) => {
      while (!signal.aborted && consumed < total) {
        const batch = await consumer.poll({ timeoutMs: 200, signal });
        if (batch.count === 0) continue;
        const arrivedAt = nowMs();
        if (firstConsumedAt === 0) firstConsumedAt = arrivedAt;
        for (const record of batch) {
          const recordIndex = Number(record.key);
          if (!Number.isInteger(recordIndex) || recordIndex < 0 || recordIndex >= total) continue;
          if (seen[recordIndex] === 1) {
            duplicates++;
            continue;
          }
          seen[recordIndex] = 1;
          endToEnd[consumed] = arrivedAt - record.value!.readDoubleBE(0);
          consumed++;
          perConsumer[index]!++;
        }
        lastConsumedAt = arrivedAt;
        if (consumed >= total) finishConsuming();
      }
    });
    // A failing loop must fail the demo, not hang it.
    const loopsSettled = Promise.all(consumerLoops);
    cleanups.push(async () => {
      await loopsSettled.catch(() => {});
    });
    await raceWith(groupReady, loopsSettled, signal, options.timeoutMs, 'the consumer group to form');

    const producer = new KafkaProducer<string, Buffer>({
      bootstrapServers,
      clientId: 'kafkats-demo-producer',
      keySerializer: 'string',
      compressionType: options.compression,
      logLevel: 'warn',
    });
    producerHolder.producer = producer;
    const produceLatency = new Float64Array(total);
    let produced = 0;
    let acknowledged = 0;
    const startedAt = nowMs();
    if (options.onProgress) {
      const report = (): void =>
        options.onProgress!({ produced, acknowledged, consumed, total, elapsedMs: Math.round(nowMs() - startedAt) });
      progressTimer = setInterval(report, options.progressIntervalMs ?? 500);
      cleanups.push(async () => report());
    }
    const padding = Buffer.alloc(valueBytes - 8, 0x61);
    let produceFailure: unknown = null;
    let lastAcknowledgedAt = startedAt;
    for (let index = 0; index < total && !signal.aborted && produceFailure === null; index++) {
      const value = Buffer.allocUnsafe(valueBytes);
      const sentAt = nowMs();
      value.writeDoubleBE(sentAt, 0);
      padding.copy(value, 8);
      const sending = producer.send(topic, { key: String(index), value });
      produced++;
      sending.then(
        () => {
          const now = nowMs();
          produceLatency[acknowledged++] = now - sentAt;
          lastAcknowledgedAt = now;
        },
        (error: unknown) => {
          produceFailure ??= error;
        },
      );
      // Let the event loop breathe every so often so that acknowledgements and polls run while
      // the loop fills the producer's buffer (send() itself waits only when bufferMemory is full).
      if ((index & 1023) === 1023) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await producer.flush();
    if (produceFailure !== null) throw produceFailure;
    const produceSeconds = (lastAcknowledgedAt - startedAt) / 1000;

    await raceWith(allConsumed, loopsSettled, signal, options.timeoutMs, `all ${total} records to be consumed`);
    const consumeSeconds = (lastConsumedAt - startedAt) / 1000;
    const bytes = total * valueBytes;
    const summary: DemoSummary = {
      cluster: embedded ? 'embedded' : 'external',
      bootstrapServers,
      topic,
      partitions,
      records: total,
      bytes,
      compression: options.compression,
      produce: {
        seconds: Math.round(produceSeconds * 1000) / 1000,
        recordsPerSecond: rate(total, produceSeconds),
        megabytesPerSecond: rate(bytes / 1e6, produceSeconds),
        latencyMs: summarize(produceLatency, acknowledged),
      },
      consume: {
        seconds: Math.round(consumeSeconds * 1000) / 1000,
        recordsPerSecond: rate(consumed, consumeSeconds),
        megabytesPerSecond: rate((consumed * valueBytes) / 1e6, consumeSeconds),
        endToEndLatencyMs: summarize(endToEnd, consumed),
        perConsumer,
        partitionsPerConsumer: consumers.map((consumer) => consumer.assignment().length),
        missing: total - consumed,
        duplicates,
      },
      ok: consumed === total && duplicates === 0,
    };
    return summary;
  } finally {
    options.signal?.removeEventListener('abort', abortFromCaller);
    if (progressTimer) clearInterval(progressTimer);
    controller.abort(new KafkaError('demo finished', { errorName: 'ABORTED' }));
    for (const cleanup of cleanups) await cleanup();
    await producerHolder.producer?.close({ timeoutMs: 5000 }).catch(() => {});
    await Promise.all(consumers.map((consumer) => consumer.close({ timeoutMs: 5000 }).catch(() => {})));
    await embedded?.stop();
  }
}

/**
 * Waits for `goal`, failing early when the consumer loops fail, the signal fires or `timeoutMs`
 * passes (with a timeout error naming what was awaited).
 */
async function raceWith(goal: Promise<void>, loops: Promise<unknown>, signal: AbortSignal, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      goal,
      loops.then(() => {
        if (!signal.aborted) throw new KafkaError(`the consumers stopped before ${what}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KafkaTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
        onAbort = () => reject(abortError(signal));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

