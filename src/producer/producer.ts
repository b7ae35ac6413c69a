/**
 * `KafkaProducer`: sends records to Kafka, batched per partition, with the Java producer's
 * semantics (see DESIGN.md, "Producer").
 *
 *     const producer = new KafkaProducer({ bootstrapServers: 'localhost:9092', valueSerializer: 'string' });
 *     const { partition, offset } = await producer.send('orders', { key: Buffer.from('k1'), value: 'hello' });
 *     await producer.close();
 *
 * `send` serializes the record, picks its partition and appends it to that partition's open batch
 * at once when it can; the promise resolves when the broker acknowledged the batch. It waits (up
 * to `maxBlockMs`) only for metadata of a topic seen for the first time or for buffer memory.
 *
 * Failed sends never cause unhandled rejections: a send's promise gets a no-op rejection handler
 * before it is rejected, so ignoring the promise of a fire-and-forget send is safe. Failures are
 * also logged (one line per failed batch, at warn) and counted in `metrics()`.
 */
import { Cluster } from '../cluster/cluster.js';
import { backoffDelay } from '../cluster/timing.js';
import { KafkaBufferExhaustedError, KafkaError, KafkaInvalidArgumentError, KafkaProtocolError, KafkaStateError, KafkaTimeoutError, abortError, errorInfo } from '../protocol/errors.js';
import { BATCH } from '../records/constants.js';
import { toCompressionType } from '../compression/index.js';
import { RecordAccumulator, type PartitionQueue, type TopicState } from './accumulator.js';
import { newCompletion, rejectQuietly, type ProducerBatch, type RecordMetadata, type SendCompletion } from './batch.js';
import { KafkaRecordTooLargeToSendError } from './errors.js';
import { ProducerCounters, type ProducerMetrics } from './metrics.js';
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js';
import { partitionInfo, type PartitionInfo } from '../cluster/partition-info.js';
import { partitionForKey, type Partitioner } from './partitioner.js';
import { Sender, asKafkaError } from './sender.js';
import { byteLength, normalizeHeaders, type Serializer, type SerializerFunction, recordSizeUpperBound, resolveSerializer, type ProducerHeader, type ProducerHeaders, type SerializeFn } from './serializers.js';
import { TransactionManager } from './transaction-manager.js';
import { WaitingSend, WaitingSends, type WaitReason } from './waiting-sends.js';

const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** A record to send. */
export interface ProducerRecord<K = Buffer, V = Buffer> {
  /** The key (serialized by `keySerializer`); none when absent or null. */
  key?: K | null;
  /** The value (serialized by `valueSerializer`); null is a tombstone. */
  value: V | null;
  headers?: ProducerHeaders;
  /** The partition; default: chosen by the partitioner. */
  partition?: number;
  /** Milliseconds since the epoch (CreateTime); default now. */
  timestamp?: number;
}

export interface ProducerSendOptions {
  /**
   * Aborts the send while it still waits for buffer memory or metadata. Once the record is in a
   * batch it cannot be taken back, and the signal no longer has an effect.
   */
  signal?: AbortSignal;
}

export interface ProducerCloseOptions {
  /**
   * How long to wait for the records already sent to be delivered (default: until each succeeds
   * or reaches its `deliveryTimeoutMs`). What remains after that fails with `KafkaStateError`.
   * 0 fails everything not yet delivered at once.
   */
  timeoutMs?: number;
}

export type { RecordMetadata } from './batch.js';

function rejected(error: KafkaError): Promise<RecordMetadata> {
  const promise = Promise.reject(error);
  promise.catch(() => {});
  return promise;
}

