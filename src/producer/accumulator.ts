/**
 * The record accumulator: per topic-partition, a queue of batches; records are appended to the
 * last open batch of their partition until it is full (`batchSize`), then a new one is started.
 * The sender drains the first batch of each partition (see sender.ts).
 *
 * Memory: every batch reserves buffer memory when it starts: `batchSize` bytes, or the record's
 * size when one record is larger. A batch whose records outgrow the reservation (with compression
 * the size limit applies to the estimated compressed size, so the uncompressed bytes may exceed
 * `batchSize`) reserves more, doubling as its buffer does, or else is sealed so that the record
 * starts a new batch. The reservation is released when the batch is done. So `usedMemory` is an
 * upper bound of the bytes the batches' buffers hold, and never exceeds `bufferMemory`.
 */
import type { TopicMetadata } from '../cluster/metadata.js';
import type { KafkaError } from '../protocol/errors.js';
import { CompressionType } from '../compression/index.js';
import { BATCH } from '../records/constants.js';
import { ProducerBatch, type BatchSettings, type RecordMetadata, type SendCompletion } from './batch.js';
import { StickyPartitioner } from './partitioner.js';
import type { ProducerHeader } from './serializers.js';
import { PartitionSequences } from './transaction-manager.js';

/** The smallest buffer a batch builder allocates (header plus a little). */
const MIN_BATCH_BUFFER = BATCH.headerSize + 64;

/** How the estimated compression ratio of a topic moves after each batch (as the Java client). */
const RATIO_DETERIORATE_STEP = 0.05;
const RATIO_IMPROVE_STEP = 0.005;

export interface AccumulatorSettings {
  readonly batchSize: number;
  readonly bufferMemory: number;
  readonly lingerMs: number;
  readonly compression: CompressionType;
  readonly compressionLevel: number | undefined;
  readonly idempotent: boolean;
  /** Called when a batch became ready to send (full or sealed) or one was created with linger 0. */
  readonly onBatchReady: () => void;
  /** Called when a batch was created, with the time it becomes ready by linger. */
  readonly onBatchCreated: (readyAt: number) => void;
}

export class PartitionQueue {
  /** Batches in send order; only the last may be open. */
  readonly batches: ProducerBatch[] = [];
  /** Idempotence state, when the producer is idempotent. */
  readonly sequences: PartitionSequences | null;
  /** While positive, nothing is drained (a refused batch is being rebuilt at the front). */
  holds = 0;
  /** Records appended to this partition so far (numbers the batches' first records). */
  appended = 0;
  /** Batches of this partition in requests awaiting a response. */
  inFlight = 0;

  constructor(
    readonly topic: TopicState,
    readonly partition: number,
    idempotent: boolean,
  ) {
    this.sequences = idempotent ? new PartitionSequences() : null;
  }

  get name(): string {
    return `${this.topic.name}-${this.partition}`;
  }
}

export class TopicState {
  readonly queues: (PartitionQueue | undefined)[] = [];
  /** The cached metadata entry this state was computed from. */
  metadata: TopicMetadata | undefined = undefined;
  /** The metadata cache's `updatedAt` when it was last looked at for this topic. */
  metadataCheckedAt: number | null = -1;
  partitionCount = 0;
  /** Partitions with a leader, ascending. */
  available: number[] = [];
  readonly sticky: StickyPartitioner;
  /** Estimated compressed / uncompressed size of this topic's batches. */
  compressionRatio = 1;
  /** Sends of this topic waiting (for metadata or memory), so that later ones queue behind them. */
  waiting = 0;
  /** A metadata request for this topic is in flight or scheduled. */
  fetchingMetadata = false;
  metadataFailures = 0;
  /** `performance.now()` before which the topic's metadata is not asked for again. */
  nextMetadataAt = 0;
  /** Why the last metadata request for this topic failed, or null. */
  metadataError: KafkaError | null = null;

  constructor(
    readonly name: string,
    batchSize: number,
  ) {
    this.sticky = new StickyPartitioner(Math.max(1, batchSize));
  }

  /** Takes a new metadata entry (when the cache holds a different object). */
  updateMetadata(entry: TopicMetadata | undefined): void {
    if (entry === this.metadata) return;
    this.metadata = entry;
    if (entry === undefined || entry.errorCode !== 0) {
      this.partitionCount = 0;
      this.available = [];
      return;
    }
    this.partitionCount = entry.partitions.length;
    this.available = entry.partitions.filter((partition) => partition.leader >= 0).map((partition) => partition.partition);
  }

