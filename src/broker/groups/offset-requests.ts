/**
 * OffsetCommit, OffsetFetch and OffsetDelete against the coordinator's groups, with Kafka's rules:
 * commits to unknown partitions fail alone; group commits are checked against the member and
 * generation, simple commits (generation -1, no member) only reach groups without members, and
 * create the group when needed; metadata longer than the limit is refused per partition.
 */
import type { Input } from '../../protocol/api.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponsePartition } from '../../protocol/generated/offset-commit.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/generated/offset-delete.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/generated/offset-fetch.js';
import type { ClassicGroup } from './classic-group.js';

export interface OffsetRequestContext {
  /** The live group of that id, if any. */
  findGroup(groupId: string): ClassicGroup | undefined;
  /** Creates an empty group; null when the coordinator holds as many groups as it may. */
  createGroup(groupId: string): ClassicGroup | null;
  partitionExists(topic: string, partition: number): boolean;
  now(): number;
  /** Kafka's offset.metadata.max.bytes (compared, like Kafka, with the string's length). */
  readonly offsetMetadataMaxBytes: number;
  /** A group commit from a member also counts as a sign of life. */
  touchMember(group: ClassicGroup, memberId: string): void;
}

// ------------------------------------------------------------------ OffsetCommit

export function commitOffsets(context: OffsetRequestContext, request: OffsetCommitRequest, version: number): Input<OffsetCommitResponse> {
  const results = request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition): { partition: typeof partition; errorCode: number } => ({
      partition,
      errorCode: context.partitionExists(topic.name, partition.partitionIndex) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    })),
  }));
  const hasValidPartition = results.some((topic) => topic.partitions.some((result) => result.errorCode === ErrorCode.NONE));
  if (hasValidPartition) {
    const { group, errorCode } = groupForCommit(context, request, version);
    const committedAt = context.now();
    for (const topic of results) {
      for (const result of topic.partitions) {
        if (result.errorCode !== ErrorCode.NONE) continue;
        const { partition } = result;
        if (group === null) {
          result.errorCode = errorCode;
        } else if (partition.committedMetadata !== null && partition.committedMetadata.length > context.offsetMetadataMaxBytes) {
          result.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        } else {
          group.offsets.set(topic.name, partition.partitionIndex, {
            offset: partition.committedOffset,
            leaderEpoch: partition.committedLeaderEpoch,
            metadata: partition.committedMetadata ?? '',
            commitTimestampMs: committedAt,
          });
        }
      }
    }
  }
  return {
    throttleTimeMs: 0,
    topics: results.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partition, errorCode }): Input<OffsetCommitResponsePartition> => ({
        partitionIndex: partition.partitionIndex,
        errorCode,
      })),
    })),
  };
}

function groupForCommit(
  context: OffsetRequestContext,
  request: OffsetCommitRequest,
  version: number,
): { group: ClassicGroup; errorCode: 0 } | { group: null; errorCode: number } {
  const generationId = request.generationIdOrMemberEpoch;
  let group = context.findGroup(request.groupId);
  if (group === undefined) {
    // A consumer that assigns partitions itself commits with generation -1: its group is created.
    if (generationId < 0) group = context.createGroup(request.groupId) ?? undefined;
    else return { group: null, errorCode: version >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION };
    if (group === undefined) return { group: null, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  }
  const errorCode = validateCommit(group, request.memberId, request.groupInstanceId, generationId);
  if (errorCode !== ErrorCode.NONE) return { group: null, errorCode };
  context.touchMember(group, request.memberId);
  return { group, errorCode };
}

/** Kafka's check of an offset commit against the group's membership and generation. */
export function validateCommit(group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
    const memberError = group.validateMember(memberId, groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!group.is('Empty')) {
    // A simple commit (no member, no generation) must not overwrite a live group's offsets.
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  // The member has its JoinGroup answer but not its assignment: it should wait for SyncGroup.
  if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

// ------------------------------------------------------------------ OffsetFetch

interface FetchedPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

interface FetchedGroup {
  groupId: string;
  errorCode: number;
  topics: Array<{ name: string; partitions: FetchedPartition[] }>;
}

type RequestedTopics = ReadonlyArray<{ readonly name: string; readonly partitionIndexes: readonly number[] }> | null;

/**
 * One group's offsets: the requested partitions (-1 and "" where none is committed, also when the
 * group does not exist), or every committed one when `topics` is null.
 */
function fetchGroupOffsets(context: OffsetRequestContext, groupId: string, topics: RequestedTopics, groupErrorCode: number): FetchedGroup {
  const group = groupErrorCode === ErrorCode.NONE ? context.findGroup(groupId) : undefined;
  if (topics === null) {
    const all = group === undefined ? [] : [...group.offsets.entries()];
    return {
      groupId,
      errorCode: groupErrorCode,
      topics: all.map(([name, partitions]) => ({
        name,
        partitions: [...partitions].map(([partitionIndex, committed]) => ({
          partitionIndex,
          committedOffset: committed.offset,
          committedLeaderEpoch: committed.leaderEpoch,
          metadata: committed.metadata,
          errorCode: ErrorCode.NONE,
        })),
      })),
    };
  }
  return {
    groupId,
    errorCode: groupErrorCode,
    topics: topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => {
        const committed = group?.offsets.get(topic.name, partitionIndex);
        return {
          partitionIndex,
          committedOffset: committed?.offset ?? -1n,
          committedLeaderEpoch: committed?.leaderEpoch ?? -1,
          metadata: committed?.metadata ?? '',
          errorCode: ErrorCode.NONE,
        };
      }),
    })),
  };
}

/**
 * OffsetFetch of every version: v8+ asks for many groups at once; before, one group, with the
 * group-level error at the top (v2+) or repeated on every partition (v0-1).
 */
export function fetchOffsets(context: OffsetRequestContext, request: OffsetFetchRequest, version: number, groupErrorCode: number): Input<OffsetFetchResponse> {
  if (version >= 8) {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((group) => fetchGroupOffsets(context, group.groupId, group.topics, groupErrorCode)),
    };
  }
  const fetched = fetchGroupOffsets(context, request.groupId, request.topics, groupErrorCode);
  const errorOnPartitions = version < 2 ? fetched.errorCode : ErrorCode.NONE;
  return {
    throttleTimeMs: 0,
    ...(version >= 2 ? { errorCode: fetched.errorCode } : {}),
    topics: fetched.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({
        partitionIndex: partition.partitionIndex,
        committedOffset: partition.committedOffset,
        ...(version >= 5 ? { committedLeaderEpoch: partition.committedLeaderEpoch } : {}),
        metadata: partition.metadata,
        errorCode: errorOnPartitions || partition.errorCode,
      })),
    })),
  };
}

// ------------------------------------------------------------------ OffsetDelete

export function deleteOffsets(context: OffsetRequestContext, request: OffsetDeleteRequest): Input<OffsetDeleteResponse> {
  if (request.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
  const group = context.findGroup(request.groupId);
  if (group === undefined || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] };
  // A live group that is not a consumer group gives no way to tell which offsets are in use.
  if (!group.is('Empty') && !group.usesConsumerGroupProtocol()) {
    return { errorCode: ErrorCode.NON_EMPTY_GROUP, throttleTimeMs: 0, topics: [] };
  }
  return {
    errorCode: ErrorCode.NONE,
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => {
      const subscribed = group.isSubscribedToTopic(topic.name);
      return {
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex }) => {
          if (subscribed) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          group.offsets.delete(topic.name, partitionIndex);
          return { partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    }),
  };
}
