/**
 * The wire side of a consumer group member: JoinGroup, SyncGroup, Heartbeat and LeaveGroup requests
 * shaped per version, their answers checked, and the leader's assignment (every member's subscription
 * decoded, fresh metadata for all their topics, the chosen assignor run and its result checked
 * and encoded). Error codes become `KafkaProtocolError`s naming the group and the API; what they
 * mean for the member is decided in membership.ts.
 */
import type { ApiDescriptor, Input } from '../../protocol/api.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { MetadataCache } from '../../cluster/metadata.js';
import type { BrokerChannel } from '../../cluster/broker-pool.js';
import type { Logger } from '../../cluster/logger.js';
import { KafkaProtocolError, KafkaUnsupportedVersionError } from '../../protocol/errors.js';
import { Heartbeat } from '../../protocol/generated/heartbeat.js';
import { JoinGroup, type JoinGroupResponse } from '../../protocol/generated/join-group.js';
import { LeaveGroup } from '../../protocol/generated/leave-group.js';
import { SyncGroup, type SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import { Reader } from '../../protocol/primitives/reader.js';
import { CONSUMER_PROTOCOL_TYPE } from '../assignors/consumer-protocol.js';
import {
  computeGroupAssignment,
  decodeGroupSubscriptions,
  encodeGroupAssignment,
  type JoinGroupProtocol,
} from '../assignors/group-protocol.js';
import type { ClusterView, PartitionAssignor, PartitionView, RebalanceProtocol } from '../assignors/types.js';

export const MEMBER_ID_REQUIRED = 79;
export const INCONSISTENT_GROUP_PROTOCOL = 23;
/** Kafka truncates join and leave reasons to this many characters. */
const MAX_REASON_LENGTH = 255;

/** The connection lane of JoinGroup and SyncGroup, which the coordinator parks for a long time. */
export const JOIN_LANE = 'group-join';
/** The lane of the member's other coordinator traffic: heartbeats, commits, offset fetches, LeaveGroup. */
export const GROUP_LANE = 'group';

export interface JoinRequestParams {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocols: readonly JoinGroupProtocol[];
  readonly reason: string;
}

function shortReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : reason.slice(0, MAX_REASON_LENGTH);
}

/** Static membership (a group instance id) needs JoinGroup v5+, as in Java. */
export function checkStaticMembershipSupport(groupInstanceId: string | null, channel: BrokerChannel, version: number): void {
  if (groupInstanceId !== null && version < 5) {
    throw new KafkaUnsupportedVersionError(`static membership (groupInstanceId ${groupInstanceId}) needs JoinGroup v5+, ${channel.label} supports at most v${version}`);
  }
}

/**
 * Sends a request and decodes the answer. An answer that does not decode but starts (after the
 * throttle time from `throttleFrom`) with a non-zero error code is read as that error: librdkafka's
 * mock writes null strings and bytes into JoinGroup and SyncGroup error answers, which Java would
 * refuse, and the error code is what matters there.
 */