  /** Whether records can be given partitions: metadata with at least one partition. */
  get ready(): boolean {
    return this.partitionCount > 0;
  }
}

export class RecordAccumulator {
  readonly topics = new Map<string, TopicState>();
  /** Partitions that have batches. */
  readonly nonEmpty = new Set<PartitionQueue>();
  usedMemory = 0;
  /** Batches not yet done (queued or in flight). */
  incompleteBatches = 0;

  private readonly batchSettings: BatchSettings;
  /** Buffers of finished batches, for new ones (all of `poolableSize` bytes). */
  private readonly pool: Buffer[] = [];
  private pooledBytes = 0;
  private readonly poolableSize: number;

  constructor(private readonly settings: AccumulatorSettings) {
    this.poolableSize = Math.max(settings.batchSize, MIN_BATCH_BUFFER);
    this.batchSettings = { compression: settings.compression, compressionLevel: settings.compressionLevel, writeLimit: Math.max(1, settings.batchSize) };
  }

  get availableMemory(): number {
    return this.settings.bufferMemory - this.usedMemory;
  }

  topic(name: string): TopicState {
    let state = this.topics.get(name);
    if (state === undefined) {
      state = new TopicState(name, this.settings.batchSize);
      this.topics.set(name, state);
    }
    return state;
  }

