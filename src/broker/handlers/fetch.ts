/**
 * Fetch, every version: reads whole batches from each partition's log within the partition and
 * request byte limits (the first batch of the first partition with data is returned even when it
 * is larger, from v3, as KIP-74 says; a batch that does not fit is cut short, as Kafka's segment
 * slices are), waits up to maxWaitMs for minBytes (woken by produces, leader moves and deletions),
 * and keeps incremental fetch sessions (KIP-227, fetch-sessions.ts). Versions 0-3 get their
 * records converted to the message format they can read (magic 0 or 1).
 */
import {
  ErrorCode,
  Fetch,
  ZERO_UUID,
  type FetchRequest,
  type FetchResponse,
  type FetchResponseFetchableTopicResponse,
  type FetchResponsePartitionData,
  type Input,
} from '../../protocol/index.js';
import { ATTRIBUTE_COMPRESSION_MASK } from '../../records/constants.js';
import { BATCH, CompressionType } from '../../records/index.js';
import type { PartitionState } from '../cluster-state.js';
import { FINAL_EPOCH, INITIAL_EPOCH, sessionPartitionKey, type FetchSession, type SessionPartition } from '../fetch-sessions.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { downConvert } from '../format-conversion.js';
import { currentLeaderEpochError } from './partition-checks.js';

/** One partition to read, from the request or from the session. */
interface FetchTarget {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly maxBytes: number;
  readonly currentLeaderEpoch: number;
  /** Present when the fetch belongs to a session: what the session remembers about the partition. */
  readonly session?: SessionPartition;
  readonly sessionKey?: string;
}

interface PartitionRead {
  readonly target: FetchTarget;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly records: Buffer;
  readonly leader?: { readonly leaderId: number; readonly leaderEpoch: number };
}

const READ_UNCOMMITTED = 0;
const EMPTY = Buffer.alloc(0);

function resolvePartition(context: RequestContext, target: FetchTarget): PartitionState | number {
  const { cluster } = context.services;
  const topic = context.apiVersion >= 13 ? cluster.topicById(target.topicId) : cluster.topic(target.topic);
  if (!topic) return context.apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return topic.partitions[target.partition] ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

/** Reads every target in order; `budget` is the request-wide byte limit (v3+). */
async function readTargets(targets: readonly FetchTarget[], context: RequestContext, budget: number): Promise<PartitionRead[]> {
  const version = context.apiVersion;
  let remaining = budget;
  // Before v3 the limits were hard: a batch larger than the partition limit came back cut short.
  let minOneBatch = version >= 3;
  const reads: PartitionRead[] = [];
  for (const target of targets) {
    const resolved = resolvePartition(context, target);
    if (typeof resolved === 'number') {
      reads.push({ target, errorCode: resolved, highWatermark: -1, logStartOffset: -1, records: EMPTY });
      continue;
    }
    const partition = resolved;
    const log = partition.log;
    const base = { target, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset };
    const leader = { leaderId: partition.leader, leaderEpoch: partition.leaderEpoch };
    if (partition.leader !== context.broker.id) {
      reads.push({ ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1, logStartOffset: -1, records: EMPTY, leader });
      continue;
    }
    const epochError = version >= 9 ? currentLeaderEpochError(target.currentLeaderEpoch, partition) : ErrorCode.NONE;
    if (epochError !== ErrorCode.NONE) {
      reads.push({ ...base, errorCode: epochError, highWatermark: -1, logStartOffset: -1, records: EMPTY, leader });
      continue;
    }
    if (target.fetchOffset < log.logStartOffset || target.fetchOffset > log.logEndOffset) {
      reads.push({ ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1, logStartOffset: -1, records: EMPTY });
      continue;
    }
    const limit = Math.max(0, Math.min(target.maxBytes, remaining));
    const slice = log.read(target.fetchOffset, limit, minOneBatch);
    let records = slice.records;
    if (version < 10 && slice.batches.some((batch) => (batch.bytes.readInt16BE(BATCH.attributes) & ATTRIBUTE_COMPRESSION_MASK) === CompressionType.Zstd)) {
      reads.push({ ...base, errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, records: EMPTY });
      continue;
    }
    // Old fetchers get their message format; a lone cut-off batch stays as it is, so that the
    // consumer can tell that the next message is larger than its fetch size.
    if (version < 4 && slice.batches.length > 0) records = await downConvert(slice.batches, version < 2 ? 0 : 1);
    if (records.length > 0) minOneBatch = false;
    remaining -= records.length;
    reads.push({ ...base, errorCode: ErrorCode.NONE, records });
  }
  return reads;
}

/** Kafka completes a fetch at once on an error, when minBytes are there, or when it may not wait. */
function isSatisfied(reads: readonly PartitionRead[], request: FetchRequest): boolean {
  if (request.maxWaitMs <= 0 || reads.length === 0) return true;
  let bytes = 0;
  for (const read of reads) {
    if (read.errorCode !== ErrorCode.NONE) return true;
    bytes += read.records.length;
  }
  return bytes >= request.minBytes;
}

/** Resolves when a watched partition changes, the wait expires, or the connection closes. */
function waitForChange(targets: readonly FetchTarget[], context: RequestContext, untilMs: number): Promise<void> {
  return new Promise((resolve) => {
    const unwatch: Array<() => void> = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      for (const stop of unwatch) stop();
      context.signal.removeEventListener('abort', done);
      resolve();
    };
    if (context.signal.aborted) return resolve();
    context.signal.addEventListener('abort', done, { once: true });
    for (const target of targets) {
      const partition = resolvePartition(context, target);
      if (typeof partition !== 'number') unwatch.push(partition.watch(done));
    }
    timer = setTimeout(done, Math.max(0, untilMs - Date.now()));
  });
}

