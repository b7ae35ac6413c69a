/**
 * PartitionFetch: one partition's data from one fetch response, waiting to be returned by poll()
 * (the Java client's CompletedFetch). Nothing is decoded up front: batches are found (header and
 * CRC checked) only when poll() reaches them, records are decoded a batch at a time, and keys and
 * values are deserialized only for the records returned.
 *
 * It tracks the next offset to return: records before the fetch position (a batch may start
 * earlier) are skipped, and skipped batches (control batches, aborted transactions under
 * read_committed) move it past them, so that the consumer never fetches them again. A failure at
 * a record (corrupt batch, deserializer error) stops the fetch there: records before it are
 * returned, the error is raised by the next take(), and the position stays at the failing record.
 */
import { KafkaError, KafkaStateError } from '../protocol/errors.js';
import { DefaultRecordBatch } from '../records/batch.js';
import { LegacyRecordBatch } from '../records/legacy.js';
import { ReadCommittedFilter, type AbortedTransaction } from '../records/read-committed.js';
import { KafkaCorruptRecordError } from '../records/errors.js';
import type { KafkaRecord, RecordBatch, RecordHeader } from '../records/record.js';
import { LEGACY, LOG_OVERHEAD, TimestampType } from '../records/constants.js';
import { ConsumerRecord, type TimestampTypeName } from './consumer-record.js';
import type { DeserializeFn } from './deserializers.js';
import type { RecordCursor } from '../records/record-cursor.js';
import { KafkaRecordDeserializationError, KafkaRecordTooLargeError } from './errors.js';
import type { PartitionState } from './subscription-state.js';

/** How records become what the application sees; shared by every fetch of a consumer. */
export interface RecordDecoding {
  readonly keyDeserializer: DeserializeFn;
  readonly valueDeserializer: DeserializeFn;
  readonly checkCrcs: boolean;
  readonly readCommitted: boolean;
}

const MAGIC_POSITION = LEGACY.magic;
const EMPTY = Buffer.alloc(0);

export class PartitionFetch {
  /** The offset after the last record returned or skipped. */
  nextOffset: number;
  /** The leader epoch of the last record returned (for commits). */
  lastEpoch: number | null;
  /** Set once everything has been returned or skipped. */
  drained = false;
  /** Dropped (seek, revocation, unsubscribe) before it was drained. */
  discarded = false;
  /** The batch whose codec is asynchronous: await decodeAsync() before the next take(). */
  pendingAsyncBatch: RecordBatch | null = null;

  private pos = 0;
  private foundBatch = false;
  private batch: RecordBatch | null = null;
  /** Reads the current batch's records: a RecordCursor (magic 2) or an ArrayCursor (legacy). */
  private cursor: RecordCursor | ArrayCursor | null = null;
  /** The records section an asynchronous codec is producing for the current (magic 2) batch. */
  private pendingSection: Promise<Buffer> | null = null;
  private batchEpoch: number | null = null;
  private batchTimestampType: TimestampTypeName = 'CreateTime';
  private error: KafkaError | null = null;
  private errorOnce = false;
  private released = false;
  private readonly filter: ReadCommittedFilter | null;

  constructor(
    readonly state: PartitionState,
    /** The position the data was fetched from. */
    readonly fetchOffset: number,
    private readonly data: Buffer,
    abortedTransactions: readonly AbortedTransaction[] | null,
    private readonly decoding: RecordDecoding,
    /** The Fetch version (a batch larger than the fetch size is an error before v3). */
    private readonly fetchVersion: number,
    private readonly partitionMaxBytes: number,
    private readonly release: (fetch: PartitionFetch) => void,
  ) {
    this.nextOffset = fetchOffset;
    this.lastEpoch = state.positionEpoch;
    this.filter = decoding.readCommitted ? new ReadCommittedFilter(abortedTransactions) : null;
  }

  /** Whether it stopped at an error that poll() raises (until a seek drops the fetch). */
  get failed(): boolean {
    return this.error !== null;
  }

  /** The size of the fetched data (what the prefetch bound counts). */
  get bytes(): number {
    return this.data.length;
  }

