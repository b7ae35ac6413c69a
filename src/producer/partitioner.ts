/**
 * Choosing a partition.
 *
 *  - An explicit `partition` on the record wins.
 *  - A custom `partitioner` option decides next, given the topic, the key and value (original and
 *    serialized) and the topic's partitions.
 *  - A record with a key goes to `murmur2(serialized key) & 0x7fffffff % partitions` over all of
 *    the topic's partitions, exactly as the Java client (so both put a key on the same partition).
 *  - A record without a key goes to the topic's current "sticky" partition (KIP-794, the Java
 *    client's built-in partitioner since 3.3): records stick to one partition until about
 *    `batchSize` bytes were appended to it and its batch is full (or twice that, whatever the
 *    batch), then the next partition is drawn at random among the partitions that have a leader,
 *    each weighted by how short its queue of unsent batches is (adaptive partitioning), so a slow
 *    broker gets less.
 */
import type { PartitionInfo } from '../cluster/partition-info.js';

export type { PartitionInfo };

/** What a custom partitioner is told about a record. */
export interface PartitionerInput<K = unknown, V = unknown> {
  readonly topic: string;
  /** The key as given to `send` (undefined or null when there is none). */
  readonly key: K | null | undefined;
  /** The serialized key, or null. */
  readonly keyBytes: Buffer | null;
  readonly value: V;
  /** The serialized value, or null. */
  readonly valueBytes: Buffer | null;
  /** Every partition of the topic, by partition number. */
  readonly partitions: readonly PartitionInfo[];
  /** The partitions that currently have a leader. */
  readonly availablePartitions: readonly PartitionInfo[];
}

/** A custom partitioner: returns the partition (an integer from 0 to partitions.length - 1). */
export type Partitioner<K = unknown, V = unknown> = (input: PartitionerInput<K, V>) => number;

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/**
 * MurmurHash2 (32-bit) with the Java client's seed, as a signed 32-bit integer. Bytes are read
 * four at a time little-endian; the last one to three bytes are mixed in as in the reference
 * algorithm.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let hash = MURMUR2_SEED ^ length;
  const whole = length & ~3;
  for (let index = 0; index < whole; index += 4) {
    let word = data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24);
    word = Math.imul(word, MURMUR2_M);
    word ^= word >>> 24;
    word = Math.imul(word, MURMUR2_M);
    hash = Math.imul(hash, MURMUR2_M) ^ word;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) hash ^= data[whole + 2]! << 16;
    if (tail >= 2) hash ^= data[whole + 1]! << 8;
    hash ^= data[whole]!;
    hash = Math.imul(hash, MURMUR2_M);
  }
  hash ^= hash >>> 13;
  hash = Math.imul(hash, MURMUR2_M);
  hash ^= hash >>> 15;
  return hash | 0;
}

/** The partition of a serialized key among `partitionCount` partitions (the Java client's formula). */
export function partitionForKey(keyBytes: Uint8Array, partitionCount: number): number {
  return (murmur2(keyBytes) & 0x7fffffff) % partitionCount;
}

/**
 * The sticky partition state of one topic (KIP-794). `producedBytes` counts what was appended to
 * the current partition; the caller reports each append and whether the partition's last batch
 * is full, and asks for the partition to use.
 */
export class StickyPartitioner {
  /** -1 until the first keyless record. */
  current = -1;
  private producedBytes = 0;
  /**
   * The cumulative weights of the partitions with a leader (shorter queue, larger weight), or
   * null for a uniform choice (all queues equal, adaptive partitioning off, or a single partition).
   */
  private cumulativeWeights: Int32Array | null = null;
  private weightedPartitions: Int32Array | null = null;

  constructor(
    private readonly stickyBatchSize: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The partition for the next keyless record; `available` are the partitions with a leader. */
  partition(available: readonly number[], partitionCount: number): number {
    if (this.current < 0 || this.current >= partitionCount) this.current = this.next(available, partitionCount);
    return this.current;
  }

  /**
   * Records `bytes` appended to the current partition and says whether to move on: 'stay'; 'if-full'
   * (at least `batchSize` bytes went to it: move when its batch is full, so a partition is left at
   * a batch boundary when possible); 'switch' (twice that, whatever the batch).
   */
  appended(bytes: number): 'stay' | 'if-full' | 'switch' {
    const produced = (this.producedBytes += bytes);
    if (produced < this.stickyBatchSize) return 'stay';
    return produced >= 2 * this.stickyBatchSize ? 'switch' : 'if-full';
  }

  /** Moves to the next partition. */
  switchPartition(available: readonly number[], partitionCount: number): void {
    this.current = this.next(available, partitionCount);
    this.producedBytes = 0;
  }

  /**
   * Sets the queue length (unsent batches) of each partition with a leader, for adaptive
   * partitioning; null turns it off (uniform choice).
   */
  updateLoad(partitions: readonly number[] | null, queueLengths: readonly number[] | null): void {
    if (partitions === null || queueLengths === null || partitions.length < 2) {
      this.cumulativeWeights = null;
      return;
    }
    let longest = 0;
    let allEqual = true;
    for (let index = 0; index < queueLengths.length; index++) {
      const length = queueLengths[index]!;
      if (length !== queueLengths[0]) allEqual = false;
      if (length > longest) longest = length;
    }
    if (allEqual) {
      this.cumulativeWeights = null;
      return;
    }
    // Weight = (longest + 1) - queue length: an empty queue weighs most, the longest weighs 1.
    const weights = new Int32Array(partitions.length);
    let sum = 0;
    for (let index = 0; index < partitions.length; index++) {
      sum += longest + 1 - queueLengths[index]!;
      weights[index] = sum;
    }
    this.cumulativeWeights = weights;
    this.weightedPartitions = Int32Array.from(partitions);
  }

  private next(available: readonly number[], partitionCount: number): number {
    const weights = this.cumulativeWeights;
    if (weights !== null && this.weightedPartitions !== null) {
      const target = Math.floor(this.random() * weights[weights.length - 1]!);
      // The first cumulative weight above the target (binary search).
      let low = 0;
      let high = weights.length - 1;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (weights[middle]! > target) high = middle;
        else low = middle + 1;
      }
      const chosen = this.weightedPartitions[low]!;
      if (chosen < partitionCount) return chosen;
    }
    if (available.length > 0) return available[Math.floor(this.random() * available.length)]!;
    return Math.floor(this.random() * partitionCount);
  }
}
