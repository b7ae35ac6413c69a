/**
 * Data structures of the general sticky assignment: members ordered by how many partitions they
 * hold, and the record of partition movements that keeps a rebalance from shuffling partitions of
 * one topic back and forth between two members (Java's `PartitionMovements`).
 */
import { compareStrings } from './topic-partitions.js';
import type { TopicPartition } from './types.js';

/**
 * Members sorted by (partition count, member id), like Java's TreeSet with `SubscriptionComparator`.
 * A member's count is read when it is added: callers remove a member before changing its
 * partitions and add it back afterwards.
 */
export class MembersByLoad {
  private readonly order: string[] = [];
  private readonly keys = new Map<string, number>();

  constructor(private readonly countOf: (member: string) => number) {}

  get size(): number {
    return this.order.length;
  }

  first(): string | undefined {
    return this.order[0];
  }

  last(): string | undefined {
    return this.order[this.order.length - 1];
  }

  /** Members from least to most loaded. Do not add or remove while iterating. */
  [Symbol.iterator](): Iterator<string> {
    return this.order[Symbol.iterator]();
  }

  add(member: string): void {
    if (this.keys.has(member)) return;
    const count = this.countOf(member);
    const position = this.search(count, member);
    this.order.splice(position, 0, member);
    this.keys.set(member, count);
  }

  remove(member: string): void {
    const count = this.keys.get(member);
    if (count === undefined) return;
    const position = this.search(count, member);
    this.order.splice(position, 1);
    this.keys.delete(member);
  }

  /** The position of (count, member), or where it would go. */
  private search(count: number, member: string): number {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.order[middle]!;
      const comparison = this.keys.get(other)! - count || compareStrings(other, member);
      if (comparison < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Partitions of one topic that moved from `source` to `destination` during this assignment. */
type MovesByPair = Map<string, Map<string, Set<TopicPartition>>>;

export class PartitionMovements {
  /** Per topic: source -> destination -> partitions. */
  private readonly byTopic = new Map<string, MovesByPair>();
  /** Per moved partition: its original owner and current destination. */
  private readonly moves = new Map<TopicPartition, { source: string; destination: string }>();

  private removeRecord(tp: TopicPartition): { source: string; destination: string } {
    const move = this.moves.get(tp)!;
    this.moves.delete(tp);
    const pairs = this.byTopic.get(tp.topic)!;
    const destinations = pairs.get(move.source)!;
    const partitions = destinations.get(move.destination)!;
    partitions.delete(tp);
    if (partitions.size === 0) destinations.delete(move.destination);
    if (destinations.size === 0) pairs.delete(move.source);
    if (pairs.size === 0) this.byTopic.delete(tp.topic);
    return move;
  }

  private addRecord(tp: TopicPartition, source: string, destination: string): void {
    this.moves.set(tp, { source, destination });
    let pairs = this.byTopic.get(tp.topic);
    if (pairs === undefined) this.byTopic.set(tp.topic, (pairs = new Map()));
    let destinations = pairs.get(source);
    if (destinations === undefined) pairs.set(source, (destinations = new Map()));
    let partitions = destinations.get(destination);
    if (partitions === undefined) destinations.set(destination, (partitions = new Set()));
    partitions.add(tp);
  }

  /** Records a move; a partition moving back to where it started leaves no record. */
  movePartition(tp: TopicPartition, oldOwner: string, newOwner: string): void {
    if (this.moves.has(tp)) {
      const previous = this.removeRecord(tp);
      if (previous.source !== newOwner) this.addRecord(tp, previous.source, newOwner);
    } else {
      this.addRecord(tp, oldOwner, newOwner);
    }
  }

  /**
   * The partition to move when `tp` should go from `oldOwner` to `newOwner`: if partitions of the
   * same topic already moved the opposite way (from `newOwner` to `tp`'s original owner), one of
   * them moves back instead (the earliest recorded), so that no two members swap partitions of a
   * topic in one rebalance.
   */
  partitionToBeMoved(tp: TopicPartition, oldOwner: string, newOwner: string): TopicPartition {
    const pairs = this.byTopic.get(tp.topic);
    if (pairs === undefined) return tp;
    const source = this.moves.get(tp)?.source ?? oldOwner;
    const reverse = pairs.get(newOwner)?.get(source);
    if (reverse === undefined) return tp;
    return reverse.values().next().value ?? tp;
  }
}
