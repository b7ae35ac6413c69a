/**
 * One partition's log, in memory: record batches exactly as they will be served (offsets, leader
 * epoch and append time already written in), the log start and end offsets, and the history of
 * leader epochs. Retention is by bytes and by whole batches: once the log holds more than the
 * retention limit, the oldest batches go and the log start offset moves past them, as Kafka
 * deletes old segments. The newest batch always stays, so the end offset is never lost.
 */

/** A batch in the log. `bytes` is the whole batch (offset and length fields included). */
export interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly bytes: Buffer;
  /** The batch's largest timestamp (the append time for LogAppendTime topics; -1 for none). */
  readonly maxTimestamp: number;
  readonly leaderEpoch: number;
}

/** One entry of the leader epoch history: the epoch and the first offset written in it. */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** What a read of the log returns: whole batches, and maybe the first part of the next one. */
export interface LogSlice {
  readonly records: Buffer;
  /** The complete batches in `records` (a cut-off batch at the end is not among them). */
  readonly batches: readonly StoredBatch[];
}

/** Kafka's "no epoch" answer of OffsetForLeaderEpoch. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/** Epoch history entries kept per partition; each leader change adds one. */
const MAX_EPOCH_ENTRIES = 1000;
/** Dropped batches are removed from the array in bulk, not one shift() at a time. */
const COMPACT_AFTER = 1024;

export class PartitionLog {
  /** Slots before `head` are emptied (undefined) so that dropped batches can be collected. */
  private batches: Array<StoredBatch | undefined> = [];
  /** Index of the oldest live batch in `batches`. */
  private head = 0;
  private bytesHeld = 0;
  private startOffset = 0;
  private endOffset = 0;
  private readonly epochs: EpochEntry[] = [];

  /** `retentionBytes` is read at every append, so a topic's limit can change. */
  constructor(private readonly retentionBytes: () => number) {}

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): number {
    return this.endOffset;
  }

  /** Every append is acknowledged by all replicas at once here, so the high watermark is the end offset. */
  get highWatermark(): number {
    return this.endOffset;
  }

  get sizeInBytes(): number {
    return this.bytesHeld;
  }

  get batchCount(): number {
    return this.batches.length - this.head;
  }

  /** The live batches, oldest first (a copy). */
  liveBatches(): StoredBatch[] {
    return this.batches.slice(this.head) as StoredBatch[];
  }

  /**
   * Appends a batch whose offsets start at the current end offset, then applies retention.
   * The caller has written the offsets into the bytes.
   */
  append(batch: StoredBatch): void {
    if (batch.baseOffset !== this.endOffset || batch.lastOffset < batch.baseOffset) {
      throw new RangeError(`batch [${batch.baseOffset}, ${batch.lastOffset}] does not start at the log end offset ${this.endOffset}`);
    }
    this.batches.push(batch);
    this.bytesHeld += batch.bytes.length;
    this.endOffset = batch.lastOffset + 1;
    if (batch.leaderEpoch >= 0) this.assignEpoch(batch.leaderEpoch, batch.baseOffset);
    this.applyRetention();
  }

  /** Records that `epoch` starts at `startOffset` (when a leader is elected, or its first batch lands). */
  assignEpoch(epoch: number, startOffset: number): void {
    const last = this.epochs.at(-1);
    if (last && last.epoch >= epoch) return;
    if (last && last.startOffset === startOffset) this.epochs.pop();
    this.epochs.push({ epoch, startOffset });
    if (this.epochs.length > MAX_EPOCH_ENTRIES) this.epochs.splice(0, this.epochs.length - MAX_EPOCH_ENTRIES);
  }

  /** The epoch history (a copy), oldest first. */
  epochHistory(): EpochEntry[] {
    return [...this.epochs];
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch at most `epoch` and the offset where the epoch after
   * it starts (the end offset for the latest epoch), or UNDEFINED_EPOCH when `epoch` is older than
   * the history.
   */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    const latest = this.epochs.at(-1);
    if (!latest) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (epoch >= latest.epoch) return { epoch: latest.epoch, endOffset: this.endOffset };
    for (let index = this.epochs.length - 2; index >= 0; index--) {
      const entry = this.epochs[index]!;
      if (entry.epoch <= epoch) return { epoch: entry.epoch, endOffset: this.epochs[index + 1]!.startOffset };
    }
    return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  }

  /**
   * Reads from the batch holding `offset` (which may start before it, as Kafka returns whole
   * batches). At most `maxBytes` bytes, cutting the last batch short as Kafka's slice of a segment
   * does, except that with `minOneBatch` the first batch is returned whole even if larger.
   */
  read(offset: number, maxBytes: number, minOneBatch: boolean): LogSlice {
    const first = this.indexOfOffset(offset);
    const chosen: StoredBatch[] = [];
    let total = 0;
    let cut: Buffer | undefined;
    for (let index = first; index < this.batches.length; index++) {
      const batch = this.batches[index]!;
      const size = batch.bytes.length;
      if (total + size <= maxBytes || (minOneBatch && chosen.length === 0)) {
        chosen.push(batch);
        total += size;
        continue;
      }
      if (maxBytes > total) cut = batch.bytes.subarray(0, maxBytes - total);
      break;
    }
    const parts = chosen.map((batch) => batch.bytes);
    if (cut) parts.push(cut);
    return { records: parts.length === 1 ? parts[0]! : Buffer.concat(parts), batches: chosen };
  }

  /** DeleteRecords: moves the log start offset up to `offset` (at most the end offset). */
  deleteBefore(offset: number): void {
    if (offset <= this.startOffset) return;
    this.startOffset = Math.min(offset, this.endOffset);
    while (this.batchCount > 0 && this.batches[this.head]!.lastOffset < this.startOffset) this.dropOldest();
    this.compact();
    this.trimEpochs();
  }

  /** Index of the first live batch whose last offset is at least `offset` (batches.length if none). */
  private indexOfOffset(offset: number): number {
    let low = this.head;
    let high = this.batches.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.batches[middle]!.lastOffset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private applyRetention(): void {
    const limit = this.retentionBytes();
    while (this.bytesHeld > limit && this.batchCount > 1) {
      this.dropOldest();
      this.startOffset = Math.max(this.startOffset, this.batches[this.head]!.baseOffset);
    }
    this.compact();
    this.trimEpochs();
  }

  private dropOldest(): void {
    const dropped = this.batches[this.head]!;
    this.batches[this.head] = undefined;
    this.head++;
    this.bytesHeld -= dropped.bytes.length;
  }

  private compact(): void {
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  /** Keeps the newest epoch entry that starts at or before the log start, and those after it. */
  private trimEpochs(): void {
    let keepFrom = 0;
    while (keepFrom + 1 < this.epochs.length && this.epochs[keepFrom + 1]!.startOffset <= this.startOffset) keepFrom++;
    if (keepFrom > 0) this.epochs.splice(0, keepFrom);
  }
}
