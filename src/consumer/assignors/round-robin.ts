/**
 * The round-robin assignor ('roundrobin'), with the Java client's exact outcome: every partition
 * of every subscribed topic (topics by name, partitions ascending) goes to the next member in a
 * circular walk over the members in the Java member order (static members by group instance id,
 * then dynamic members by member id), skipping members not subscribed to the partition's topic.
 * With equal subscriptions the counts differ by at most one.
 */
import { PartitionIndex, compareMembers, subscribedTopics } from './topic-partitions.js';
import type { ClusterView, GroupAssignment, MemberSubscription, PartitionAssignor, RebalanceProtocol, TopicPartition } from './types.js';

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];

  assign(cluster: ClusterView, members: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const index = new PartitionIndex(cluster, subscribedTopics(members.values()));
    const order = [...members].map(([memberId, subscription]) => ({
      memberId,
      groupInstanceId: subscription.groupInstanceId,
      topics: new Set(subscription.topics),
    }));
    order.sort(compareMembers);
    const assignment = new Map<string, TopicPartition[]>();
    for (const memberId of members.keys()) assignment.set(memberId, []);

    let next = 0;
    for (const tp of index.allPartitions()) {
      // Some member subscribes to every indexed topic, so this walk always stops within one turn.
      while (!order[next]!.topics.has(tp.topic)) next = (next + 1) % order.length;
      assignment.get(order[next]!.memberId)!.push(tp);
      next = (next + 1) % order.length;
    }

    const result: GroupAssignment = new Map();
    for (const [memberId, partitions] of assignment) result.set(memberId, { partitions });
    return result;
  }
}
