/**
 * The client side of incremental fetch sessions (KIP-227), one per broker the consumer fetches
 * from (the Java client's FetchSessionHandler).
 *
 * Without a session, a fetch is "full": it lists every partition wanted, with session id 0 and
 * epoch 0, which asks the broker to open a session. If the broker answers with a session id, the
 * following fetches are "incremental": they carry that id and the next epoch (1, 2, ... wrapping
 * to 1), and list only partitions that are new or whose fetch offset, size or leader epoch
 * changed, plus the partitions to forget. The broker answers only for partitions with news.
 *
 * Any error resets the session: after FETCH_SESSION_ID_NOT_FOUND / INVALID_FETCH_SESSION_EPOCH
 * the next fetch is full with id 0; after other failures (a lost response: the broker may or may
 * not have moved to the next epoch) it is full with the old id and epoch 0, which closes that
 * session and opens a new one. Brokers before Fetch v7 have no sessions: every fetch is full.
 */

/** One partition as a fetch request carries it. */
export interface FetchTarget {
  readonly key: string;
  readonly topic: string;
  /** The topic id (Fetch v13+ names topics by id); the zero UUID when unknown. */
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly maxBytes: number;
  readonly currentLeaderEpoch: number;
}

export interface FetchPlan {
  readonly full: boolean;
  readonly sessionId: number;
  readonly epoch: number;
  /** The partitions to put in the request. */
  readonly toSend: readonly FetchTarget[];
  /** Partitions to remove from the session (incremental requests only). */
  readonly toForget: readonly FetchTarget[];
  /** Every partition the request asks for (sent now or remembered by the session). */
  readonly wanted: ReadonlyMap<string, FetchTarget>;
}

const FETCH_SESSION_ID_NOT_FOUND = 70;
const INVALID_FETCH_SESSION_EPOCH = 71;
const FETCH_SESSION_TOPIC_ID_ERROR = 106;
const INITIAL_EPOCH = 0;
const MAX_EPOCH = 0x7fffffff;

function sameTarget(a: FetchTarget, b: FetchTarget): boolean {
  return a.fetchOffset === b.fetchOffset && a.maxBytes === b.maxBytes && a.currentLeaderEpoch === b.currentLeaderEpoch && a.topicId === b.topicId;
}

export class FetchSessionHandler {
  private sessionId = 0;
  /** The epoch of the next request; 0 means the next request is full. */
  private nextEpoch = INITIAL_EPOCH;
  /** What the broker's session holds, as we told it. */
  private session = new Map<string, FetchTarget>();
  private sessionUsesTopicIds = false;

  /** The current session id (0: none). */
  get id(): number {
    return this.sessionId;
  }

  /** Whether the next request will be incremental. */
  get incremental(): boolean {
    return this.sessionId !== 0 && this.nextEpoch !== INITIAL_EPOCH;
  }

  /** Plans the next request for the partitions wanted now. `sessions` is false before Fetch v7. */
  plan(wanted: ReadonlyMap<string, FetchTarget>, options: { sessions: boolean; topicIds: boolean }): FetchPlan {
    if (!options.sessions) return { full: true, sessionId: 0, epoch: -1, toSend: [...wanted.values()], toForget: [], wanted };
    if (!this.incremental || this.sessionUsesTopicIds !== options.topicIds) {
      return { full: true, sessionId: this.sessionId, epoch: INITIAL_EPOCH, toSend: [...wanted.values()], toForget: [], wanted };
    }
    const toSend: FetchTarget[] = [];
    const toForget: FetchTarget[] = [];
    for (const [key, target] of wanted) {
      const known = this.session.get(key);
      if (known === undefined || !sameTarget(known, target)) toSend.push(target);
    }
    for (const [key, target] of this.session) if (!wanted.has(key)) toForget.push(target);
    return { full: false, sessionId: this.sessionId, epoch: this.nextEpoch, toSend, toForget, wanted };
  }

  /**
   * Takes in the response to a planned request. Returns false when the response is a session
   * error (its partitions carry nothing to use); the session is reset then.
   */
  onResponse(plan: FetchPlan, response: { readonly errorCode: number; readonly sessionId: number }, options: { sessions: boolean; topicIds: boolean }): boolean {
    if (!options.sessions) return response.errorCode === 0;
    if (response.errorCode !== 0) {
      if (response.errorCode === FETCH_SESSION_ID_NOT_FOUND || response.errorCode === INVALID_FETCH_SESSION_EPOCH || response.errorCode === FETCH_SESSION_TOPIC_ID_ERROR) {
        this.reset(0);
      } else {
        this.reset(this.sessionId);
      }
      return false;
    }
    if (plan.full) {
      if (response.sessionId === 0) {
        this.reset(0);
      } else {
        this.sessionId = response.sessionId;
        this.nextEpoch = 1;
        this.session = new Map(plan.wanted);
        this.sessionUsesTopicIds = options.topicIds;
      }
      return true;
    }
    if (response.sessionId !== this.sessionId) {
      // The broker closed the session (e.g. it became empty) or answered for another: start over.
      this.reset(0);
      return true;
    }
    this.nextEpoch = this.nextEpoch >= MAX_EPOCH ? 1 : this.nextEpoch + 1;
    this.session = new Map(plan.wanted);
    return true;
  }

  /** The request failed without a response (connection lost, timeout): close and reopen the session. */
  onFailure(): void {
    this.reset(this.sessionId);
  }

  private reset(sessionIdToClose: number): void {
    this.sessionId = sessionIdToClose;
    this.nextEpoch = INITIAL_EPOCH;
    this.session = new Map();
  }
}