class KafkaProducerImpl<K = Buffer, V = Buffer> {
  private readonly options: ResolvedProducerOptions;
  private readonly cluster: Cluster;
  private readonly accumulator: RecordAccumulator;
  private readonly transactions: TransactionManager;
  private readonly sender: Sender;
  private readonly counters = new ProducerCounters();
  private readonly serializeKey: SerializeFn;
  private readonly serializeValue: SerializeFn;
  private readonly partitioner: Partitioner<unknown, unknown> | null;
  private readonly waiting = new WaitingSends();
  /** Waiting sends hold back new batches (memory is granted in call order). */
  private memoryShort = false;
  private processing = false;
  private processAgain = false;
  private waitTimer: NodeJS.Timeout | null = null;
  private waitTimerDue = Infinity;
  private readonly metadataTimers = new Set<NodeJS.Timeout>();
  private flushing = 0;
  private closing: Promise<void> | null = null;

  /** The topic of the last send (most sends go to the topic of the one before). */
  private lastTopic: TopicState | null = null;
  /** Validates the options (throws `KafkaConfigError` naming the key); connects lazily. */
  constructor(options: ProducerOptions<K, V>) {
    this.options = resolveProducerOptions(options);
    this.cluster = new Cluster(this.options);
    for (const note of this.options.notes) this.cluster.logger[note.level](note.message);
    this.serializeKey = resolveSerializer(this.options.keySerializer, 'key');
    this.serializeValue = resolveSerializer(this.options.valueSerializer, 'value');
    this.partitioner = this.options.partitioner;
    const host = {
      cluster: this.cluster,
      logger: this.cluster.logger,
      options: this.options,
      counters: this.counters,
      wake: () => this.sender.wake(),
      forceReady: () => this.flushing > 0 || this.closing !== null || this.memoryShort,
      batchDone: (batch: ProducerBatch) => this.batchDone(batch),
    };
    this.transactions = new TransactionManager(host, this.options.idempotent);
    this.accumulator = new RecordAccumulator({
      batchSize: this.options.batchSize,
      bufferMemory: this.options.bufferMemory,
      lingerMs: this.options.lingerMs,
      compression: toCompressionType(this.options.compressionType),
      compressionLevel: this.options.compressionLevel,
      idempotent: this.options.idempotent,
      onBatchReady: () => this.sender.wake(),
      onBatchCreated: (readyAt) => this.sender.wakeAt(readyAt),
    });
    this.sender = new Sender({ ...host, accumulator: this.accumulator, transactions: this.transactions });
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /**
   * Sends a record. Resolves with its topic, partition, offset and timestamp once the broker has
   * acknowledged it (acks=0: once written, offset -1); rejects with a `KafkaError`: the broker's
   * error as a `KafkaProtocolError` naming topic and partition, `KafkaDeliveryTimeoutError`,
   * `KafkaBufferExhaustedError` or `KafkaTimeoutError` (waited `maxBlockMs` for memory or
   * metadata), `KafkaRecordTooLargeToSendError`, `KafkaInvalidArgumentError`, `KafkaAbortError`.
   */
  send(topic: string, record: ProducerRecord<K, V>, options?: ProducerSendOptions): Promise<RecordMetadata> {
    if (this.closing !== null) return rejected(new KafkaStateError('the producer is closed'));
    const idempotence = this.transactions.state;
    if (idempotence !== 'ready' && idempotence !== 'disabled') {
      if (idempotence === 'fatal') return rejected(this.transactions.fatalError!);
      // The producer id is fetched alongside the first send's metadata.
      this.transactions.ensureProducerId();
    }
    const signal = options?.signal;
    if (signal?.aborted) return rejected(abortError(signal));
    if (typeof topic !== 'string' || topic.length === 0) return rejected(new KafkaInvalidArgumentError('topic must be a non-empty string'));
    if (typeof record !== 'object' || record === null) return rejected(new KafkaInvalidArgumentError('the record must be an object { key?, value, headers?, partition?, timestamp? }'));

    let headers: ProducerHeader[] | undefined;
    let key: Buffer | Uint8Array | string | null;
    let value: Buffer | Uint8Array | string | null;
    let keyLength: number;
    let valueLength: number;
    let timestamp: number;
    let partition = -1;
    let size: number;
    try {
      headers = record.headers === undefined ? undefined : normalizeHeaders(record.headers);
      key = this.serializeKey(record.key, topic, headers);
      value = this.serializeValue(record.value, topic, headers);
      if (record.timestamp === undefined || record.timestamp === null) {
        timestamp = Date.now();
      } else {
        timestamp = record.timestamp;
        if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new KafkaInvalidArgumentError(`timestamp must be a non-negative safe integer (ms), got ${String(timestamp)}`);
      }
      if (record.partition !== undefined && record.partition !== null) {
        partition = record.partition;
        if (!Number.isInteger(partition) || partition < 0) throw new KafkaInvalidArgumentError(`partition must be a non-negative integer, got ${String(partition)}`);
      }
      keyLength = byteLength(key);
      valueLength = byteLength(value);
      size = recordSizeUpperBound(keyLength, valueLength, headers);
    } catch (error) {
      return rejected(asKafkaError(error));
    }
    const total = BATCH.headerSize + size;
    if (total > this.options.maxRequestSize || total > this.options.bufferMemory) {
      const limit = total > this.options.maxRequestSize ? `maxRequestSize (${this.options.maxRequestSize})` : `bufferMemory (${this.options.bufferMemory})`;
      return rejected(new KafkaRecordTooLargeToSendError(`the record is ${total} bytes when serialized, larger than ${limit}`, topic, partition < 0 ? undefined : partition));
    }

    let state = this.lastTopic;
    if (state === null || state.name !== topic) {
      state = this.accumulator.topic(topic);
      this.lastTopic = state;
    }
    const metadata = this.cluster.metadata;
    if (state.metadataCheckedAt !== metadata.updatedAt) {
      state.metadataCheckedAt = metadata.updatedAt;
      state.updateMetadata(metadata.topic(topic));
    }
    let reason: WaitReason | null = null;
    if (state.waiting === 0) {
      try {
        const appended = this.appendRecord(state, key, keyLength, value, valueLength, headers, timestamp, size, partition, record.key, record.value, null, !this.memoryShort);
        if (typeof appended !== 'string') return appended;
        reason = appended;
      } catch (error) {
        return rejected(asKafkaError(error));
      }
    }
    // It waits behind earlier sends of its topic, or for what it lacks. The list is processed when
    // that changes (metadata arrives, memory is released), not per send.
    const completion = newCompletion();
    const entry = new WaitingSend(state, key, keyLength, value, valueLength, headers, timestamp, size, partition, record.key, record.value, completion, performance.now() + this.options.maxBlockMs, signal, this.onWaitAborted);
    this.waiting.push(entry);
    this.armWaitTimer();
    if (reason === 'metadata') {
      this.fetchTopicMetadata(state);
    } else if (reason === 'memory') {
      entry.reason = 'memory';
      if (!this.memoryShort) {
        this.memoryShort = true;
        this.sender.wake();
      }
    }
    return completion.promise;
  }

  /**
   * Appends a record to its partition, choosing the partition if needed. Returns the send's
   * promise, or why it has to wait: 'metadata' (no partitions known, or not the one asked for)
   * or 'memory'.
   */
  private appendRecord(
    state: TopicState,
    key: Buffer | Uint8Array | string | null,
    keyLength: number,
    value: Buffer | Uint8Array | string | null,
    valueLength: number,
    headers: ProducerHeader[] | undefined,
    timestamp: number,
    size: number,
    explicitPartition: number,
    originalKey: unknown,
    originalValue: unknown,
    completion: SendCompletion | null,
    allowNewBatch: boolean,
  ): Promise<RecordMetadata> | 'metadata' | 'memory' {
    if (!state.ready) return 'metadata';
    const count = state.partitionCount;
    let partition = explicitPartition;
    let sticky = false;
    if (partition >= 0) {
      if (partition >= count) return 'metadata';
    } else if (this.partitioner !== null) {
      partition = this.customPartition(state, key, value, originalKey, originalValue);
    } else if (key !== null && !this.options.partitionerIgnoreKeys) {
      partition = partitionForKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key, count);
    } else {
      partition = state.sticky.partition(state.available, count);
      sticky = true;
    }
    const queue = this.accumulator.queue(state, partition);
    const promise = this.accumulator.append(queue, key, keyLength, value, valueLength, headers, timestamp, size, completion, allowNewBatch);
    if (promise === null) return 'memory';
    if (sticky) this.afterStickyAppend(state, queue, size);
    return promise;
  }

