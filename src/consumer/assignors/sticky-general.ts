/**
 * The sticky assignment for members with different subscriptions (Java's
 * `GeneralAssignmentBuilder`, the KIP-54 algorithm):
 *
 * 1. Members keep the partitions they owned and are still subscribed to (with racks, only those
 *    with a replica in their rack).
 * 2. Every other partition, topics with the fewest potential members first, goes to the least
 *    loaded member that subscribes to its topic (first to one in a rack holding a replica).
 * 3. Partitions move from more to less loaded members until no member with two or more partitions
 *    fewer than another could take one of that member's partitions. A partition goes back to its
 *    owner of an earlier generation when that evens things out, and movements between a pair of
 *    members within a topic are never undone the other way. The result is kept only if it is more
 *    balanced than before step 3 (unless this is the group's first assignment).
 */
import type { OwnedPartitions, StickyInput } from './sticky-input.js';
import { MembersByLoad, PartitionMovements } from './sticky-structures.js';
import { compareStrings, compareTopicPartitions } from './topic-partitions.js';
import type { TopicPartition } from './types.js';

export function generalAssign(input: StickyInput, ownership: OwnedPartitions): Map<string, TopicPartition[]> {
  return new GeneralAssignmentBuilder(input, ownership).build();
}

interface PreviousOwner {
  readonly member: string;
  readonly generation: number;
}

class GeneralAssignmentBuilder {
  /** Topic -> members subscribed to it (member order). */
  private readonly topicMembers = new Map<string, string[]>();
  /** Member -> its subscribed topics that have partitions. */
  private readonly memberTopics = new Map<string, Set<string>>();
  private currentAssignment = new Map<string, Set<TopicPartition>>();
  private currentOwner = new Map<TopicPartition, string>();
  /** Partitions, topics with fewer potential members first, then by name and partition. */
  private sortedAllPartitions: TopicPartition[];
  private readonly membersByLoad: MembersByLoad;
  private readonly movements = new PartitionMovements();
  private revocationRequired = false;

  constructor(
    private readonly input: StickyInput,
    private readonly ownership: OwnedPartitions,
  ) {
    for (const topic of input.index.topics.keys()) this.topicMembers.set(topic, []);
    for (const member of input.members) {
      const topics = new Set<string>();
      for (const topic of input.topicsOf.get(member)!) {
        const members = this.topicMembers.get(topic);
        if (members === undefined) continue;
        topics.add(topic);
        members.push(member);
      }
      this.memberTopics.set(member, topics);
      this.currentAssignment.set(member, new Set(ownership.owned.get(member) ?? []));
    }
    for (const [member, partitions] of this.currentAssignment) for (const tp of partitions) this.currentOwner.set(tp, member);

    const topics = [...this.topicMembers.keys()].sort(
      (a, b) => this.topicMembers.get(a)!.length - this.topicMembers.get(b)!.length || compareStrings(a, b),
    );
    this.sortedAllPartitions = topics.flatMap((topic) => input.index.topics.get(topic)!.partitions);
    this.membersByLoad = new MembersByLoad((member) => this.currentAssignment.get(member)!.size);
  }

  build(): Map<string, TopicPartition[]> {
    const previousOwners = this.previousOwners();
    const assigned = this.keepOwnedPartitions();
    const unassigned = this.sortedAllPartitions.filter((tp) => !assigned.has(tp));
    for (const member of this.currentAssignment.keys()) this.membersByLoad.add(member);
    this.balance(previousOwners, unassigned);
    const result = new Map<string, TopicPartition[]>();
    for (const member of this.input.members) {
      result.set(member, [...this.currentAssignment.get(member)!].sort(compareTopicPartitions));
    }
    return result;
  }

  /**
   * For each partition some member owned in a generation older than the newest, the newest such
   * owner (the first in member order among equals): where it may go back to.
   */
  private previousOwners(): Map<TopicPartition, PreviousOwner> {
    const previous = new Map<TopicPartition, PreviousOwner>();
    const { maxGeneration } = this.ownership;
    for (const member of this.input.members) {
      const data = this.input.memberData.get(member)!;
      if (data.generation >= maxGeneration) continue;
      for (const tp of data.partitions) {
        const known = previous.get(tp);
        if (known === undefined || data.generation > known.generation) previous.set(tp, { member, generation: data.generation });
      }
    }
    return previous;
  }

