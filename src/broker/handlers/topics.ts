/**
 * CreateTopics and DeleteTopics, answered at once (creation and deletion are instantaneous here).
 * Errors as Kafka's controller gives them: duplicate names in one request, invalid names, counts,
 * replica assignments and configs, existing or unknown topics.
 */
import {
  CreateTopics,
  DeleteTopics,
  ErrorCode,
  ZERO_UUID,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type DeleteTopicsResponseDeletableTopicResult,
  type Input,
} from '../../protocol/index.js';
import { BrokerRequestError, type TopicState } from '../cluster-state.js';
import { defineHandler } from '../handler.js';
import { describeTopicConfigs, type TopicConfigDefaults } from '../topic-config.js';

type TopicResult = Input<CreateTopicsResponseCreatableTopicResult>;

function failedTopic(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return { name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null };
}

function createdTopic(topic: TopicState, defaults: TopicConfigDefaults, partitions: number, replicationFactor: number): TopicResult {
  return {
    name: topic.name,
    topicId: topic.id,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: partitions,
    replicationFactor,
    configs: describeTopicConfigs(topic.configs, defaults).map((config) => ({
      name: config.name,
      value: config.value,
      readOnly: false,
      configSource: config.source,
      isSensitive: false,
    })),
  };
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  api: CreateTopics,
  handle(request, context) {
    const { cluster } = context.services;
    const counts = new Map<string, number>();
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    const reported = new Set<string>();
    for (const wanted of request.topics) {
      if (reported.has(wanted.name)) continue;
      reported.add(wanted.name);
      if ((counts.get(wanted.name) ?? 0) > 1) {
        results.push(failedTopic(wanted.name, ErrorCode.INVALID_REQUEST, `Create topics request from client \`${context.clientId}\` contains multiple entries for the following topics: ${wanted.name}`));
        continue;
      }
      if (wanted.assignments.length > 0 && (wanted.numPartitions !== -1 || wanted.replicationFactor !== -1)) {
        results.push(failedTopic(wanted.name, ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.'));
        continue;
      }
      const nullConfig = wanted.configs.find((config) => config.value === null);
      if (nullConfig) {
        results.push(failedTopic(wanted.name, ErrorCode.INVALID_REQUEST, `Null value not supported for topic configs: ${nullConfig.name}`));
        continue;
      }
      const assignments = [...wanted.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      if (assignments.some((assignment, index) => assignment.partitionIndex !== index)) {
        results.push(failedTopic(wanted.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence'));
        continue;
      }
      try {
        const topic = cluster.createTopic(
          {
            name: wanted.name,
            partitions: wanted.numPartitions,
            replicationFactor: wanted.replicationFactor,
            assignments: assignments.map((assignment) => assignment.brokerIds),
            configs: new Map(wanted.configs.map((config) => [config.name, config.value ?? ''])),
          },
          request.validateOnly,
        );
        const partitions = assignments.length > 0 ? assignments.length : wanted.numPartitions === -1 ? cluster.settings.defaultPartitions : wanted.numPartitions;
        const replicationFactor =
          assignments.length > 0 ? assignments[0]!.brokerIds.length : wanted.replicationFactor === -1 ? cluster.settings.defaultReplicationFactor : wanted.replicationFactor;
        results.push(createdTopic(topic, cluster.settings, partitions, replicationFactor));
      } catch (error) {
        if (!(error instanceof BrokerRequestError)) throw error;
        results.push(failedTopic(wanted.name, error.errorCode, error.message));
      }
    }
    return { topics: results };
  },
  errorResponse(request, _context, errorCode) {
    return { topics: request.topics.map((topic) => failedTopic(topic.name, errorCode, null)) };
  },
});

type DeleteResult = Input<DeleteTopicsResponseDeletableTopicResult>;

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  api: DeleteTopics,
  handle(request, context) {
    const { cluster } = context.services;
    const byIdOrName = context.apiVersion >= 6;
    const wanted = byIdOrName ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteResult[] = wanted.map((entry) => {
      const base = { name: entry.name, topicId: entry.topicId };
      if (entry.name !== null && entry.topicId !== ZERO_UUID) {
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'You may not specify both topic name and topic id.' };
      }
      const topic = entry.name !== null ? cluster.topic(entry.name) : cluster.topicById(entry.topicId);
      if (!topic) {
        const errorCode = entry.name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
        return { ...base, errorCode, errorMessage: entry.name !== null ? 'This server does not host this topic-partition.' : 'This server does not host this topic ID.' };
      }
      cluster.deleteTopic(topic);
      return { name: topic.name, topicId: byIdOrName ? topic.id : ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    return { responses };
  },
  errorResponse(request, context, errorCode) {
    const names = context.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    return { responses: names.map((entry) => ({ name: entry.name, topicId: entry.topicId, errorCode })) };
  },
});
