/**
 * The group APIs, routed to the cluster's one group coordinator. Only the broker that coordinates
 * a group (FindCoordinator's answer) serves it: elsewhere the group gets NOT_COORDINATOR, per group
 * in the batched requests (OffsetFetch v8+, DescribeGroups, DeleteGroups), and ListGroups lists the
 * groups this broker coordinates, as each Kafka broker lists those of its own partitions.
 */
import {
  DeleteGroups,
  DescribeGroups,
  ErrorCode,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  SyncGroup,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type Input,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from '../../protocol/index.js';
import { defineHandler, type AnyApiHandler, type ApiHandler, type RequestContext } from '../handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js';

function coordinatesHere(context: RequestContext, groupId: string): boolean {
  return context.services.cluster.coordinatorFor('group', groupId) === context.broker.id;
}

/**
 * The handler of an API about one group: `serve` runs on the group's coordinator; elsewhere the
 * answer is the API's error response with NOT_COORDINATOR.
 */
function defineGroupHandler<Request extends { readonly groupId: string }, Response>(handler: {
  readonly api: ApiHandler<Request, Response>['api'];
  serve: ApiHandler<Request, Response>['handle'];
  errorResponse: ApiHandler<Request, Response>['errorResponse'];
}): AnyApiHandler {
  return defineHandler<Request, Response>({
    api: handler.api,
    handle(request, context) {
      if (!coordinatesHere(context, request.groupId)) return handler.errorResponse(request, context, ErrorCode.NOT_COORDINATOR);
      return handler.serve(request, context);
    },
    errorResponse: handler.errorResponse,
  });
}

/**
 * The per-group answers of a batched group API: the groups this broker coordinates are served in
 * one call of `serve`, the others get NOT_COORDINATOR (and a coordinated group the answer left out,
 * UNKNOWN_SERVER_ERROR), in the order of the request.
 */
function answerPerGroup<Requested, Answer extends { readonly groupId?: string }>(
  context: RequestContext,
  requested: readonly Requested[],
  groupIdOf: (entry: Requested) => string,
  serve: (local: Requested[]) => readonly Answer[] | undefined,
  failed: (groupId: string, errorCode: number) => Answer,
): Answer[] {
  const local = requested.filter((entry) => coordinatesHere(context, groupIdOf(entry)));
  const answered = local.length > 0 ? (serve(local) ?? []) : [];
  const byId = new Map(answered.map((answer) => [answer.groupId, answer]));
  return requested.map((entry) => {
    const groupId = groupIdOf(entry);
    return byId.get(groupId) ?? failed(groupId, coordinatesHere(context, groupId) ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.NOT_COORDINATOR);
  });
}

function joinGroupError(version: number, errorCode: number): Input<JoinGroupResponse> {
  // From v7 the protocol type and name are nullable, and Kafka leaves them null in errors.
  return { errorCode, generationId: -1, protocolType: null, protocolName: version >= 7 ? null : '', leader: '', memberId: '', members: [] };
}

export const joinGroupHandler = defineGroupHandler<JoinGroupRequest, JoinGroupResponse>({
  api: JoinGroup,
  serve(request, context) {
    return context.services.groups.joinGroup(request, context.apiVersion, { clientId: context.clientId, clientHost: context.clientHost }, context.signal);
  },
  errorResponse(_request, context, errorCode) {
    return joinGroupError(context.apiVersion, errorCode);
  },
});

export const syncGroupHandler = defineGroupHandler<SyncGroupRequest, SyncGroupResponse>({
  api: SyncGroup,
  serve(request, context) {
    return context.services.groups.syncGroup(request, context.apiVersion, context.signal);
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode, assignment: Buffer.alloc(0) };
  },
});

export const heartbeatHandler = defineGroupHandler<HeartbeatRequest, HeartbeatResponse>({
  api: Heartbeat,
  serve(request, context) {
    return context.services.groups.heartbeat(request, context.apiVersion);
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode };
  },
});

export const leaveGroupHandler = defineGroupHandler<LeaveGroupRequest, LeaveGroupResponse>({
  api: LeaveGroup,
  serve(request, context) {
    return context.services.groups.leaveGroup(request, context.apiVersion);
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode };
  },
});

function offsetCommitError(request: OffsetCommitRequest, errorCode: number): Input<OffsetCommitResponse> {
  return {
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode })),
    })),
  };
}

export const offsetCommitHandler = defineGroupHandler<OffsetCommitRequest, OffsetCommitResponse>({
  api: OffsetCommit,
  serve(request, context) {
    return context.services.groups.offsetCommit(request, context.apiVersion);
  },
  errorResponse(request, _context, errorCode) {
    return offsetCommitError(request, errorCode);
  },
});

/** An OffsetFetch answer for one group that fails as a whole, in the shape of the request's version. */
function offsetFetchError(request: OffsetFetchRequest, version: number, errorCode: number): Input<OffsetFetchResponse> {
  if (version >= 8) return { groups: request.groups.map((group) => ({ groupId: group.groupId, errorCode, topics: [] })) };
  if (version >= 2) return { errorCode, topics: [] };
  // v0-v1 have no group-level error: every requested partition carries it.
  return {
    topics: (request.topics ?? []).map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, metadata: '', errorCode })),
    })),
  };
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  api: OffsetFetch,
  handle(request, context) {
    const version = context.apiVersion;
    if (version < 8) {
      if (!coordinatesHere(context, request.groupId)) return offsetFetchError(request, version, ErrorCode.NOT_COORDINATOR);
      return context.services.groups.offsetFetch(request, version);
    }
    return {
      groups: answerPerGroup(
        context,
        request.groups,
        (group) => group.groupId,
        (local) => context.services.groups.offsetFetch({ ...request, groups: local }, version).groups,
        (groupId, errorCode) => ({ groupId, errorCode, topics: [] }),
      ),
    };
  },
  errorResponse(request, context, errorCode) {
    return offsetFetchError(request, context.apiVersion, errorCode);
  },
});

function describedGroupError(groupId: string, errorCode: number) {
  return { errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  api: DescribeGroups,
  handle(request, context) {
    return {
      groups: answerPerGroup(
        context,
        request.groups,
        (groupId) => groupId,
        (local) => context.services.groups.describeGroups({ ...request, groups: local }, context.apiVersion).groups,
        describedGroupError,
      ),
    };
  },
  errorResponse(request, _context, errorCode) {
    return { groups: request.groups.map((groupId) => describedGroupError(groupId, errorCode)) };
  },
});

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  api: ListGroups,
  handle(request, context) {
    const listed = context.services.groups.listGroups(request, context.apiVersion);
    return { ...listed, groups: (listed.groups ?? []).filter((group) => coordinatesHere(context, group.groupId ?? '')) };
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode, groups: [] };
  },
});

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  api: DeleteGroups,
  handle(request, context) {
    return {
      results: answerPerGroup(
        context,
        request.groupsNames,
        (groupId) => groupId,
        (local) => context.services.groups.deleteGroups({ ...request, groupsNames: local }, context.apiVersion).results,
        (groupId, errorCode) => ({ groupId, errorCode }),
      ),
    };
  },
  errorResponse(request, _context, errorCode) {
    return { results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
});

export const offsetDeleteHandler = defineGroupHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  api: OffsetDelete,
  serve(request, context) {
    return context.services.groups.offsetDelete(request, context.apiVersion);
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode, topics: [] };
  },
});
