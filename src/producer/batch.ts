/**
 * `ProducerBatch`: the records of one partition that travel together in one record batch, with
 * the promise of every `send` that put a record in it.
 *
 * A batch is open while records are appended (straight into its `BatchWriter`), sealed when it is
 * full or drained into a request, and closed (compressed, checksummed) once, when first drained,
 * with the producer id, epoch and base sequence assigned at that moment (as the Java client
 * does); a retry sends the same bytes again. After an epoch bump or a renumbering the new values
 * are written into the closed bytes and the CRC redone.
 */
import { isPromiseLike } from '../compression/registry.js';
import { CompressionType } from '../compression/types.js';
import { KafkaError, KafkaStateError } from '../protocol/errors.js';
import { BATCH } from '../records/constants.js';
import { crc32c } from '../records/crc.js';
import { BatchWriter, writeProducerState } from './batch-writer.js';
import type { ProducerHeader } from './serializers.js';

/** Where a record was written: what `send` resolves with. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset; -1 with acks=0 or when the broker reported a duplicate it no longer had the offset of. */
  readonly offset: number;
  /** The broker's LogAppendTime when the topic uses it, else the record's timestamp. */
  readonly timestamp: number;
}

class DeliveredRecord implements RecordMetadata {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
  ) {}
}

type Resolve = (metadata: RecordMetadata) => void;
type Reject = (error: KafkaError) => void;

const ignore = (): void => {};

/** As the record layer (and the Java client), compressed size estimates are padded by 5%. */
const COMPRESSION_ESTIMATE_FACTOR = 1.05;

let capturedResolve: Resolve = ignore;
let capturedReject: Reject = ignore;
/** One executor for every send promise, so that no closure is made per record. */
function capture(resolve: Resolve, reject: Reject): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** A send's promise and its settle functions. */
export interface SendCompletion {
  readonly promise: Promise<RecordMetadata>;
  readonly resolve: Resolve;
  readonly reject: Reject;
}

export function newCompletion(): SendCompletion {
  const promise = new Promise<RecordMetadata>(capture);
  return { promise, resolve: capturedResolve, reject: capturedReject };
}

/**
 * Rejects a send's promise without ever causing an unhandled rejection: a handler that ignores
 * the error is attached first. Callers who await or chain the promise still see the rejection.
 */
export function rejectQuietly(promise: Promise<RecordMetadata>, reject: Reject, error: KafkaError): void {
  promise.catch(ignore);
  reject(error);
}

/** How a partition's batches are written. */
export interface BatchSettings {
  readonly compression: CompressionType;
  readonly compressionLevel: number | undefined;
  /** The batch size (`batchSize`, at least 1). */
  readonly writeLimit: number;
}