  private customPartition(state: TopicState, key: Buffer | Uint8Array | string | null, value: Buffer | Uint8Array | string | null, originalKey: unknown, originalValue: unknown): number {
    const partitions = state.metadata!.partitions.map((entry) => partitionInfo(state.name, entry));
    const chosen = this.partitioner!({
      topic: state.name,
      key: originalKey,
      keyBytes: toBuffer(key),
      value: originalValue,
      valueBytes: toBuffer(value),
      partitions,
      availablePartitions: partitions.filter((entry) => entry.leader !== null),
    });
    if (!Number.isInteger(chosen) || chosen < 0 || chosen >= state.partitionCount) {
      throw new KafkaInvalidArgumentError(`the partitioner returned ${String(chosen)} for topic ${state.name}, which has ${state.partitionCount} partitions`);
    }
    return chosen;
  }

  /** KIP-794: after enough bytes went to the sticky partition (and its batch is full), move on. */
  private afterStickyAppend(state: TopicState, queue: PartitionQueue, size: number): void {
    const decision = state.sticky.appended(size);
    if (decision === 'stay') return;
    const full = this.accumulator.lastBatchFull(queue, size);
    if (decision === 'if-full' && !full) return;
    if (full) this.accumulator.sealLast(queue);
    if (this.options.partitionerAdaptivePartitioningEnable) {
      const lengths = state.available.map((partition) => state.queues[partition]?.batches.length ?? 0);
      state.sticky.updateLoad(state.available, lengths);
    } else {
      state.sticky.updateLoad(null, null);
    }
    state.sticky.switchPartition(state.available, state.partitionCount);
  }