  queue(topic: TopicState, partition: number): PartitionQueue {
    let queue = topic.queues[partition];
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition, this.settings.idempotent);
      topic.queues[partition] = queue;
    }
    return queue;
  }

  /**
   * Appends a record to its partition's last batch or a new one. Returns the send's promise, or
   * null when a new batch is needed and the buffer memory is short, or new batches are not
   * allowed now (`allowNewBatch` false: earlier sends wait for memory); nothing changed then.
   * `size` is the record's size upper bound.
   */
  append(
    queue: PartitionQueue,
    key: Uint8Array | string | null,
    keyLength: number,
    value: Uint8Array | string | null,
    valueLength: number,
    headers: readonly ProducerHeader[] | undefined,
    timestamp: number,
    size: number,
    completion: SendCompletion | null,
    allowNewBatch: boolean,
  ): Promise<RecordMetadata> | null {
    const batches = queue.batches;
    const last = batches.length === 0 ? undefined : batches[batches.length - 1]!;
    if (last !== undefined && !last.sealed) {
      if (last.hasRoom(size) && (last.neededFor(size) <= last.reservedBytes || this.coverGrowth(last, size))) {
        queue.appended++;
        return last.append(key, keyLength, value, valueLength, headers, timestamp, completion);
      }
      last.sealed = true;
      this.settings.onBatchReady();
    }
    const reserve = Math.max(this.settings.batchSize, BATCH.headerSize + size, MIN_BATCH_BUFFER);
    if (!allowNewBatch || this.usedMemory + reserve > this.settings.bufferMemory) return null;
    const buffer = this.allocate(reserve);
    this.incompleteBatches++;
    const now = performance.now();
    const batch = new ProducerBatch(queue.topic.name, queue.partition, queue.appended, this.batchSettings, queue.topic.compressionRatio, buffer, now);
    batches.push(batch);
    this.nonEmpty.add(queue);
    queue.appended++;
    const promise = batch.append(key, keyLength, value, valueLength, headers, timestamp, completion);
    if (this.settings.lingerMs === 0 || batches.length > 1) this.settings.onBatchReady();
    else this.settings.onBatchCreated(now + this.settings.lingerMs);
    return promise;
  }

  /**
   * Grows a batch's buffer (doubling) to hold `size` more bytes, reserving the memory for it;
   * false when that memory is not available (the batch is then sealed instead).
   */
  private coverGrowth(batch: ProducerBatch, size: number): boolean {
    const needed = batch.neededFor(size);
    let capacity = batch.reservedBytes;
    while (capacity < needed) capacity *= 2;
    const extra = capacity - batch.reservedBytes;
    if (this.usedMemory + extra > this.settings.bufferMemory) return false;
    this.usedMemory += extra;
    this.trimPool();
    batch.grow(capacity);
    return true;
  }

  /** Whether the partition's last batch cannot take another record of `size` bytes. */
  lastBatchFull(queue: PartitionQueue, size: number): boolean {
    const last = queue.batches[queue.batches.length - 1];
    return last === undefined || !last.hasRoom(size);
  }

  /** Seals the partition's last batch (no more appends; ready to send). */
  sealLast(queue: PartitionQueue): void {
    const last = queue.batches[queue.batches.length - 1];
    if (last !== undefined && !last.sealed) {
      last.sealed = true;
      this.settings.onBatchReady();
    }
  }

  /** Removes the first batch of a partition (drained into a request). */
  takeFirst(queue: PartitionQueue): ProducerBatch {
    const batch = queue.batches.shift()!;
    if (queue.batches.length === 0) this.nonEmpty.delete(queue);
    return batch;
  }

  /**
   * Puts a batch back for a retry, or the batches a refused batch was rebuilt into, in record
   * order: a partition's queue stays sorted by `firstRecord`, so retries go out in their original
   * order (and in sequence order, which follows record order).
   */
  requeue(queue: PartitionQueue, batch: ProducerBatch): void {
    const batches = queue.batches;
    let index = 0;
    while (index < batches.length && batches[index]!.firstRecord < batch.firstRecord) index++;
    batches.splice(index, 0, batch);
    this.nonEmpty.add(queue);
  }

  /** Inserts the parts of a rebuilt batch (in order), each holding its own memory reservation. */
  insertParts(queue: PartitionQueue, parts: readonly ProducerBatch[]): void {
    for (const part of parts) {
      this.usedMemory += part.reservedBytes;
      this.incompleteBatches++;
      this.requeue(queue, part);
    }
    this.trimPool();
  }

  /** Removes a queued batch (expired or failed while queued). */
  remove(queue: PartitionQueue, batch: ProducerBatch): void {
    const index = queue.batches.indexOf(batch);
    if (index >= 0) queue.batches.splice(index, 1);
    if (queue.batches.length === 0) this.nonEmpty.delete(queue);
  }

  /**
   * A buffer of `size` bytes for a new batch, accounted as used: a pooled one when `size` is the
   * batch size, else new (pooled buffers are dropped first if together they would exceed
   * `bufferMemory`: used plus pooled never does). The caller checked that `size` is available.
   */
  private allocate(size: number): Buffer {
    this.usedMemory += size;
    if (size === this.poolableSize) {
      const pooled = this.pool.pop();
      if (pooled !== undefined) {
        this.pooledBytes -= size;
        return pooled;
      }
    }
    this.trimPool();
    return Buffer.allocUnsafe(size);
  }

  /** Drops pooled buffers while used and pooled memory together exceed `bufferMemory`. */
  private trimPool(): void {
    while (this.usedMemory + this.pooledBytes > this.settings.bufferMemory && this.pool.length > 0) {
      this.pool.pop();
      this.pooledBytes -= this.poolableSize;
    }
  }

  /**
   * Releases a finished batch's memory: its buffer goes back to the pool when it has the batch
   * size (as Java's BufferPool keeps batch.size buffers), saving an allocation (and the garbage
   * collector the work) per batch.
   */
  deallocate(batch: ProducerBatch): void {
    this.usedMemory -= batch.reservedBytes;
    batch.reservedBytes = 0;
    this.incompleteBatches--;
    const memory = batch.releaseMemory();
    if (memory !== null && memory.length === this.poolableSize && this.usedMemory + this.pooledBytes + memory.length <= this.settings.bufferMemory) {
      this.pool.push(memory);
      this.pooledBytes += memory.length;
    }
  }

  /** Updates a topic's compression estimate from a closed batch (fast up, slow down, as Java). */
  observeCompression(topic: TopicState, ratio: number): void {
    if (this.settings.compression === CompressionType.None) return;
    if (ratio > topic.compressionRatio) topic.compressionRatio = Math.max(topic.compressionRatio + RATIO_DETERIORATE_STEP, ratio);
    else if (ratio < topic.compressionRatio) topic.compressionRatio = Math.max(topic.compressionRatio - RATIO_IMPROVE_STEP, ratio);
  }

  /** Every batch not yet done, queued or sealed (for flush and close). */
  *queuedBatches(): Iterable<ProducerBatch> {
    for (const queue of this.nonEmpty) yield* queue.batches;
  }
}
