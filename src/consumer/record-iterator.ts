/**
 * The per-record async iterator of `KafkaConsumer` (`for await (const record of consumer)`),
 * written by hand rather than as an async generator: a generator costs about three times as much
 * per record (bench/consumer).
 *
 * It polls a batch, hands records out one by one and keeps, per partition, the offset after the
 * last record the loop has finished with (`PartitionState.consumedOffset`): a record is finished
 * when the loop asks for the next one. Commits take that offset while a batch is being handed out,
 * so a commit made meanwhile (automatic, before a revocation, on close) never covers records the
 * loop has not processed. Records of a partition that was sought or revoked in the middle of a
 * batch are not handed out any more; leaving the loop early rewinds the positions to the first
 * record not finished.
 */
import type { ConsumerRecord, ConsumerRecords } from './consumer-record.js';
import type { PartitionState, SubscriptionState } from './subscription-state.js';

export interface IteratorSource<K, V> {
  /** A poll that marks the partitions it returns records for as being handed out. */
  poll(): Promise<ConsumerRecords<K, V>>;
  isClosed(): boolean;
  readonly subscriptions: SubscriptionState;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

export class RecordIterator<K, V> implements AsyncIterator<ConsumerRecord<K, V>>, AsyncIterable<ConsumerRecord<K, V>> {
  private records: ConsumerRecord<K, V>[] = [];
  private index = 0;
  /** The state of the partition of the records being handed out (records come grouped by partition). */
  private state: PartitionState | undefined = undefined;
  private stateTopic = '';
  private statePartition = -1;
  private last: ConsumerRecord<K, V> | null = null;
  private lastState: PartitionState | undefined = undefined;
  private finished = false;

  constructor(private readonly source: IteratorSource<K, V>) {}

  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    return this;
  }

  next(): Promise<IteratorResult<ConsumerRecord<K, V>>> {
    this.finishLast();
    const records = this.records;
    while (this.index < records.length) {
      const record = records[this.index++]!;
      const state = this.stateOf(record);
      // Sought or revoked meanwhile: the rest of this partition's records are stale.
      if (state === undefined || state.consumedOffset === null || state.revoking) continue;
      this.last = record;
      this.lastState = state;
      return Promise.resolve({ value: record, done: false });
    }
    return this.refill();
  }

  /**
   * `break` or an exception in the loop: the record being processed is not counted as finished,
   * and each partition goes back to its first unfinished record, so that the record and the rest
   * of the batch are delivered again by the next poll or loop (and commits stop before them).
   */
  return(): Promise<IteratorResult<ConsumerRecord<K, V>>> {
    this.last = null;
    for (const state of this.source.subscriptions.partitions()) {
      if (state.consumedOffset !== null && state.position !== null && state.consumedOffset < state.position) state.seek(state.consumedOffset, state.consumedEpoch);
    }
    this.endBatch();
    this.finished = true;
    return Promise.resolve(DONE);
  }

  private async refill(): Promise<IteratorResult<ConsumerRecord<K, V>>> {
    this.endBatch();
    for (;;) {
      if (this.finished || this.source.isClosed()) return DONE;
      const polled = await this.source.poll();
      if (polled.count === 0) continue;
      this.records = polled.toArray();
      this.index = 0;
      return this.next();
    }
  }

  private finishLast(): void {
    const record = this.last;
    if (record === null) return;
    this.last = null;
    const state = this.lastState!;
    if (state.consumedOffset !== null) {
      state.consumedOffset = record.offset + 1;
      state.consumedEpoch = record.leaderEpoch;
    }
  }

  /** The batch is handed out: commits take the positions again. */
  private endBatch(): void {
    this.records = [];
    this.index = 0;
    this.state = undefined;
    this.statePartition = -1;
    for (const state of this.source.subscriptions.partitions()) state.consumedOffset = null;
  }

  private stateOf(record: ConsumerRecord<K, V>): PartitionState | undefined {
    if (record.partition !== this.statePartition || record.topic !== this.stateTopic) {
      this.stateTopic = record.topic;
      this.statePartition = record.partition;
      this.state = this.source.subscriptions.get(record);
    }
    return this.state;
  }
}
