/**
 * Metadata: brokers, cluster id, controller, and topics with their partitions' leaders, epochs,
 * replicas and ISR; topic ids from v10, lookups by id from v12. A topic that does not exist is
 * created when both the cluster and the request allow it, and reported LEADER_NOT_AVAILABLE in
 * that first answer, as Kafka's auto topic creation does.
 */
import {
  ErrorCode,
  Metadata,
  ZERO_UUID,
  type Input,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '../../protocol/index.js';
import { BrokerRequestError, invalidTopicNameReason, type ClusterState, type TopicState } from '../cluster-state.js';
import { defineHandler } from '../handler.js';

/** Kafka's "not requested" value for authorized operations. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Without an authorizer, Kafka reports every operation a resource type supports. */
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, operation) => bits | (1 << operation), 0);
export const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, operation) => bits | (1 << operation), 0);

export function describeTopic(topic: TopicState, includeOperations: boolean): Input<MetadataResponseTopic> {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: false,
    partitions: topic.partitions.map((partition) => ({
      errorCode: partition.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: partition.index,
      leaderId: partition.leader,
      leaderEpoch: partition.leaderEpoch,
      replicaNodes: [...partition.replicas],
      isrNodes: [...partition.isr],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOperations ? TOPIC_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function missingTopic(cluster: ClusterState, name: string, autoCreate: boolean): Input<MetadataResponseTopic> {
  const problem = invalidTopicNameReason(name);
  if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, topicId: ZERO_UUID, partitions: [] };
  if (!autoCreate) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, partitions: [] };
  try {
    cluster.createTopic({ name, partitions: -1, replicationFactor: -1 });
    return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, name, topicId: ZERO_UUID, partitions: [] };
  } catch (error) {
    if (error instanceof BrokerRequestError) return { errorCode: error.errorCode, name, topicId: ZERO_UUID, partitions: [] };
    throw error;
  }
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  api: Metadata,
  handle(request, context) {
    const { cluster } = context.services;
    const version = context.apiVersion;
    const includeTopicOperations = version >= 8 && request.includeTopicAuthorizedOperations;
    // Before v4 every Metadata request could create topics; v0 asks for all topics with an empty list.
    const autoCreate = cluster.settings.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
    const everything = request.topics === null || (version === 0 && request.topics.length === 0);
    const topics: Input<MetadataResponseTopic>[] = [];
    if (everything) {
      for (const topic of cluster.topics()) topics.push(describeTopic(topic, includeTopicOperations));
    } else {
      const seen = new Set<string>();
      for (const wanted of request.topics ?? []) {
        const byId = wanted.name === null && wanted.topicId !== ZERO_UUID;
        const dedupeKey = byId ? `id:${wanted.topicId}` : `name:${wanted.name ?? ''}`;
        if (seen.has(dedupeKey)) continue;
        seen.add(dedupeKey);
        if (byId) {
          const topic = cluster.topicById(wanted.topicId);
          topics.push(
            topic ? describeTopic(topic, includeTopicOperations) : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: wanted.topicId, partitions: [] },
          );
          continue;
        }
        if (wanted.name === null) {
          topics.push({ errorCode: ErrorCode.INVALID_REQUEST, name: null, topicId: ZERO_UUID, partitions: [] });
          continue;
        }
        const topic = cluster.topic(wanted.name);
        topics.push(topic ? describeTopic(topic, includeTopicOperations) : missingTopic(cluster, wanted.name, autoCreate));
      }
    }
    return {
      brokers: cluster.brokers.map((broker) => ({ nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack })),
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId(),
      topics,
      clusterAuthorizedOperations: version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
  errorResponse(request, _context, errorCode) {
    // Kafka's MetadataRequest.getErrorResponse: every requested topic with the error, no brokers.
    return { topics: (request.topics ?? []).map((topic) => ({ errorCode, name: topic.name ?? '', topicId: topic.topicId, partitions: [] })) };
  },
});