  // ---- waiting sends ----

  /** Appends waiting sends, in order, as far as metadata and memory allow. */
  private processWaiting(): void {
    if (this.processing) {
      this.processAgain = true;
      return;
    }
    this.processing = true;
    try {
      do {
        this.processAgain = false;
        this.processWaitingOnce();
      } while (this.processAgain);
    } finally {
      this.processing = false;
    }
  }

  private processWaitingOnce(): void {
    let blockedTopics: Set<TopicState> | null = null;
    let memoryShort = false;
    for (let entry = this.waiting.head; entry !== null; ) {
      const next = entry.next;
      const state = entry.topic;
      if (blockedTopics?.has(state)) {
        entry = next;
        continue;
      }
      state.updateMetadata(this.cluster.metadata.topic(state.name));
      let outcome: Promise<RecordMetadata> | 'metadata' | 'memory';
      try {
        outcome = this.appendRecord(state, entry.key, entry.keyLength, entry.value, entry.valueLength, entry.headers, entry.timestamp, entry.size, entry.partition, entry.originalKey, entry.originalValue, entry.completion, true);
      } catch (error) {
        this.waiting.remove(entry);
        rejectQuietly(entry.completion.promise, entry.completion.reject, asKafkaError(error));
        entry = next;
        continue;
      }
      if (typeof outcome !== 'string') {
        this.waiting.remove(entry);
      } else if (outcome === 'metadata') {
        entry.reason = 'metadata';
        (blockedTopics ??= new Set()).add(state);
        this.fetchTopicMetadata(state);
      } else {
        entry.reason = 'memory';
        memoryShort = true;
        break;
      }
      entry = next;
    }
    if (memoryShort && !this.memoryShort) this.sender.wake();
    this.memoryShort = memoryShort;
    this.armWaitTimer();
  }