  /** Step 1: drops owned partitions a member no longer subscribes to (or in a wrong rack); returns the kept ones. */
  private keepOwnedPartitions(): Set<TopicPartition> {
    const kept = new Set<TopicPartition>();
    for (const [member, partitions] of this.currentAssignment) {
      const topics = this.input.topicsOf.get(member)!;
      for (const tp of [...partitions]) {
        if (!topics.has(tp.topic) || this.input.rackInfo.racksMismatch(member, tp)) {
          partitions.delete(tp);
          this.revocationRequired = true;
        } else {
          kept.add(tp);
        }
      }
    }
    return kept;
  }

  private countOf(member: string): number {
    return this.currentAssignment.get(member)!.size;
  }

  private maxAssignmentSize(member: string): number {
    let size = 0;
    for (const topic of this.memberTopics.get(member)!) size += this.input.index.topics.get(topic)!.partitions.length;
    return size;
  }

  /** True when no member could take a partition from a member holding two or more more. */
  private isBalanced(): boolean {
    const least = this.membersByLoad.first();
    const most = this.membersByLoad.last();
    if (least === undefined || most === undefined) return true;
    if (this.countOf(least) >= this.countOf(most) - 1) return true;
    for (const member of this.membersByLoad) {
      const count = this.countOf(member);
      if (count === this.maxAssignmentSize(member)) continue;
      const own = this.currentAssignment.get(member)!;
      for (const topic of this.memberTopics.get(member)!) {
        for (const tp of this.input.index.topics.get(topic)!.partitions) {
          if (own.has(tp)) continue;
          const owner = this.currentOwner.get(tp);
          const ownerPartitions = owner === undefined ? undefined : this.currentAssignment.get(owner);
          if (ownerPartitions !== undefined && count + 1 < ownerPartitions.size) return false;
        }
      }
    }
    return true;
  }

  /** Sum over all member pairs of the difference of their partition counts (0 is perfectly even). */
  private static balanceScore(assignment: ReadonlyMap<string, ReadonlySet<TopicPartition>>): number {
    const counts = [...assignment.values()].map((partitions) => partitions.size).sort((a, b) => a - b);
    let score = 0;
    counts.forEach((count, position) => {
      score += count * (2 * position - counts.length + 1);
    });
    return score;
  }

  /** Gives a partition to the least loaded member subscribed to its topic (and, with racks, in a replica's rack). */
  private assignToLeastLoaded(tp: TopicPartition, matchRacks: boolean): boolean {
    for (const member of this.membersByLoad) {
      if (!this.memberTopics.get(member)!.has(tp.topic)) continue;
      if (matchRacks && this.input.rackInfo.racksMismatch(member, tp)) continue;
      this.membersByLoad.remove(member);
      this.currentAssignment.get(member)!.add(tp);
      this.currentOwner.set(tp, member);
      this.membersByLoad.add(member);
      return true;
    }
    return false;
  }

  private canMemberParticipateInReassignment(member: string): boolean {
    const partitions = this.currentAssignment.get(member)!;
    if (partitions.size < this.maxAssignmentSize(member)) return true;
    for (const tp of partitions) if (this.topicMembers.get(tp.topic)!.length >= 2) return true;
    return false;
  }

  private balance(previousOwners: Map<TopicPartition, PreviousOwner>, unassignedPartitions: TopicPartition[]): void {
    const lastMember = this.membersByLoad.last();
    const initializing = lastMember === undefined || this.countOf(lastMember) === 0;

    // Step 2, rack-matched first when racks are in use.
    let toAssign = unassignedPartitions;
    if (this.input.rackInfo.consumerRacks.size > 0) {
      toAssign = unassignedPartitions.filter((tp) => this.topicMembers.get(tp.topic)!.length === 0 || !this.assignToLeastLoaded(tp, true));
    }
    for (const tp of toAssign) if (this.topicMembers.get(tp.topic)!.length > 0) this.assignToLeastLoaded(tp, false);

    // Only partitions of topics with two or more potential members, and members that could
    // gain or lose one, take part in step 3.
    const movable = (tp: TopicPartition): boolean => this.topicMembers.get(tp.topic)!.length >= 2;
    this.sortedAllPartitions = this.sortedAllPartitions.filter(movable);
    const reassignableUnassigned = unassignedPartitions.filter(movable);
    const fixedAssignments = new Map<string, Set<TopicPartition>>();
    for (const member of this.memberTopics.keys()) {
      if (this.canMemberParticipateInReassignment(member)) continue;
      this.membersByLoad.remove(member);
      fixedAssignments.set(member, this.currentAssignment.get(member)!);
      this.currentAssignment.delete(member);
    }

    const preBalanceAssignment = copyAssignment(this.currentAssignment);
    const preBalanceOwners = new Map(this.currentOwner);
    // Without forced revocations, first try to balance by moving only the newly assigned partitions.
    if (!this.revocationRequired) this.performReassignments(reassignableUnassigned, previousOwners);
    const reassigned = this.performReassignments(this.sortedAllPartitions, previousOwners);
    if (
      !initializing &&
      reassigned &&
      GeneralAssignmentBuilder.balanceScore(this.currentAssignment) >= GeneralAssignmentBuilder.balanceScore(preBalanceAssignment)
    ) {
      for (const member of this.currentAssignment.keys()) this.membersByLoad.remove(member);
      this.currentAssignment = preBalanceAssignment;
      this.currentOwner = preBalanceOwners;
      for (const member of this.currentAssignment.keys()) this.membersByLoad.add(member);
    }
    for (const [member, partitions] of fixedAssignments) {
      this.currentAssignment.set(member, partitions);
      this.membersByLoad.add(member);
    }
  }

