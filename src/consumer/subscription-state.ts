/**
 * What the consumer reads and where: the subscription (topics, a RegExp, or partitions assigned by
 * the application), the assigned partitions and, per partition, its position and fetch state (the
 * Java client's SubscriptionState).
 *
 * A partition's position is the offset of the next record `poll()` returns. It is unknown right
 * after assignment (the committed offset or the reset policy decides it), and a reset may be
 * pending (seekToBeginning/End, an out-of-range position). Only partitions with a known position,
 * not paused, not being revoked and without buffered data are fetched.
 */
import { KafkaStateError } from '../protocol/errors.js';
import type { TopicPartition } from '../cluster/cluster.js';
import { keyOf, partitionKey } from './topic-partition.js';
import type { PartitionFetch } from './partition-fetch.js';

export type ResetPolicy = 'earliest' | 'latest';
/** How the consumer got its partitions. */
export type SubscriptionType = 'none' | 'topics' | 'pattern' | 'assigned';

export class PartitionState implements TopicPartition {
  readonly key: string;
  /** The next offset to return; null while unknown. */
  position: number | null = null;
  /** The leader epoch of the last record returned (or of the committed offset), for commits. */
  positionEpoch: number | null = null;
  /**
   * While a `for await` loop is inside a poll's records: the offset after the last record it has
   * finished with (what commits take instead of the position); null otherwise.
   */
  consumedOffset: number | null = null;
  consumedEpoch: number | null = null;
  /** The committed offset must be looked up before the position is known. */
  awaitingCommitted = false;
  /** A pending reset, resolved with ListOffsets. */
  resetTo: ResetPolicy | null = null;
  /** A committed-offset lookup or reset is running for it. */
  positionLookupRunning = false;
  paused = false;
  /** Being revoked in a rebalance: no longer fetched or returned. */
  revoking = false;
  /** Included in a fetch request that has not been answered. */
  fetchInFlight = false;
  /** Fetched data not yet returned by poll(). */
  buffered: PartitionFetch | null = null;
  /** Not fetched before this time (performance.now()), after a partition-level error. */
  fetchBackoffUntil = 0;
  highWatermark = -1;
  lastStableOffset = -1;
  logStartOffset = -1;
  /** The replica to fetch from (KIP-392), while `preferredReplicaUntil` is in the future. */
  preferredReplica: number | null = null;
  preferredReplicaUntil = 0;
  /**
   * Commits never go backwards: the highest offset committed since assignment or the last seek.
   * `seekVersion` counts seeks, so that a commit prepared before a seek is not applied after it.
   */
  committedFloor = -1;
  seekVersion = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    this.key = partitionKey(topic, partition);
  }

  /** A position is known and no reset or lookup is pending. */
  get hasValidPosition(): boolean {
    return this.position !== null && this.resetTo === null && !this.awaitingCommitted;
  }

  /** Whether the fetcher may ask for this partition now. */
  isFetchable(now: number): boolean {
    return this.position !== null && this.resetTo === null && !this.awaitingCommitted && !this.paused && !this.revoking && !this.fetchInFlight && this.buffered === null && this.fetchBackoffUntil <= now;
  }

  /** Whether poll() may return this partition's buffered records. */
  get isReturnable(): boolean {
    return !this.paused && !this.revoking;
  }

  /** Sets the position explicitly (seek, committed offset, reset result); drops buffered data. */
  seek(offset: number, leaderEpoch: number | null): void {
    this.position = offset;
    this.positionEpoch = leaderEpoch;
    this.consumedOffset = null;
    this.resetTo = null;
    this.awaitingCommitted = false;
    this.dropBuffered();
  }

  requestReset(policy: ResetPolicy): void {
    this.resetTo = policy;
    this.consumedOffset = null;
    this.awaitingCommitted = false;
    this.dropBuffered();
  }

  /** No longer assigned: drops buffered data and stops a `for await` loop from handing out its records. */
  retire(): void {
    this.dropBuffered();
    this.consumedOffset = null;
  }

  dropBuffered(): void {
    if (this.buffered !== null) {
      this.buffered.discard();
      this.buffered = null;
    }
  }

  /** The replica to fetch from, or null for the leader. */
  preferredReplicaAt(now: number): number | null {
    if (this.preferredReplica === null) return null;
    if (now >= this.preferredReplicaUntil) {
      this.preferredReplica = null;
      return null;
    }
    return this.preferredReplica;
  }

  clearPreferredReplica(): boolean {
    const had = this.preferredReplica !== null;
    this.preferredReplica = null;
    return had;
  }
}