  private readonly onWaitAborted = (entry: WaitingSend): void => {
    if (entry.settled) return;
    this.waiting.remove(entry);
    rejectQuietly(entry.completion.promise, entry.completion.reject, abortError(entry.signal!));
    this.processWaiting();
  };

  private armWaitTimer(): void {
    const head = this.waiting.head;
    if (head === null) {
      if (this.waitTimer !== null) clearTimeout(this.waitTimer);
      this.waitTimer = null;
      this.waitTimerDue = Infinity;
      return;
    }
    if (head.deadline >= this.waitTimerDue && this.waitTimer !== null) return;
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimerDue = head.deadline;
    this.waitTimer = setTimeout(this.onWaitTimer, Math.max(0, Math.ceil(head.deadline - performance.now())));
  }

  private readonly onWaitTimer = (): void => {
    this.waitTimer = null;
    this.waitTimerDue = Infinity;
    const now = performance.now();
    // Deadlines follow call order: expire from the head.
    for (let entry = this.waiting.head; entry !== null && entry.deadline <= now; ) {
      const next = entry.next;
      this.waiting.remove(entry);
      rejectQuietly(entry.completion.promise, entry.completion.reject, this.waitError(entry));
      entry = next;
    }
    this.processWaiting();
  };

  private waitError(entry: WaitingSend): KafkaError {
    const { maxBlockMs, bufferMemory } = this.options;
    const topic = entry.topic.name;
    if (entry.reason === 'memory') {
      return new KafkaBufferExhaustedError(
        `no buffer memory for a record to ${topic} within maxBlockMs (${maxBlockMs} ms): bufferMemory (${bufferMemory} bytes) is full of records not yet acknowledged`,
      );
    }
    const state = entry.topic;
    const metadata = state.metadata;
    if (metadata !== undefined && metadata.errorCode === 0 && entry.partition >= state.partitionCount) {
      return new KafkaProtocolError(
        UNKNOWN_TOPIC_OR_PARTITION,
        { topic, partition: entry.partition },
        `partition ${entry.partition} not present in metadata after ${maxBlockMs} ms (the topic has ${state.partitionCount} partitions)`,
      );
    }
    if (metadata !== undefined || state.metadataError === null) {
      return new KafkaProtocolError(metadata?.errorCode || UNKNOWN_TOPIC_OR_PARTITION, { topic }, `topic not present in metadata after ${maxBlockMs} ms`);
    }
    return new KafkaTimeoutError(`metadata of topic ${topic} not available after ${maxBlockMs} ms: ${state.metadataError.message}`, { cause: state.metadataError });
  }

