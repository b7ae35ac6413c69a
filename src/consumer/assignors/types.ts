/**
 * The partition-assignor contract of the classic consumer group protocol (protocol type
 * "consumer"), modeled on the Java client's `ConsumerPartitionAssignor`.
 *
 * Each member of a group offers, in JoinGroup, one subscription per configured assignor (named
 * by the assignor's protocol name); the coordinator picks one name that every member offered and
 * the elected leader runs that assignor's `assign` over every member's decoded subscription. The
 * leader sends the result in SyncGroup and each member hands its own part to `onAssignment`.
 * Built-in and user-written assignors implement the same interface.
 */

/**
 * EAGER: every member gives up all its partitions before it rejoins (stop-the-world).
 * COOPERATIVE (KIP-429): members keep their partitions through a rebalance and give up only those
 * the new assignment takes away; a partition moves between members over two rebalances.
 */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

/** Protocol ids in the Java client's order: a higher id is the more advanced protocol. */
export const REBALANCE_PROTOCOL_ID: Readonly<Record<RebalanceProtocol, number>> = { EAGER: 0, COOPERATIVE: 1 };

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** What one member sent in JoinGroup, decoded (see `decodeSubscription`), keyed by its member id. */
export interface MemberSubscription {
  readonly memberId: string;
  /** The static membership id (`group.instance.id`), or null for a dynamic member. */
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  /** The assignor's own data (e.g. the sticky assignor's previous assignment), or null. */
  readonly userData: Buffer | null;
  /** Partitions the member still owns (subscription v1+; empty for eager members). */
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation the owned partitions belong to (subscription v2+), -1 when unknown. */
  readonly generationId: number;
  /** The member's `client.rack` (subscription v3+), null when it has none. */
  readonly rackId: string | null;
}

/** One partition of a topic as the assignors see it. */
export interface PartitionView {
  readonly partition: number;
  /** Racks of the brokers holding a replica; absent or empty when brokers have no racks. */
  readonly replicaRacks?: readonly string[];
}

/** The cluster metadata an assignor needs: the partitions of a topic, or undefined if unknown. */
export interface ClusterView {
  partitionsFor(topic: string): readonly PartitionView[] | undefined;
}

/** One member's part of an assignment, as the leader computes it. */
export interface MemberAssignment {
  readonly partitions: readonly TopicPartition[];
  /** Data for the member's assignor (sent in SyncGroup); absent or null for none. */
  readonly userData?: Buffer | null;
}

/** The leader's result: an entry for every member of the group. */
export type GroupAssignment = Map<string, MemberAssignment>;

/** What a member received in SyncGroup, decoded. */
export interface ReceivedAssignment {
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer | null;
}

export interface PartitionAssignor {
  /** The protocol name members announce in JoinGroup: 'range', 'roundrobin', 'sticky', 'cooperative-sticky'. */
  readonly name: string;
  /** The rebalance protocols the assignor can run under; the first is not preferred, the highest id wins. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /** The assignor's own version (unused by the built-in assignors, kept for custom ones as in Java). */
  readonly version?: number;
  /** The user data this member sends in its subscription (called before every JoinGroup). */
  subscriptionUserData?(topics: readonly string[]): Buffer | null;
  /**
   * Computes the group's assignment (on the leader). Must return an entry for every member, must
   * not assign a partition twice, and, under COOPERATIVE, must not give a partition to a new owner
   * while another member still owns it.
   */
  assign(cluster: ClusterView, members: ReadonlyMap<string, MemberSubscription>): GroupAssignment;
  /** Called on every member with its own assignment once SyncGroup completes. */
  onAssignment?(assignment: ReceivedAssignment, generationId: number): void;
}