  /**
   * A fetch that only carries an error for poll() to raise once (a partition error from the
   * broker, e.g. an out-of-range position without a reset policy); the partition is fetched again
   * after it was raised.
   */
  static failed(state: PartitionState, fetchOffset: number, error: KafkaError, decoding: RecordDecoding, release: (fetch: PartitionFetch) => void): PartitionFetch {
    const fetch = new PartitionFetch(state, fetchOffset, EMPTY, null, decoding, 0, 0, release);
    fetch.error = error;
    fetch.errorOnce = true;
    return fetch;
  }

  /** Drops the data (a seek or revocation made it useless). */
  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.releaseOnce();
  }

  /** Marks a drained fetch done (its bytes no longer count). */
  finish(): void {
    this.drained = true;
    this.releaseOnce();
  }

  private releaseOnce(): void {
    if (this.released) return;
    this.released = true;
    this.release(this);
  }

  /** Awaits the asynchronous codec of the pending batch; take() continues with its records. */
  async decodeAsync(): Promise<void> {
    const batch = this.pendingAsyncBatch;
    if (batch === null) return;
    try {
      if (this.pendingSection !== null) {
        const section = await this.pendingSection;
        this.cursor = (batch as DefaultRecordBatch).cursor(section);
      } else {
        this.cursor = new ArrayCursor(await batch.records());
      }
    } catch (error) {
      this.batch = null;
      this.fail(error);
    } finally {
      this.pendingAsyncBatch = null;
      this.pendingSection = null;
    }
  }

  /**
   * Appends up to `max` records to `out` and returns how many. Throws the pending error when it
   * is reached before any record was appended by this call.
   */
  take(max: number, out: ConsumerRecord<unknown, unknown>[]): number {
    if (this.error !== null) {
      if (this.errorOnce) this.drained = true;
      throw this.error;
    }
    const state = this.state;
    const topic = state.topic;
    const partition = state.partition;
    const keyDeserializer = this.decoding.keyDeserializer;
    const valueDeserializer = this.decoding.valueDeserializer;
    let taken = 0;
    while (taken < max) {
      const cursor = this.cursor;
      if (cursor === null || cursor.remaining === 0) {
        if (!this.advanceBatch()) break;
        continue;
      }
      try {
        if (!cursor.next(this.nextOffset)) continue;
      } catch (error) {
        this.fail(error);
        break;
      }
      const offset = cursor.offset;
      const rawKey = cursor.key;
      const rawValue = cursor.value;
      const headers = cursor.headers;
      let key: unknown = rawKey;
      let value: unknown = rawValue;
      if (keyDeserializer !== null && rawKey !== null) {
        try {
          key = keyDeserializer(rawKey, topic, headers);
        } catch (error) {
          this.error = new KafkaRecordDeserializationError(state, offset, 'key', error);
          break;
        }
      }
      if (valueDeserializer !== null && rawValue !== null) {
        try {
          value = valueDeserializer(rawValue, topic, headers);
        } catch (error) {
          this.error = new KafkaRecordDeserializationError(state, offset, 'value', error);
          break;
        }
      }
      out.push(
        new ConsumerRecord(
          topic,
          partition,
          offset,
          cursor.timestamp,
          this.batchTimestampType,
          key,
          value,
          headers,
          this.batchEpoch,
          rawKey === null ? -1 : rawKey.length,
          rawValue === null ? -1 : rawValue.length,
        ),
      );
      this.nextOffset = offset + 1;
      this.lastEpoch = this.batchEpoch;
      taken++;
    }
    // Stopped at `max` exactly at the end of a batch: look ahead, so that a fetch whose records
    // were all returned counts as drained now and its partition is fetched again at once.
    if (taken === max && this.error === null && (this.cursor === null || this.cursor.remaining === 0)) this.advanceBatch();
    if (taken === 0 && this.error !== null) throw this.error;
    return taken;
  }

  /** Moves to the next batch with records to return; false when there is none (drained, failed or async). */
  private advanceBatch(): boolean {
    if (this.batch !== null) {
      // Everything of the finished batch was returned or skipped: continue after it (compaction
      // may have left a gap at its end).
      const after = this.batch.nextOffset;
      if (after > this.nextOffset) this.nextOffset = after;
      this.batch = null;
      this.cursor = null;
    }
    if (this.pendingAsyncBatch !== null || this.error !== null) return false;
    for (;;) {
      const batch = this.nextBatch();
      if (batch === null) return false;
      // Every batch goes through the transaction filter, in order, even those before the
      // position: an ABORT marker there ends an aborted transaction.
      const skip = this.filter !== null ? this.filter.skip(batch) : batch.isControl;
      if (batch.nextOffset <= this.nextOffset) continue;
      if (skip) {
        this.nextOffset = batch.nextOffset;
        continue;
      }
      this.batch = batch;
      this.batchEpoch = batch.partitionLeaderEpoch >= 0 ? batch.partitionLeaderEpoch : null;
      this.batchTimestampType = batch.magic === 0 ? 'NoTimestampType' : batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
      try {
        if (batch instanceof DefaultRecordBatch) {
          const section = batch.recordsSection();
          if (isPromise(section)) {
            // The codec is asynchronous: the caller awaits decodeAsync() and calls take() again.
            section.catch(() => undefined);
            this.pendingSection = section;
            this.pendingAsyncBatch = batch;
            return false;
          }
          this.cursor = batch.cursor(section);
        } else {
          this.cursor = new ArrayCursor(batch.recordsSync());
        }
      } catch (error) {
        if (error instanceof KafkaStateError && !(error instanceof KafkaCorruptRecordError)) {
          this.pendingAsyncBatch = batch;
          return false;
        }
        this.batch = null;
        this.fail(error);
        return false;
      }
      return true;
    }
  }

  /** The next complete batch of the data, or null at the end (marking the fetch drained). */
  private nextBatch(): RecordBatch | null {
    const data = this.data;
    const length = data.length;
    const pos = this.pos;
    const state = this.state;
    if (length - pos > MAGIC_POSITION) {
      const size = data.readInt32BE(pos + LEGACY.size);
      const end = pos + LOG_OVERHEAD + size;
      if (size < MAGIC_POSITION + 1 - LOG_OVERHEAD) {
        this.fail(new KafkaCorruptRecordError(`batch size ${size} is too small`, { topic: state.topic, partition: state.partition, offset: this.nextOffset, position: pos }));
        return null;
      }
      if (end <= length) {
        const magic = data[pos + MAGIC_POSITION]!;
        const options = { topic: state.topic, partition: state.partition, checkCrcs: this.decoding.checkCrcs };
        try {
          if (magic > 2) throw new KafkaCorruptRecordError(`unknown magic byte ${magic}`, { topic: state.topic, partition: state.partition, offset: this.nextOffset, position: pos });
          const batch = magic === 2 ? new DefaultRecordBatch(data, pos, options) : new LegacyRecordBatch(data, pos, options);
          this.pos = end;
          this.foundBatch = true;
          return batch;
        } catch (error) {
          this.fail(error);
          return null;
        }
      }
    }
    // The end, or a batch cut short by the fetch size. If not even one batch was complete before
    // Fetch v3, the first batch is larger than the fetch size allows. From v3 on a broker returns
    // a first batch whole when it is first in the response (KIP-74), so a cut-off batch alone
    // only means the response was full: the partition is fetched again.
    if (!this.foundBatch && length > 0 && this.fetchVersion < 3) {
      this.fail(new KafkaRecordTooLargeError(state, this.fetchOffset, this.partitionMaxBytes));
      return null;
    }
    this.drained = true;
    return null;
  }

  private fail(error: unknown): void {
    this.error =
      error instanceof KafkaError
        ? error
        : new KafkaError(`failed to read the records of ${this.state.topic}-${this.state.partition} at offset ${this.nextOffset}: ${String(error)}`, { cause: error });
  }
}

function isPromise(value: Buffer | Promise<Buffer>): value is Promise<Buffer> {
  return !Buffer.isBuffer(value);
}

/** The records of a legacy (magic 0/1) batch, decoded whole by the record layer, read like a RecordCursor. */
class ArrayCursor {
  remaining: number;
  offset = 0;
  timestamp = 0;
  key: Buffer | null = null;
  value: Buffer | null = null;
  headers: readonly RecordHeader[] = [];
  private index = 0;

  constructor(private readonly records: readonly KafkaRecord[]) {
    this.remaining = records.length;
  }

  next(skipBefore: number): boolean {
    const record = this.records[this.index++]!;
    this.remaining--;
    this.offset = record.offset;
    if (record.offset < skipBefore) return false;
    this.timestamp = record.timestamp;
    this.key = record.key;
    this.value = record.value;
    this.headers = record.headers;
    return true;
  }
}