  /** Fetches a topic's metadata (asking the broker to create it if allowed, as Java's producer does). */
  private fetchTopicMetadata(state: TopicState): void {
    if (state.fetchingMetadata || this.cluster.closed) return;
    state.fetchingMetadata = true;
    const wait = state.nextMetadataAt - performance.now();
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.metadataTimers.delete(timer);
        state.fetchingMetadata = false;
        this.fetchTopicMetadata(state);
      }, Math.ceil(wait));
      this.metadataTimers.add(timer);
      return;
    }
    this.cluster.addTopics([state.name]);
    this.cluster.fetchMetadata([state.name], { allowAutoTopicCreation: true, timeoutMs: this.options.requestTimeoutMs }).then(
      () => this.topicMetadataArrived(state, null),
      (error: unknown) => this.topicMetadataArrived(state, asKafkaError(error)),
    );
  }

  private topicMetadataArrived(state: TopicState, error: KafkaError | null): void {
    state.fetchingMetadata = false;
    if (this.cluster.closed) return;
    state.metadataError = error;
    state.updateMetadata(this.cluster.metadata.topic(state.name));
    const metadata = state.metadata;
    if (error === null && metadata !== undefined && metadata.errorCode !== 0 && !errorInfo(metadata.errorCode).retriable) {
      // The broker refuses the topic for good (authorization, invalid name): fail its waiting sends.
      const failure = new KafkaProtocolError(metadata.errorCode, { topic: state.name, apiName: 'Metadata' });
      for (const entry of [...this.waiting]) {
        if (entry.topic !== state) continue;
        this.waiting.remove(entry);
        rejectQuietly(entry.completion.promise, entry.completion.reject, failure);
      }
    }
    const usable = error === null && metadata !== undefined && metadata.errorCode === 0 && state.partitionCount > 0;
    state.metadataFailures = usable ? 0 : state.metadataFailures + 1;
    state.nextMetadataAt = performance.now() + backoffDelay(this.options.retryBackoffMs, this.options.retryBackoffMaxMs, Math.max(1, state.metadataFailures));
    this.processWaiting();
    this.sender.wake();
  }

  private batchDone(_batch: ProducerBatch): void {
    if (this.waiting.head !== null) this.processWaiting();
  }

  // ---- flush, close ----

  /**
   * Sends every buffered record now (ignoring `lingerMs`) and resolves when all records sent
   * before this call are done: acknowledged or failed (their own promises tell which).
   */
  async flush(): Promise<void> {
    if (this.closing !== null) throw new KafkaStateError('the producer is closed');
    this.flushing++;
    this.sender.wake();
    try {
      await this.everythingSent();
    } finally {
      this.flushing--;
    }
  }

  /** Resolves when the sends and batches existing now are done. */
  private everythingSent(): Promise<unknown> {
    const waits: Promise<unknown>[] = [];
    const settle = (): void => {};
    for (const entry of this.waiting) waits.push(entry.completion.promise.then(settle, settle));
    for (const batch of this.accumulator.queuedBatches()) waits.push(batch.whenDone());
    for (const batch of this.sender.inFlightBatches()) waits.push(batch.whenDone());
    return Promise.all(waits);
  }

  /**
   * Stops accepting sends, delivers what was sent (up to `timeoutMs`; what remains then fails
   * with `KafkaStateError`), and releases every connection and timer so the process can exit.
   * Calling it again returns the same promise.
   */
  close(options: ProducerCloseOptions = {}): Promise<void> {
    if (this.closing !== null) return this.closing;
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
      return Promise.reject(new KafkaInvalidArgumentError(`timeoutMs must be a non-negative number of milliseconds, got ${String(timeoutMs)}`));
    }
    this.closing = this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.sender.wake();
    const delivered = this.everythingSent();
    let finished = false;
    if (timeoutMs === Infinity) {
      await delivered;
      finished = true;
    } else if (timeoutMs > 0) {
      let timer: NodeJS.Timeout | null = null;
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.min(timeoutMs, 2 ** 31 - 1));
      });
      finished = await Promise.race([delivered.then(() => true), expired]);
      if (timer !== null) clearTimeout(timer);
    }
    if (!finished) {
      const error = new KafkaStateError('the producer was closed before the record was delivered');
      for (const entry of [...this.waiting]) {
        this.waiting.remove(entry);
        rejectQuietly(entry.completion.promise, entry.completion.reject, error);
      }
      this.sender.abortAll(error);
    }
    this.sender.stop();
    this.transactions.close();
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    for (const metadataTimer of this.metadataTimers) clearTimeout(metadataTimer);
    this.metadataTimers.clear();
    await this.cluster.close();
  }

  // ---- information ----

  /**
   * The partitions of a topic (waiting up to `maxBlockMs` for its metadata, creating it if the
   * cluster creates topics on demand).
   */
  async partitionsFor(topic: string, options: { signal?: AbortSignal } = {}): Promise<PartitionInfo[]> {
    if (this.closing !== null) throw new KafkaStateError('the producer is closed');
    if (typeof topic !== 'string' || topic.length === 0) throw new KafkaInvalidArgumentError('topic must be a non-empty string');
    const known = this.cluster.metadata.topic(topic);
    if (known === undefined || known.errorCode !== 0 || known.partitions.length === 0) {
      this.cluster.addTopics([topic]);
      await this.cluster.withRetries(
        async (attempt) => {
          await this.cluster.fetchMetadata([topic], { allowAutoTopicCreation: true, signal: attempt.signal, timeoutMs: attempt.requestTimeoutMs() });
          const entry = this.cluster.metadata.topic(topic);
          if (entry === undefined) throw new KafkaProtocolError(UNKNOWN_TOPIC_OR_PARTITION, { topic });
          if (entry.errorCode !== 0) throw new KafkaProtocolError(entry.errorCode, { topic });
          if (entry.partitions.length === 0) throw new KafkaProtocolError(UNKNOWN_TOPIC_OR_PARTITION, { topic }, 'the topic has no partitions yet');
        },
        { timeoutMs: Math.max(1, this.options.maxBlockMs), what: `metadata of topic ${topic}`, ...(options.signal ? { signal: options.signal } : {}) },
      );
    }
    return this.cluster.metadata.topic(topic)!.partitions.map((entry) => partitionInfo(topic, entry));
  }

  /** The producer's counters, as a plain object (a snapshot). */
  metrics(): ProducerMetrics {
    const counters = this.counters;
    const brokers = this.sender.brokerMetrics();
    return {
      recordsSent: counters.recordsSent,
      recordsErrored: counters.recordsErrored,
      recordsRetried: counters.recordsRetried,
      bytesSent: counters.bytesSent,
      batchesSent: counters.batchesSent,
      averageBatchSizeBytes: counters.batchesSent === 0 ? 0 : counters.bytesSent / counters.batchesSent,
      averageRecordsPerBatch: counters.batchesSent === 0 ? 0 : counters.recordsSent / counters.batchesSent,
      compressionRatio: counters.uncompressedRecordBytes === 0 ? 1 : counters.compressedRecordBytes / counters.uncompressedRecordBytes,
      bufferTotalBytes: this.options.bufferMemory,
      bufferAvailableBytes: this.accumulator.availableMemory,
      waitingSends: this.waiting.count,
      incompleteBatches: this.accumulator.incompleteBatches,
      inFlightRequests: this.sender.inFlightRequests,
      producerId: this.transactions.producerId,
      producerEpoch: this.transactions.producerEpoch,
      brokers,
    };
  }
}