function partitionData(read: PartitionRead, request: FetchRequest, version: number): Input<FetchResponsePartitionData> {
  const data: Input<FetchResponsePartitionData> = {
    partitionIndex: read.target.partition,
    errorCode: read.errorCode,
    highWatermark: BigInt(read.highWatermark),
    // No transactions here: the last stable offset is the high watermark.
    lastStableOffset: BigInt(read.highWatermark),
    logStartOffset: BigInt(read.logStartOffset),
    abortedTransactions: request.isolationLevel === READ_UNCOMMITTED ? null : [],
    records: read.records,
  };
  return version >= 12 && read.leader && read.errorCode !== ErrorCode.NONE ? { ...data, currentLeader: read.leader } : data;
}

function buildResponse(reads: readonly PartitionRead[], request: FetchRequest, context: RequestContext, sessionId: number): Input<FetchResponse> {
  const version = context.apiVersion;
  const responses: Input<FetchResponseFetchableTopicResponse>[] = [];
  let current: { topic: string; topicId: string; partitions: Input<FetchResponsePartitionData>[] } | undefined;
  for (const read of reads) {
    if (!current || current.topic !== read.target.topic || current.topicId !== read.target.topicId) {
      current = { topic: read.target.topic, topicId: read.target.topicId, partitions: [] };
      responses.push(current);
    }
    current.partitions.push(partitionData(read, request, version));
  }
  const leaders = new Set(reads.flatMap((read) => (read.leader && read.leader.leaderId >= 0 && read.errorCode !== ErrorCode.NONE ? [read.leader.leaderId] : [])));
  const nodeEndpoints =
    version >= 16
      ? [...leaders].flatMap((id) => {
          const broker = context.services.cluster.broker(id);
          return broker ? [{ nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack }] : [];
        })
      : [];
  return { errorCode: ErrorCode.NONE, sessionId: version >= 7 ? sessionId : 0, responses, nodeEndpoints };
}

/** The request's partitions, in request order. */
function requestTargets(request: FetchRequest, version: number): FetchTarget[] {
  return request.topics.flatMap((topic) =>
    topic.partitions.map((partition) => ({
      topic: version >= 13 ? '' : topic.topic,
      topicId: version >= 13 ? topic.topicId : ZERO_UUID,
      partition: partition.partition,
      fetchOffset: Number(partition.fetchOffset),
      maxBytes: partition.partitionMaxBytes,
      currentLeaderEpoch: partition.currentLeaderEpoch,
    })),
  );
}

function sessionTargets(session: FetchSession): FetchTarget[] {
  return [...session.partitions.entries()].map(([sessionKey, entry]) => ({
    topic: entry.topic,
    topicId: entry.topicId,
    partition: entry.partition,
    fetchOffset: entry.fetchOffset,
    maxBytes: entry.maxBytes,
    currentLeaderEpoch: entry.currentLeaderEpoch,
    session: entry,
    sessionKey,
  }));
}

/** Applies an incremental request to its session: new or updated partitions, forgotten ones. */
function updateSession(session: FetchSession, request: FetchRequest, version: number): void {
  for (const target of requestTargets(request, version)) {
    const key = sessionPartitionKey(session.usesTopicIds, target.topic, target.topicId, target.partition);
    const existing = session.partitions.get(key);
    if (existing) {
      existing.fetchOffset = target.fetchOffset;
      existing.maxBytes = target.maxBytes;
      existing.currentLeaderEpoch = target.currentLeaderEpoch;
    } else {
      session.partitions.set(key, { ...target, lastHighWatermark: -1, lastLogStartOffset: -1 });
    }
  }
  for (const forgotten of request.forgottenTopicsData) {
    for (const partition of forgotten.partitions) {
      session.partitions.delete(sessionPartitionKey(session.usesTopicIds, version >= 13 ? '' : forgotten.topic, version >= 13 ? forgotten.topicId : ZERO_UUID, partition));
    }
  }
}

