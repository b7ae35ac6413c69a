/**
 * DescribeCluster, FindCoordinator, and the ACL APIs. The embedded broker has no authorizer: like
 * a Kafka broker configured without one, it answers the ACL APIs with SECURITY_DISABLED.
 */
import {
  CreateAcls,
  DeleteAcls,
  DescribeAcls,
  DescribeCluster,
  ErrorCode,
  FindCoordinator,
  type CreateAclsRequest,
  type CreateAclsResponse,
  type DeleteAclsRequest,
  type DeleteAclsResponse,
  type DescribeAclsRequest,
  type DescribeAclsResponse,
  type DescribeClusterRequest,
  type DescribeClusterResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '../../protocol/index.js';
import { CoordinatorKeyType, type ClusterState } from '../cluster-state.js';
import { defineHandler } from '../handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS } from './metadata.js';

const BROKER_ENDPOINTS = 1;

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  api: DescribeCluster,
  handle(request, context) {
    const { cluster } = context.services;
    if (context.apiVersion >= 1 && request.endpointType !== BROKER_ENDPOINTS) {
      return { errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'The target broker only supports broker endpoints', endpointType: request.endpointType };
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKER_ENDPOINTS,
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId(),
      brokers: cluster.brokers.map((broker) => ({ brokerId: broker.id, host: broker.host, port: broker.port, rack: broker.rack })),
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode };
  },
});

/** Kafka's default messages for the codes FindCoordinator reports (v1-v3 carry one). */
const MESSAGES: ReadonlyMap<number, string> = new Map([
  [ErrorCode.NONE, 'NONE'],
  [ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.'],
  [ErrorCode.INVALID_REQUEST, 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.'],
]);

interface CoordinatorAnswer {
  readonly errorCode: number;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

function locate(cluster: ClusterState, keyType: number, key: string): CoordinatorAnswer {
  const none = (errorCode: number): CoordinatorAnswer => ({ errorCode, nodeId: -1, host: '', port: -1 });
  if (keyType !== CoordinatorKeyType.Group && keyType !== CoordinatorKeyType.Transaction) return none(ErrorCode.INVALID_REQUEST);
  const id = cluster.coordinatorFor(keyType === CoordinatorKeyType.Group ? 'group' : 'transaction', key);
  const broker = cluster.broker(id);
  if (!broker || !broker.up) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return { errorCode: ErrorCode.NONE, nodeId: broker.id, host: broker.host, port: broker.port };
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  api: FindCoordinator,
  handle(request, context) {
    const { cluster } = context.services;
    if (context.apiVersion >= 4) {
      return {
        coordinators: request.coordinatorKeys.map((key) => ({ key, ...locate(cluster, request.keyType, key), errorMessage: null })),
      };
    }
    const answer = locate(cluster, request.keyType, request.key);
    return { ...answer, errorMessage: MESSAGES.get(answer.errorCode) ?? null };
  },
  errorResponse(request, context, errorCode) {
    if (context.apiVersion >= 4) {
      return { coordinators: request.coordinatorKeys.map((key) => ({ key, errorCode, nodeId: -1, host: '', port: -1 })) };
    }
    return { errorCode, nodeId: -1, host: '', port: -1 };
  },
});

const NO_AUTHORIZER = 'No Authorizer is configured.';

export const describeAclsHandler = defineHandler<DescribeAclsRequest, DescribeAclsResponse>({
  api: DescribeAcls,
  handle() {
    return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, resources: [] };
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode };
  },
});

export const createAclsHandler = defineHandler<CreateAclsRequest, CreateAclsResponse>({
  api: CreateAcls,
  handle(request) {
    return { results: request.creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER })) };
  },
  errorResponse(request, _context, errorCode) {
    return { results: request.creations.map(() => ({ errorCode })) };
  },
});

export const deleteAclsHandler = defineHandler<DeleteAclsRequest, DeleteAclsResponse>({
  api: DeleteAcls,
  handle(request) {
    return { filterResults: request.filters.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, matchingAcls: [] })) };
  },
  errorResponse(request, _context, errorCode) {
    return { filterResults: request.filters.map(() => ({ errorCode })) };
  },
});