/** The key (or value) type a serializer option takes: 'string' -> string, a function -> its input. */
export type Serializable<S> = S extends 'buffer'
  ? Buffer
  : S extends 'string'
    ? string
    : S extends 'json'
      ? unknown
      : S extends Serializer<infer T>
        ? T
        : S extends SerializerFunction<infer T>
          ? T
          : Buffer;
type KeyOf<O> = O extends { keySerializer: infer S } ? Serializable<S> : Buffer;
type ValueOf<O> = O extends { valueSerializer: infer S } ? Serializable<S> : Buffer;

export interface KafkaProducerConstructor {
  /** Key and value types inferred from the serializer options ('string' -> string, a function -> its input). */
  new <const O extends ProducerOptions<never, never>>(options: O): KafkaProducerImpl<KeyOf<O>, ValueOf<O>>;
  /** Key and value types given explicitly: `new KafkaProducer<string, Order>({ ... })`. */
  new <K = Buffer, V = Buffer>(options: ProducerOptions<K, V>): KafkaProducerImpl<K, V>;
  readonly prototype: KafkaProducerImpl<unknown, unknown>;
}

/** The producer (see the module comment). */
export const KafkaProducer = KafkaProducerImpl as KafkaProducerConstructor;
export type KafkaProducer<K = Buffer, V = Buffer> = KafkaProducerImpl<K, V>;

function toBuffer(bytes: Buffer | Uint8Array | string | null): Buffer | null {
  if (bytes === null) return null;
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