async function sendReadingErrorCode<Request, Response>(
  channel: BrokerChannel,
  api: ApiDescriptor<Request, Response>,
  version: number,
  body: Input<Request>,
  options: { signal: AbortSignal; timeoutMs: number },
  throttleFrom: number,
  errorOnly: (errorCode: number) => Response,
): Promise<Response> {
  const bytes = await channel.connection.requestRaw(
    api.apiKey,
    version,
    { request: api.requestHeaderVersion(version), response: api.responseHeaderVersion(version) },
    (writer) => api.encodeRequest(writer, version, body),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  try {
    return api.decodeResponse(new Reader(bytes), version);
  } catch (error) {
    const at = version >= throttleFrom ? 4 : 0;
    const errorCode = bytes.length >= at + 2 ? bytes.readInt16BE(at) : 0;
    if (errorCode === 0) throw error;
    return errorOnly(errorCode);
  }
}

/** Sends one JoinGroup and returns the answer as is (MEMBER_ID_REQUIRED and other codes included). */
export function sendJoinGroup(channel: BrokerChannel, params: JoinRequestParams, options: { signal: AbortSignal; timeoutMs: number }): Promise<JoinGroupResponse> {
  const version = channel.pick(JoinGroup);
  checkStaticMembershipSupport(params.groupInstanceId, channel, version);
  return sendReadingErrorCode(
    channel,
    JoinGroup,
    version,
    {
      groupId: params.groupId,
      sessionTimeoutMs: params.sessionTimeoutMs,
      rebalanceTimeoutMs: params.rebalanceTimeoutMs,
      memberId: params.memberId,
      ...(version >= 5 ? { groupInstanceId: params.groupInstanceId } : {}),
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: params.protocols.map((protocol) => ({ name: protocol.name, metadata: protocol.metadata })),
      reason: shortReason(params.reason),
    },
    options,
    2,
    (errorCode) => ({ throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: '', members: [] }),
  );
}

/** Checks a successful JoinGroup answer names a protocol of ours; returns the protocol name. */
export function checkJoinedProtocol(groupId: string, response: JoinGroupResponse, assignors: readonly PartitionAssignor[]): string {
  if (response.protocolType !== null && response.protocolType !== CONSUMER_PROTOCOL_TYPE) {
    throw new KafkaProtocolError(INCONSISTENT_GROUP_PROTOCOL, { groupId, apiName: 'JoinGroup' }, `the group uses protocol type '${response.protocolType}', not '${CONSUMER_PROTOCOL_TYPE}'`);
  }
  const name = response.protocolName;
  if (name === null || !assignors.some((assignor) => assignor.name === name)) {
    throw new KafkaProtocolError(INCONSISTENT_GROUP_PROTOCOL, { groupId, apiName: 'JoinGroup' }, `the coordinator chose assignor '${String(name)}', which this member does not offer`);
  }
  return name;
}

export interface SyncRequestParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolName: string;
  /** Empty unless this member is the leader and assigned. */
  readonly assignments: ReadonlyMap<string, Buffer>;
}

/** Sends SyncGroup and returns this member's assignment bytes; error codes throw `KafkaProtocolError`. */
export async function sendSyncGroup(channel: BrokerChannel, params: SyncRequestParams, options: { signal: AbortSignal; timeoutMs: number }): Promise<Buffer> {
  const version = channel.pick(SyncGroup);
  const response = await sendReadingErrorCode(
    channel,
    SyncGroup,
    version,
    {
      groupId: params.groupId,
      generationId: params.generationId,
      memberId: params.memberId,
      ...(version >= 3 ? { groupInstanceId: params.groupInstanceId } : {}),
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: params.protocolName,
      assignments: [...params.assignments].map(([memberId, assignment]) => ({ memberId, assignment })),
    },
    options,
    1,
    (errorCode): SyncGroupResponse => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }),
  );
  if (response.errorCode !== 0) throw new KafkaProtocolError(response.errorCode, { groupId: params.groupId, apiName: 'SyncGroup' }, null);
  if (response.protocolName !== null && response.protocolName !== params.protocolName) {
    throw new KafkaProtocolError(INCONSISTENT_GROUP_PROTOCOL, { groupId: params.groupId, apiName: 'SyncGroup' }, `SyncGroup names assignor '${response.protocolName}', JoinGroup named '${params.protocolName}'`);
  }
  return response.assignment;
}

/**
 * Sends LeaveGroup for one dynamic member (v0-2: the member id; v3+: the member list, with the
 * reason from v5). Resolves with the error code (top level, else the member's).
 */
async function sendLeaveGroup(channel: BrokerChannel, groupId: string, memberId: string, reason: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<number> {
  const version = channel.pick(LeaveGroup);
  const body = version >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null, reason: shortReason(reason) }] } : { groupId, memberId };
  const response = await channel.send(LeaveGroup, body, { version, signal: options.signal, timeoutMs: options.timeoutMs });
  if (response.errorCode !== 0) return response.errorCode;
  return response.members.find((member) => member.memberId === memberId)?.errorCode ?? 0;
}

const UNKNOWN_MEMBER_ID = 25;

/**
 * Leaves the group for a dynamic member: LeaveGroup, retried on coordinator errors for at most
 * `timeoutMs`. Failures are only logged: the coordinator drops the member after its session.
 */
