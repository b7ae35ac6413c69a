/**
 * Partition assignors of the classic consumer group protocol and the consumer-protocol byte
 * formats: 'range', 'roundrobin', 'sticky' and 'cooperative-sticky' with the Java client's
 * rules, the `PartitionAssignor` interface user-written assignors implement, and the helpers the
 * consumer's group membership uses around them.
 */
export type {
  ClusterView,
  GroupAssignment,
  MemberAssignment,
  MemberSubscription,
  PartitionAssignor,
  PartitionView,
  RebalanceProtocol,
  ReceivedAssignment,
  TopicPartition,
} from './types.js';
export { REBALANCE_PROTOCOL_ID } from './types.js';
export {
  CONSUMER_PROTOCOL_TYPE,
  CONSUMER_PROTOCOL_VERSION,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type AssignmentInput,
  type DecodedAssignment,
  type DecodedSubscription,
  type SubscriptionInput,
} from './consumer-protocol.js';
export { RangeAssignor } from './range.js';
export { RoundRobinAssignor } from './round-robin.js';
export { CooperativeStickyAssignor, StickyAssignor } from './sticky.js';
export {
  NO_GENERATION,
  decodeCooperativeUserData,
  decodeStickyUserData,
  encodeCooperativeUserData,
  encodeStickyUserData,
  type StickyMemberData,
} from './sticky-user-data.js';
export {
  chooseRebalanceProtocol,
  computeGroupAssignment,
  decodeGroupSubscriptions,
  encodeGroupAssignment,
  joinGroupProtocols,
  partitionChanges,
  validateCooperativeAssignment,
  type JoinGroupProtocol,
  type JoinedMember,
  type MemberJoinState,
  type PartitionChanges,
} from './group-protocol.js';
export { compareTopicPartitions, sortTopicPartitions } from './topic-partitions.js';
