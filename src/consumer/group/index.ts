/**
 * Consumer-group membership (classic protocol): `GroupMembership` for subscribed consumers, and
 * `OffsetCommitter` for assign()-mode consumers that commit to a group without joining it.
 */
export {
  GroupMembership,
  topicPartitionKey,
  type CommittedOffset,
  type GenerationInfo,
  type MemberState,
  type MembershipHost,
  type MembershipOptions,
  type OffsetRequestOptions,
  type TopicPartition,
} from './membership.js';
export { OffsetCommitter, type OffsetCommitterOptions } from './committer.js';
export { parseTopicPartitionKey } from './offsets.js';
export { KafkaCommitFailedError, KafkaRebalanceCallbackError, KafkaRebalanceInProgressError } from './errors.js';
