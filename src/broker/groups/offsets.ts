/**
 * A group's committed offsets, by topic and partition. Only partitions that exist can be committed
 * (the coordinator checks), so a group holds at most one entry per partition of the cluster.
 */

export interface CommittedOffset {
  readonly offset: bigint;
  /** The leader epoch the client sent (OffsetCommit v6+), -1 when none. */
  readonly leaderEpoch: number;
  /** The client's metadata string; Kafka stores a null one as "". */
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

export class CommittedOffsets {
  private readonly byTopic = new Map<string, Map<number, CommittedOffset>>();

  get(topic: string, partition: number): CommittedOffset | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  set(topic: string, partition: number, committed: CommittedOffset): void {
    let partitions = this.byTopic.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.byTopic.set(topic, partitions);
    }
    partitions.set(partition, committed);
  }

  /** True when there was an offset to delete. */
  delete(topic: string, partition: number): boolean {
    const partitions = this.byTopic.get(topic);
    if (partitions === undefined || !partitions.delete(partition)) return false;
    if (partitions.size === 0) this.byTopic.delete(topic);
    return true;
  }

  /** Forgets a topic's offsets (the topic was deleted); true when there were some. */
  deleteTopic(topic: string): boolean {
    return this.byTopic.delete(topic);
  }

  clear(): void {
    this.byTopic.clear();
  }

  get isEmpty(): boolean {
    return this.byTopic.size === 0;
  }

  /** Topics in first-commit order, each with its partitions in first-commit order. */
  entries(): IterableIterator<[string, ReadonlyMap<number, CommittedOffset>]> {
    return this.byTopic.entries();
  }
}
