/**
 * What the broker needs from the group coordinator (src/broker/group-coordinator.ts): the agreed
 * contract, seen from the routing side. The coordinator owns groups and committed offsets for the
 * whole cluster; the broker decides which broker coordinates which group and answers
 * NOT_COORDINATOR before a request reaches it.
 */
import type {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  Input,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetDeleteRequest,
  OffsetDeleteResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../protocol/index.js';

export interface GroupClient {
  readonly clientId: string;
  readonly clientHost: string;
}

export interface GroupCoordinatorPort {
  joinGroup(request: JoinGroupRequest, version: number, client: GroupClient, signal: AbortSignal): Promise<Input<JoinGroupResponse>>;
  syncGroup(request: SyncGroupRequest, version: number, signal: AbortSignal): Promise<Input<SyncGroupResponse>>;
  heartbeat(request: HeartbeatRequest, version: number): Input<HeartbeatResponse>;
  leaveGroup(request: LeaveGroupRequest, version: number): Input<LeaveGroupResponse>;
  offsetCommit(request: OffsetCommitRequest, version: number): Input<OffsetCommitResponse>;
  offsetFetch(request: OffsetFetchRequest, version: number): Input<OffsetFetchResponse>;
  offsetDelete(request: OffsetDeleteRequest, version: number): Input<OffsetDeleteResponse>;
  describeGroups(request: DescribeGroupsRequest, version: number): Input<DescribeGroupsResponse>;
  listGroups(request: ListGroupsRequest, version: number): Input<ListGroupsResponse>;
  deleteGroups(request: DeleteGroupsRequest, version: number): Input<DeleteGroupsResponse>;
  /** Forgets committed offsets of a deleted topic, as Kafka does. */
  deleteTopicOffsets?(topic: string): void;
  close(): void;
}

/** What the coordinator is built with (mirrors GroupCoordinatorOptions). */
export interface GroupCoordinatorSettings {
  partitionExists(topic: string, partition: number): boolean;
  initialRebalanceDelayMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
}