export class SubscriptionState {
  private kind: SubscriptionType = 'none';
  private topics: readonly string[] = [];
  private regex: RegExp | null = null;
  /** Assigned partitions, in assignment order. */
  private readonly assigned = new Map<string, PartitionState>();

  get type(): SubscriptionType {
    return this.kind;
  }

  /** The subscribed topics (explicit list, or what the pattern resolved to). */
  get subscribedTopics(): readonly string[] {
    return this.topics;
  }

  get pattern(): RegExp | null {
    return this.regex;
  }

  subscribeTopics(topics: readonly string[]): void {
    this.checkMode('topics');
    this.kind = 'topics';
    this.topics = [...new Set(topics)].sort();
    this.regex = null;
  }

  subscribePattern(pattern: RegExp): void {
    this.checkMode('pattern');
    this.kind = 'pattern';
    this.regex = pattern;
    this.topics = [];
  }

  /** Topics a pattern subscription currently resolves to; returns whether they changed. */
  setPatternTopics(topics: readonly string[]): boolean {
    const next = [...new Set(topics)].sort();
    const changed = next.length !== this.topics.length || next.some((topic, index) => topic !== this.topics[index]);
    this.topics = next;
    return changed;
  }

  /** `assign()`: replaces the assignment; partitions kept keep their state. Returns the added and removed ones. */
  assignFromUser(partitions: readonly TopicPartition[]): { added: PartitionState[]; removed: PartitionState[] } {
    this.checkMode('assigned');
    this.kind = partitions.length === 0 ? 'none' : 'assigned';
    this.topics = [];
    this.regex = null;
    return this.replaceAssignment(partitions);
  }

  /** Adds partitions given by the group (kept ones keep their state). */
  addAssigned(partitions: readonly TopicPartition[]): PartitionState[] {
    const added: PartitionState[] = [];
    for (const tp of partitions) {
      const key = keyOf(tp);
      if (this.assigned.has(key)) continue;
      const state = new PartitionState(tp.topic, tp.partition);
      this.assigned.set(key, state);
      added.push(state);
    }
    return added;
  }

  /** Removes partitions; returns the states removed (their buffered data dropped). */
  removeAssigned(partitions: readonly TopicPartition[]): PartitionState[] {
    const removed: PartitionState[] = [];
    for (const tp of partitions) {
      const key = keyOf(tp);
      const state = this.assigned.get(key);
      if (state === undefined) continue;
      state.retire();
      this.assigned.delete(key);
      removed.push(state);
    }
    return removed;
  }

  /** Forgets subscription and assignment. Returns the partitions that were assigned. */
  unsubscribe(): PartitionState[] {
    const removed = [...this.assigned.values()];
    for (const state of removed) state.retire();
    this.assigned.clear();
    this.kind = 'none';
    this.topics = [];
    this.regex = null;
    return removed;
  }

  get(tp: TopicPartition): PartitionState | undefined {
    return this.assigned.get(keyOf(tp));
  }

  getByKey(key: string): PartitionState | undefined {
    return this.assigned.get(key);
  }

  /** The state of an assigned partition; throws `KafkaStateError` for others (as Java's IllegalStateException). */
  assignedState(tp: TopicPartition, what: string): PartitionState {
    const state = this.assigned.get(keyOf(tp));
    if (state === undefined) throw new KafkaStateError(`${what}: ${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return state;
  }

  partitions(): IterableIterator<PartitionState> {
    return this.assigned.values();
  }

  get size(): number {
    return this.assigned.size;
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map((state) => ({ topic: state.topic, partition: state.partition }));
  }

  isAssigned(tp: TopicPartition): boolean {
    return this.assigned.has(keyOf(tp));
  }

  private replaceAssignment(partitions: readonly TopicPartition[]): { added: PartitionState[]; removed: PartitionState[] } {
    const wanted = new Set(partitions.map(keyOf));
    const removed: PartitionState[] = [];
    for (const [key, state] of this.assigned) {
      if (!wanted.has(key)) {
        state.retire();
        this.assigned.delete(key);
        removed.push(state);
      }
    }
    return { added: this.addAssigned(partitions), removed };
  }

  /** subscribe() and assign() exclude each other, as in Java. */
  private checkMode(wanted: SubscriptionType): void {
    if (this.kind === 'none' || this.kind === wanted) return;
    if (wanted === 'assigned' || this.kind === 'assigned') {
      throw new KafkaStateError('subscribe() and assign() cannot be mixed: call unsubscribe() first');
    }
    if (this.kind !== wanted) throw new KafkaStateError('a consumer subscribes either to topics or to a pattern: call unsubscribe() first');
  }
}
