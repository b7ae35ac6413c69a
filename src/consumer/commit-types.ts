/** The shapes of offsets the consumer commits, reads back and reports. */
import type { KafkaError } from '../protocol/errors.js';

/** An offset to commit for a partition: the next offset to consume (last processed + 1). */
export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The leader epoch of the last consumed record (KIP-320); default: the consumer's own knowledge, else none. */
  readonly leaderEpoch?: number | null;
  /** Free text stored with the offset (at most what the broker allows, 4096 bytes by default). */
  readonly metadata?: string | null;
}

/** An offset as committed (or read back with `committed()`). */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number | null;
  readonly metadata: string | null;
}

/** Hears the outcome of asynchronous commits (`commitAsync()` and automatic commits). */
export interface CommitListener {
  /** The offsets were committed. */
  onCommitSucceeded?(offsets: readonly PartitionOffset[]): void | Promise<void>;
  /** The commit failed; `error` is typed (e.g. a rebalance took the partitions away). */
  onCommitFailed?(error: KafkaError, offsets: readonly PartitionOffset[]): void | Promise<void>;
}