export class ProducerBatch {
  /** Null once closed. */
  private writer: BatchWriter | null;
  /** The buffer written into, until released for reuse. */
  private memory: Buffer | null;
  /** The closed batch, or null. */
  bytes: Buffer | null = null;
  private closing: Promise<Buffer> | null = null;
  recordCount = 0;
  /** Per record: its send's promise, resolve and reject, three entries each (one array grows, not three). */
  private readonly sends: unknown[] = [];
  /** The first record's timestamp, which every record has until `timestamps` is needed. */
  private commonTimestamp = 0;
  /** Per record timestamps, made only once two records differ (records sent within a millisecond share one). */
  private timestamps: number[] | null = null;
  /** `performance.now()` at creation (delivery timeout and linger count from here). */
  readonly createdAt: number;
  /** Times sent. */
  attempts = 0;
  /** `performance.now()` before which a retry is not sent. */
  retryAt = 0;
  /** No more appends (full, drained, or its partition switched away). */
  sealed = false;
  /** Completed or failed: every promise settled. */
  done = false;
  /** In a Produce request awaiting its response. */
  inRequest = false;
  /** The error of the last failed attempt. */
  lastError: KafkaError | null = null;
  /** An attempt failed without an answer (connection lost, timeout): the broker may have written it. */
  ambiguous = false;
  /** Bytes of buffer memory this batch holds: its writer's buffer. */
  reservedBytes: number;
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  /** What the closed bytes hold, to know when they must be rewritten. */
  private writtenId = -1;
  private writtenEpoch = -1;
  private writtenSequence = -1;
  private doneWaiters: (() => void)[] | null = null;
  /** Uncompressed size of the records section, known once closed. */
  uncompressedSize = 0;
  compressionRatio = 1;
  /** The factor from uncompressed to estimated size: the topic's compression ratio padded by 5% (1 without compression). */
  private readonly sizeFactor: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /**
     * The position of its first record among all records appended to the partition: batches are
     * kept (and retried, and rebuilt) in this order, which is the order of the sends.
     */
    readonly firstRecord: number,
    private readonly settings: BatchSettings,
    /** The topic's estimated compression ratio. */
    compressionRatio: number,
    /** The buffer to write into: its size is the memory reservation. */
    buffer: Buffer,
    now: number,
  ) {
    this.writer = new BatchWriter(buffer);
    this.memory = buffer;
    this.reservedBytes = buffer.length;
    this.sizeFactor = settings.compression === CompressionType.None ? 1 : compressionRatio * COMPRESSION_ESTIMATE_FACTOR;
    this.createdAt = now;
  }

  /** Bytes of the batch if it were closed now (an estimate when compressed). */
  estimatedSize(): number {
    if (this.bytes !== null) return this.bytes.length;
    const written = this.writtenBytes;
    return BATCH.headerSize + (this.sizeFactor === 1 ? written : Math.ceil(written * this.sizeFactor));
  }

  /** Bytes of the records section written so far (uncompressed). */
  get writtenBytes(): number {
    return this.writer === null ? this.uncompressedSize : this.writer.recordsSize;
  }

  /**
   * Whether one more record of `size` bytes (its upper bound) fits under the batch size (an
   * empty batch always has room; compressed sizes are estimated with the topic's ratio padded by
   * 5%, as the Java client does).
   */
  hasRoom(size: number): boolean {
    const writer = this.writer;
    if (this.sealed || writer === null) return false;
    if (this.recordCount === 0) return true;
    const written = writer.recordsSize + size;
    return BATCH.headerSize + (this.sizeFactor === 1 ? written : Math.ceil(written * this.sizeFactor)) <= this.settings.writeLimit;
  }

  /** Bytes the buffer must hold to append a record of `size` bytes (upper bound). */
  neededFor(size: number): number {
    return BATCH.headerSize + this.writtenBytes + size;
  }

  /** Grows the buffer (the caller reserved the memory). */
  grow(capacity: number): void {
    this.writer!.grow(capacity);
    this.memory = this.writer!.memory;
    this.reservedBytes = this.writer!.capacity;
  }

  /**
   * Gives back the buffer the batch was written into, for reuse, once the batch is done; the
   * batch's bytes are forgotten (they may be a view of it), so a mistaken later use fails loudly.
   */
  releaseMemory(): Buffer | null {
    const memory = this.memory;
    this.memory = null;
    this.bytes = null;
    this.writer = null;
    return memory;
  }

  /**
   * Appends one record and returns its send promise. The caller checked `hasRoom` and that the
   * buffer holds `neededFor(size)` bytes.
   */
  append(
    key: Uint8Array | string | null,
    keyLength: number,
    value: Uint8Array | string | null,
    valueLength: number,
    headers: readonly ProducerHeader[] | undefined,
    timestamp: number,
    completion: SendCompletion | null,
  ): Promise<RecordMetadata> {
    this.writer!.append(key, keyLength, value, valueLength, headers, timestamp);
    const index = this.recordCount++;
    if (index === 0) {
      this.commonTimestamp = timestamp;
    } else if (this.timestamps !== null) {
      this.timestamps.push(timestamp);
    } else if (timestamp !== this.commonTimestamp) {
      const timestamps = new Array<number>(index).fill(this.commonTimestamp);
      timestamps.push(timestamp);
      this.timestamps = timestamps;
    }
    if (completion === null) {
      const promise = new Promise<RecordMetadata>(capture);
      this.sends.push(promise, capturedResolve, capturedReject);
      return promise;
    }
    this.sends.push(completion.promise, completion.resolve, completion.reject);
    return completion.promise;
  }

  /** Whether the batch is closed. */
  get isClosed(): boolean {
    return this.bytes !== null;
  }

  /**
   * Closes the batch (compresses it, writes header and CRC with the current producer id, epoch
   * and base sequence). The result is a promise only if the codec is asynchronous. Idempotent.
   */
  close(): Buffer | Promise<Buffer> {
    if (this.bytes !== null) return this.bytes;
    if (this.closing !== null) return this.closing;
    const writer = this.writer;
    if (writer === null) throw new KafkaStateError('batch closed without bytes');
    this.sealed = true;
    this.uncompressedSize = writer.recordsSize;
    const { producerId, producerEpoch, baseSequence } = this;
    const closed = writer.close(this.settings.compression, this.settings.compressionLevel, producerId, producerEpoch, baseSequence);
    if (isPromiseLike(closed)) {
      this.closing = closed.then((bytes) => this.closed(bytes, producerId, producerEpoch, baseSequence));
      return this.closing;
    }
    return this.closed(closed, producerId, producerEpoch, baseSequence);
  }

  private closed(bytes: Buffer, producerId: number, producerEpoch: number, baseSequence: number): Buffer {
    this.bytes = bytes;
    this.writtenId = producerId;
    this.writtenEpoch = producerEpoch;
    this.writtenSequence = baseSequence;
    this.compressionRatio = this.uncompressedSize === 0 ? 1 : (bytes.length - BATCH.headerSize) / this.uncompressedSize;
    this.writer = null;
    this.closing = null;
    return bytes;
  }

  /** Writes producer id, epoch and base sequence into the closed bytes when they changed since (CRC redone). */
  writeProducerState(): void {
    const bytes = this.bytes;
    if (bytes === null) throw new KafkaStateError('batch not closed');
    if (this.producerId === this.writtenId && this.producerEpoch === this.writtenEpoch && this.baseSequence === this.writtenSequence) return;
    writeProducerState(bytes, this.producerId, this.producerEpoch, this.baseSequence);
    bytes.writeUInt32BE(crc32c(bytes, BATCH.attributes, bytes.length), BATCH.crc);
    this.writtenId = this.producerId;
    this.writtenEpoch = this.producerEpoch;
    this.writtenSequence = this.baseSequence;
  }

  /** Resolves every send: record i gets `baseOffset + i` (-1 stays -1). */
  complete(baseOffset: number, logAppendTime: number): void {
    if (this.done) return;
    this.done = true;
    const { topic, partition, sends, timestamps } = this;
    const common = logAppendTime >= 0 ? logAppendTime : this.commonTimestamp;
    const perRecord = logAppendTime < 0 && timestamps !== null;
    for (let index = 0, at = 0; at < sends.length; index++, at += 3) {
      const offset = baseOffset < 0 ? -1 : baseOffset + index;
      (sends[at + 1] as Resolve)(new DeliveredRecord(topic, partition, offset, perRecord ? timestamps[index]! : common));
    }
    this.finish();
  }

  /**
   * Rejects every send with `error`, or with `recordError(index)` where that returns an error
   * (per-record errors of Produce v8+).
   */
  fail(error: KafkaError, recordError?: (index: number) => KafkaError | undefined): void {
    if (this.done) return;
    this.done = true;
    const sends = this.sends;
    for (let index = 0, at = 0; at < sends.length; index++, at += 3) {
      rejectQuietly(sends[at] as Promise<RecordMetadata>, sends[at + 2] as Reject, recordError?.(index) ?? error);
    }
    this.finish();
  }

  /**
   * Hands record `index`'s send over to another batch (when records are moved, e.g. the valid
   * records of a batch the broker refused for some of its records).
   */
  completionOf(index: number): SendCompletion {
    const at = index * 3;
    return { promise: this.sends[at] as Promise<RecordMetadata>, resolve: this.sends[at + 1] as Resolve, reject: this.sends[at + 2] as Reject };
  }

  timestampOf(index: number): number {
    return this.timestamps === null ? this.commonTimestamp : this.timestamps[index]!;
  }

  /**
   * Marks the batch done without settling its sends: they were handed to `successors`, and
   * `whenDone` waiters are released once those are done.
   */
  retire(successors: readonly ProducerBatch[]): void {
    if (this.done) return;
    this.done = true;
    const waiters = this.doneWaiters;
    this.doneWaiters = null;
    this.finish();
    if (waiters !== null) {
      void Promise.all(successors.map((batch) => batch.whenDone())).then(() => {
        for (const waiter of waiters) waiter();
      });
    }
  }

  /** Resolves once the batch is done (for flush). */
  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => (this.doneWaiters ??= []).push(resolve));
  }

  private finish(): void {
    this.timestamps = null;
    this.sends.length = 0;
    const waiters = this.doneWaiters;
    this.doneWaiters = null;
    if (waiters !== null) for (const waiter of waiters) waiter();
  }
}
