/**
 * What `poll()` returns: `ConsumerRecord`s grouped by topic-partition in a `ConsumerRecords`.
 */
import type { RecordHeader } from '../records/record.js';
import type { TopicPartition } from '../cluster/cluster.js';
import { keyOf } from './topic-partition.js';

/** How a record's timestamp was set (magic 0 messages have none). */
import type { TimestampTypeName } from '../cluster/partition-access.js';

export type { TimestampTypeName };

/**
 * One record. With the default 'buffer' deserializers, `key`, `value` and header values are views
 * into the fetched response, not copies: copy them to keep them long after processing.
 */
export class ConsumerRecord<K = Buffer, V = Buffer> {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    /** Milliseconds since the epoch; -1 when the record has none (magic 0). */
    readonly timestamp: number,
    readonly timestampType: TimestampTypeName,
    readonly key: K | null,
    readonly value: V | null,
    readonly headers: readonly RecordHeader[],
    /** The leader epoch of the batch (KIP-320), null for data written before epochs existed. */
    readonly leaderEpoch: number | null,
    /** Bytes of the key before deserialization, -1 for a null key. */
    readonly serializedKeySize: number,
    /** Bytes of the value before deserialization, -1 for a null value. */
    readonly serializedValueSize: number,
  ) {}
}

/** The next offset to consume for a partition after a poll, as `commit()` takes it. */
export interface NextOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number | null;
}

interface PartitionEntry<K, V> {
  readonly topicPartition: TopicPartition;
  readonly records: ConsumerRecord<K, V>[];
}

/** The records of one poll, grouped by topic-partition (in the order the partitions were drained). */
export class ConsumerRecords<K = Buffer, V = Buffer> implements Iterable<ConsumerRecord<K, V>> {
  private readonly entries: PartitionEntry<K, V>[] = [];
  private readonly byKey = new Map<string, PartitionEntry<K, V>>();
  /** Every record in iteration order: iterating an array is much cheaper than a generator. */
  private all: ConsumerRecord<K, V>[] = [];
  /** Records were added to a partition that is not the last one: `all` must be rebuilt in partition order. */
  private regroup = false;

  /** An empty result. */
  static empty<K, V>(): ConsumerRecords<K, V> {
    return new ConsumerRecords<K, V>();
  }

  /** Adds records of a partition (used while a poll collects). */
  add(topicPartition: TopicPartition, records: readonly ConsumerRecord<K, V>[]): void {
    if (records.length === 0) return;
    const key = keyOf(topicPartition);
    let entry = this.byKey.get(key);
    if (entry === undefined) {
      entry = { topicPartition: { topic: topicPartition.topic, partition: topicPartition.partition }, records: [] };
      this.byKey.set(key, entry);
      this.entries.push(entry);
    } else if (entry !== this.entries[this.entries.length - 1]) {
      this.regroup = true;
    }
    for (const record of records) {
      entry.records.push(record);
      this.all.push(record);
    }
  }

  /** The number of records. */
  get count(): number {
    return this.all.length;
  }

  isEmpty(): boolean {
    return this.all.length === 0;
  }

  /** The partitions that have records in this result. */
  partitions(): TopicPartition[] {
    return this.entries.map((entry) => ({ ...entry.topicPartition }));
  }

  /** The records of one partition, in offset order (empty if none). */
  records(topicPartition: TopicPartition): readonly ConsumerRecord<K, V>[] {
    return this.byKey.get(keyOf(topicPartition))?.records ?? [];
  }

  /** For each partition, the offset after its last record here: what to commit once they are processed. */
  nextOffsets(): NextOffset[] {
    return this.entries.map((entry) => {
      const last = entry.records[entry.records.length - 1]!;
      return { topic: entry.topicPartition.topic, partition: entry.topicPartition.partition, offset: last.offset + 1, leaderEpoch: last.leaderEpoch };
    });
  }

  /** Partition by partition, in offset order within each. */
  [Symbol.iterator](): Iterator<ConsumerRecord<K, V>> {
    return this.inOrder()[Symbol.iterator]();
  }

  /** Every record, in iteration order (a copy). */
  toArray(): ConsumerRecord<K, V>[] {
    return [...this.inOrder()];
  }

  private inOrder(): ConsumerRecord<K, V>[] {
    if (this.regroup) {
      this.all = this.entries.flatMap((entry) => entry.records);
      this.regroup = false;
    }
    return this.all;
  }
}