export async function leaveGroup(cluster: Cluster, groupId: string, memberId: string, reason: string, timeoutMs: number, logger: Logger): Promise<void> {
  const coordinator = { type: 'group', key: groupId } as const;
  try {
    await cluster.withRetries(
      async (attempt) => {
        attempt.usingCoordinator(coordinator);
        const channel = await cluster.route({ coordinator }, { signal: attempt.signal, lane: GROUP_LANE });
        const code = await sendLeaveGroup(channel, groupId, memberId, reason, { signal: attempt.signal, timeoutMs: attempt.requestTimeoutMs() });
        // UNKNOWN_MEMBER_ID: the coordinator already let the member go.
        if (code !== 0 && code !== UNKNOWN_MEMBER_ID) throw new KafkaProtocolError(code, { groupId, apiName: 'LeaveGroup' });
      },
      { timeoutMs, what: `LeaveGroup for group ${groupId}`, coordinator },
    );
    logger.info('left the group', { groupId, memberId, reason });
  } catch (error) {
    logger.warn('LeaveGroup failed; the coordinator drops the member after its session timeout', { groupId, error });
  }
}

/** Sends one Heartbeat for `generationId`/`memberId`; a non-zero error code throws `KafkaProtocolError`. */
export async function sendHeartbeat(
  cluster: Cluster,
  params: { groupId: string; groupInstanceId: string | null; generationId: number; memberId: string },
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<void> {
  const channel = await cluster.route({ coordinator: { type: 'group', key: params.groupId } }, { signal: options.signal, lane: GROUP_LANE });
  const version = channel.pick(Heartbeat);
  const response = await channel.send(
    Heartbeat,
    {
      groupId: params.groupId,
      generationId: params.generationId,
      memberId: params.memberId,
      ...(version >= 3 ? { groupInstanceId: params.groupInstanceId } : {}),
    },
    { version, signal: options.signal, timeoutMs: options.timeoutMs },
  );
  if (response.errorCode !== 0) throw new KafkaProtocolError(response.errorCode, { groupId: params.groupId, apiName: 'Heartbeat' });
}

/** The assignors' view of the cluster: partitions of topics known without error, with their replicas' racks. */
export function clusterViewOf(metadata: MetadataCache): ClusterView {
  return {
    partitionsFor(topic: string): readonly PartitionView[] | undefined {
      const entry = metadata.topic(topic);
      if (entry === undefined || entry.errorCode !== 0) return undefined;
      return entry.partitions.map((partition) => {
        const racks = partition.replicas.map((id) => metadata.broker(id)?.rack ?? null).filter((rack): rack is string => rack !== null);
        return racks.length === 0 ? { partition: partition.partition } : { partition: partition.partition, replicaRacks: racks };
      });
    },
  };
}

/** The number of partitions of each topic as the metadata cache knows it now (-1: unknown). */
export function partitionCounts(metadata: MetadataCache, topics: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const topic of topics) {
    const entry = metadata.topic(topic);
    counts.set(topic, entry === undefined || entry.errorCode !== 0 ? -1 : entry.partitions.length);
  }
  return counts;
}

export interface LeaderAssignment {
  /** Each member's encoded assignment, for SyncGroup. */
  readonly assignments: Map<string, Buffer>;
  /** Every topic some member subscribes to (the leader watches their metadata). */
  readonly groupTopics: string[];
}

/**
 * The leader's work: decode every member's subscription, refresh the metadata of all their topics
 * (they may differ from the leader's own), run the assignor the coordinator chose, check and encode.
 */
export async function assignAsLeader(
  cluster: Cluster,
  assignor: PartitionAssignor,
  protocol: RebalanceProtocol,
  members: JoinGroupResponse['members'],
  signal: AbortSignal,
): Promise<LeaderAssignment> {
  const subscriptions = decodeGroupSubscriptions(members);
  const groupTopics = [...new Set([...subscriptions.values()].flatMap((subscription) => subscription.topics))].sort();
  if (groupTopics.length > 0) {
    cluster.addTopics(groupTopics);
    await cluster.refreshMetadata({ topics: groupTopics, signal });
  }
  const assignment = computeGroupAssignment(assignor, protocol, clusterViewOf(cluster.metadata), subscriptions);
  return { assignments: encodeGroupAssignment(assignment), groupTopics };
}