/** Whether an incremental answer must include the partition (Kafka's CachedPartition rules); updates the session. */
function mustRespond(read: PartitionRead): boolean {
  const cached = read.target.session;
  if (!cached) return true;
  let respond = read.records.length > 0 || read.errorCode !== ErrorCode.NONE;
  if (read.highWatermark !== cached.lastHighWatermark) respond = true;
  if (read.logStartOffset !== cached.lastLogStartOffset) respond = true;
  // After an error the cached high watermark is invalidated, so that the recovery is reported.
  cached.lastHighWatermark = read.errorCode !== ErrorCode.NONE ? -1 : read.highWatermark;
  cached.lastLogStartOffset = read.logStartOffset;
  return respond;
}

async function readUntilSatisfied(targets: readonly FetchTarget[], request: FetchRequest, context: RequestContext): Promise<PartitionRead[]> {
  const budget = context.apiVersion >= 3 ? request.maxBytes : Number.POSITIVE_INFINITY;
  const deadline = Date.now() + Math.max(0, request.maxWaitMs);
  let reads = await readTargets(targets, context, budget);
  while (!isSatisfied(reads, request) && Date.now() < deadline && !context.signal.aborted) {
    await waitForChange(targets, context, deadline);
    reads = await readTargets(targets, context, budget);
  }
  return reads;
}

function sessionError(errorCode: number): Input<FetchResponse> {
  return { errorCode, sessionId: 0, responses: [] };
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  api: Fetch,
  async handle(request, context) {
    const version = context.apiVersion;
    const sessions = context.services.fetchSessions;
    const usesTopicIds = version >= 13;
    if (version < 7 || request.sessionEpoch === FINAL_EPOCH || request.sessionEpoch === INITIAL_EPOCH) {
      // A full fetch: it closes any session it names, and epoch 0 opens a new one.
      if (version >= 7 && request.sessionId !== 0) sessions.remove(request.sessionId);
      const targets = requestTargets(request, version);
      const reads = await readUntilSatisfied(targets, request, context);
      let sessionId = 0;
      if (version >= 7 && request.sessionEpoch === INITIAL_EPOCH) {
        const session = sessions.create(usesTopicIds, context.services.now());
        if (session) {
          for (const read of reads) {
            const { target } = read;
            session.partitions.set(sessionPartitionKey(usesTopicIds, target.topic, target.topicId, target.partition), {
              ...target,
              lastHighWatermark: read.errorCode !== ErrorCode.NONE ? -1 : read.highWatermark,
              lastLogStartOffset: read.logStartOffset,
            });
          }
          sessionId = session.id;
        }
      }
      return buildResponse(reads, request, context, sessionId);
    }
    const session = sessions.get(request.sessionId);
    if (!session) return sessionError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (session.epoch !== request.sessionEpoch) return sessionError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (session.usesTopicIds !== usesTopicIds) return sessionError(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    updateSession(session, request, version);
    session.epoch = session.epoch >= 0x7fffffff ? 1 : session.epoch + 1;
    sessions.touch(session, context.services.now());
    if (session.partitions.size === 0) {
      sessions.remove(session.id);
      return buildResponse([], request, context, 0);
    }
    const reads = await readUntilSatisfied(sessionTargets(session), request, context);
    // The session may have been evicted or closed by a concurrent request while this one waited.
    if (sessions.get(session.id) !== session) return sessionError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    const answered = reads.filter(mustRespond);
    for (const read of answered) if (read.target.sessionKey !== undefined) session.moveToEnd(read.target.sessionKey);
    return buildResponse(answered, request, context, session.id);
  },
  errorResponse(request, context, errorCode) {
    // Kafka's getErrorResponse: the top-level code, and before v13 the code in every partition too.
    return {
      errorCode,
      sessionId: context.apiVersion >= 7 ? request.sessionId : 0,
      responses: (context.apiVersion >= 13 ? [] : request.topics).map((topic) => ({
        topic: topic.topic,
        topicId: topic.topicId,
        partitions: topic.partitions.map((partition) => ({
          partitionIndex: partition.partition,
          errorCode,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          records: EMPTY,
        })),
      })),
    };
  },
});