  /** Step 3: moves partitions until balanced or nothing moves; returns whether anything moved. */
  private performReassignments(partitions: readonly TopicPartition[], previousOwners: Map<TopicPartition, PreviousOwner>): boolean {
    const { rackInfo } = this.input;
    let reassigned = false;
    let modified: boolean;
    do {
      modified = false;
      for (const tp of partitions) {
        if (this.isBalanced()) break;
        const owner = this.currentOwner.get(tp);
        if (owner === undefined || !this.currentAssignment.has(owner)) continue;
        const ownerCount = this.countOf(owner);

        const previous = previousOwners.get(tp);
        if (
          previous !== undefined &&
          this.currentAssignment.has(previous.member) &&
          this.memberTopics.get(previous.member)!.has(tp.topic) &&
          ownerCount > this.countOf(previous.member) + 1
        ) {
          this.reassignPartitionTo(tp, previous.member);
          reassigned = modified = true;
          continue;
        }

        // Prefer the case where a member in a rack holding a replica could take it.
        const members = this.topicMembers.get(tp.topic)!;
        const ownerRack = rackInfo.consumerRacks.get(owner);
        const replicaRacks = rackInfo.partitionRacks.get(tp);
        let moved = false;
        if (ownerRack !== undefined && replicaRacks !== undefined && replicaRacks.has(ownerRack)) {
          for (const other of members) {
            const otherRack = rackInfo.consumerRacks.get(other);
            if (otherRack === undefined || !replicaRacks.has(otherRack) || !this.currentAssignment.has(other)) continue;
            if (ownerCount > this.countOf(other) + 1) {
              this.reassignPartition(tp);
              moved = true;
              break;
            }
          }
        }
        if (!moved) {
          for (const other of members) {
            if (this.currentAssignment.has(other) && ownerCount > this.countOf(other) + 1) {
              this.reassignPartition(tp);
              moved = true;
              break;
            }
          }
        }
        if (moved) reassigned = modified = true;
      }
    } while (modified);
    return reassigned;
  }

  /** Moves a partition to the least loaded member subscribed to its topic. */
  private reassignPartition(tp: TopicPartition): void {
    for (const member of this.membersByLoad) {
      if (this.memberTopics.get(member)!.has(tp.topic)) {
        this.reassignPartitionTo(tp, member);
        return;
      }
    }
  }

  private reassignPartitionTo(tp: TopicPartition, newOwner: string): void {
    const owner = this.currentOwner.get(tp)!;
    this.processPartitionMovement(this.movements.partitionToBeMoved(tp, owner, newOwner), newOwner);
  }

  private processPartitionMovement(tp: TopicPartition, newOwner: string): void {
    const oldOwner = this.currentOwner.get(tp)!;
    if (oldOwner === newOwner) return;
    this.membersByLoad.remove(oldOwner);
    this.membersByLoad.remove(newOwner);
    this.movements.movePartition(tp, oldOwner, newOwner);
    this.currentAssignment.get(oldOwner)!.delete(tp);
    this.currentAssignment.get(newOwner)!.add(tp);
    this.currentOwner.set(tp, newOwner);
    this.membersByLoad.add(newOwner);
    this.membersByLoad.add(oldOwner);
  }
}

function copyAssignment(assignment: ReadonlyMap<string, ReadonlySet<TopicPartition>>): Map<string, Set<TopicPartition>> {
  const copy = new Map<string, Set<TopicPartition>>();
  for (const [member, partitions] of assignment) copy.set(member, new Set(partitions));
  return copy;
}
