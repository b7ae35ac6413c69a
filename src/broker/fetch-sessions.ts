/**
 * Incremental fetch sessions (KIP-227), one cache per broker.
 *
 * A consumer opens a session with a full fetch (session id 0, epoch 0); the broker remembers the
 * partitions and what it last told about each, and hands out a session id. Later fetches name the
 * session and the next epoch, and carry only the partitions that changed (or are forgotten); the
 * answer carries only partitions with news: records, a moved high watermark or log start offset,
 * or an error. Partitions that were answered move to the end of the session's order, so that a
 * size-limited fetch does not always favour the same partitions (as Kafka does).
 *
 * The cache is bounded (Kafka's max.incremental.fetch.session.cache.slots, 1000): when full, the
 * least recently used session is evicted, and its consumer gets FETCH_SESSION_ID_NOT_FOUND next.
 */

export interface SessionPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  /** What the last answer said, to tell whether the next one must include the partition. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
}

/** Sessions created with topic ids (Fetch v13+) key partitions by id, others by name. */
export function sessionPartitionKey(usesTopicIds: boolean, topic: string, topicId: string, partition: number): string {
  return `${usesTopicIds ? topicId : topic}\u0000${partition}`;
}

export class FetchSession {
  /** Partitions in fetch order. */
  readonly partitions = new Map<string, SessionPartition>();
  /** The epoch the next request must carry. */
  epoch = 1;
  lastUsed = 0;

  constructor(
    readonly id: number,
    readonly usesTopicIds: boolean,
  ) {}

  /** Moves a partition to the end of the fetch order. */
  moveToEnd(key: string): void {
    const entry = this.partitions.get(key);
    if (!entry) return;
    this.partitions.delete(key);
    this.partitions.set(key, entry);
  }
}

/** Kafka's FetchMetadata epochs: 0 opens a session, -1 closes it (or asks for none). */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

export class FetchSessionCache {
  /** Map order is recency: the first session is the least recently used. */
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(private readonly maxSessions: number) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  /** Marks the session used now (most recently used). */
  touch(session: FetchSession, now: number): void {
    session.lastUsed = now;
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** A new session, evicting the least recently used one when full; undefined when sessions are disabled (0 slots). */
  create(usesTopicIds: boolean, now: number): FetchSession | undefined {
    if (this.maxSessions <= 0) return undefined;
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session = new FetchSession(this.allocateId(), usesTopicIds);
    this.touch(session, now);
    return session;
  }

  clear(): void {
    this.sessions.clear();
  }

  /** Session ids are positive int32s, never reused while in the cache. */
  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
      if (!this.sessions.has(id)) return id;
    }
  }
}
