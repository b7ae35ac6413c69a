/**
 * The sticky assignment when every member subscribes to the same topics (Java's
 * `ConstrainedAssignmentBuilder`). With P partitions and M members each member gets
 * minQuota = floor(P/M) or maxQuota = ceil(P/M) partitions, exactly P % M of them maxQuota:
 *
 * 1. Each member keeps up to its quota of the partitions it owned (lowest partition numbers
 *    first); what it owned beyond that, or in a rack without a replica, may be revoked.
 * 2. With racks (KIP-881), members still under quota take unassigned partitions with a replica in
 *    their rack, round robin.
 * 3. The remaining partitions go round robin to the members still under quota, then to members at
 *    minQuota while fewer than P % M members have maxQuota.
 *
 * A partition given to another member than the one that owned it is recorded in
 * `transferring`, so the cooperative assignor can hold it back for one rebalance.
 */
import { KafkaStateError } from '../../protocol/errors.js';
import type { OwnedPartitions, StickyInput } from './sticky-input.js';
import { compareStrings } from './topic-partitions.js';
import type { TopicPartition } from './types.js';

function byPartitionThenTopic(a: TopicPartition, b: TopicPartition): number {
  return a.partition - b.partition || compareStrings(a.topic, b.topic);
}

export function constrainedAssign(
  input: StickyInput,
  ownership: OwnedPartitions,
  transferring: Map<TopicPartition, string>,
): Map<string, TopicPartition[]> {
  return new ConstrainedAssignmentBuilder(input, ownership, transferring).build();
}

class ConstrainedAssignmentBuilder {
  private readonly maybeRevoked = new Map<TopicPartition, string>();
  private underMinQuota: string[] = [];
  private exactlyMinQuota: string[] = [];
  private readonly minQuota: number;
  private readonly maxQuota: number;
  /** How many members must end with maxQuota partitions (0 when minQuota == maxQuota). */
  private readonly expectedOverMinQuota: number;
  private currentOverMinQuota = 0;
  private readonly assignment = new Map<string, TopicPartition[]>();
  private readonly assigned = new Set<TopicPartition>();

  constructor(
    private readonly input: StickyInput,
    private readonly ownership: OwnedPartitions,
    private readonly transferring: Map<TopicPartition, string>,
  ) {
    const total = input.index.totalPartitions;
    const memberCount = input.members.length;
    this.minQuota = Math.floor(total / memberCount);
    this.maxQuota = Math.ceil(total / memberCount);
    this.expectedOverMinQuota = total % memberCount;
    for (const member of input.members) this.assignment.set(member, []);
  }

  build(): Map<string, TopicPartition[]> {
    this.assignOwnedPartitions();
    let unassigned = this.input.index.allPartitions().filter((tp) => !this.assigned.has(tp));
    this.underMinQuota.sort(compareStrings);
    this.exactlyMinQuota.sort(compareStrings);
    unassigned = this.input.rackInfo.sortPartitionsByRackConsumers(unassigned);
    unassigned = this.assignRackAwareRoundRobin(unassigned);
    this.assignRoundRobin(unassigned);
    this.verifyUnfilledMembers();
    return this.assignment;
  }

  private keep(member: string, partitions: readonly TopicPartition[]): void {
    this.assignment.get(member)!.push(...partitions);
    for (const tp of partitions) this.assigned.add(tp);
  }

  private assignOwnedPartitions(): void {
    const { rackInfo } = this.input;
    for (const [member, claimed] of this.ownership.owned) {
      const owned = claimed
        .filter((tp) => {
          const mismatch = rackInfo.racksMismatch(member, tp);
          if (mismatch) this.maybeRevoked.set(tp, member);
          return !mismatch;
        })
        .sort(byPartitionThenTopic)
        .filter((tp) => !this.ownership.claimedByMany.has(tp));

      if (owned.length < this.minQuota) {
        this.keep(member, owned);
        this.underMinQuota.push(member);
      } else if (owned.length >= this.maxQuota && this.currentOverMinQuota < this.expectedOverMinQuota) {
        this.currentOverMinQuota++;
        if (this.currentOverMinQuota === this.expectedOverMinQuota) this.exactlyMinQuota = [];
        this.keep(member, owned.slice(0, this.maxQuota));
        for (const tp of owned.slice(this.maxQuota)) this.maybeRevoked.set(tp, member);
      } else {
        this.keep(member, owned.slice(0, this.minQuota));
        for (const tp of owned.slice(this.minQuota)) this.maybeRevoked.set(tp, member);
        if (this.currentOverMinQuota < this.expectedOverMinQuota) this.exactlyMinQuota.push(member);
      }
    }
  }

  /** Step 2: rack-matched round robin within the quotas; returns the partitions still unassigned. */
  private assignRackAwareRoundRobin(unassigned: TopicPartition[]): TopicPartition[] {
    const { rackInfo } = this.input;
    if (rackInfo.consumerRacks.size === 0) return unassigned;
    const remaining: TopicPartition[] = [];
    let nextUnfilled = 0;
    for (const tp of unassigned) {
      let member: string | null = null;
      let nextIndex = rackInfo.nextRackConsumer(tp, this.underMinQuota, nextUnfilled);
      if (nextIndex >= 0) {
        member = this.underMinQuota[nextIndex]!;
        const count = this.assignment.get(member)!.length + 1;
        if (count >= this.minQuota) {
          this.underMinQuota.splice(nextIndex, 1);
          // A member at minQuota stays a candidate only while more members may reach maxQuota.
          if (count < this.maxQuota && this.currentOverMinQuota < this.expectedOverMinQuota) this.exactlyMinQuota.push(member);
        } else {
          nextIndex++;
        }
        nextUnfilled = this.underMinQuota.length === 0 ? 0 : nextIndex % this.underMinQuota.length;
      } else if (this.exactlyMinQuota.length > 0) {
        const firstIndex = rackInfo.nextRackConsumer(tp, this.exactlyMinQuota, 0);
        if (firstIndex >= 0) {
          member = this.exactlyMinQuota[firstIndex]!;
          if (this.assignment.get(member)!.length + 1 === this.maxQuota) {
            this.exactlyMinQuota.splice(firstIndex, 1);
            this.currentOverMinQuota++;
            if (this.currentOverMinQuota === this.expectedOverMinQuota) this.exactlyMinQuota = [];
          }
        }
      }
      if (member === null) remaining.push(tp);
      else this.assignNewPartition(tp, member);
    }
    return remaining;
  }

  /** Step 3: round robin over the members under minQuota, then those at minQuota. */
  private assignRoundRobin(unassigned: readonly TopicPartition[]): void {
    let cursor = 0;
    for (const tp of unassigned) {
      let member: string;
      let fromUnderList = true;
      if (cursor < this.underMinQuota.length) {
        member = this.underMinQuota[cursor++]!;
      } else if (this.underMinQuota.length === 0) {
        const next = this.exactlyMinQuota.shift();
        if (next === undefined) {
          throw new KafkaStateError(`sticky assignment: no member can take ${tp.topic}-${tp.partition} within the quotas`);
        }
        member = next;
        fromUnderList = false;
      } else {
        cursor = 0;
        member = this.underMinQuota[cursor++]!;
      }
      const count = this.assignNewPartition(tp, member);
      if (count === this.minQuota && fromUnderList) {
        this.underMinQuota.splice(--cursor, 1);
        this.exactlyMinQuota.push(member);
      } else if (count === this.maxQuota) {
        this.currentOverMinQuota++;
      }
    }
  }

  private assignNewPartition(tp: TopicPartition, member: string): number {
    const list = this.assignment.get(member)!;
    list.push(tp);
    this.assigned.add(tp);
    const previousOwner = this.maybeRevoked.get(tp);
    if ((previousOwner !== undefined && previousOwner !== member) || this.ownership.claimedByMany.has(tp)) {
      this.transferring.set(tp, member);
    }
    return list.length;
  }

  /** The quotas add up, so every member ends at minQuota or maxQuota; anything else is a bug. */
  private verifyUnfilledMembers(): void {
    if (this.underMinQuota.length === 0) return;
    if (this.currentOverMinQuota !== this.expectedOverMinQuota) {
      throw new KafkaStateError(
        `sticky assignment: ${this.currentOverMinQuota} of ${this.expectedOverMinQuota} members reached maxQuota and partitions ran out`,
      );
    }
    for (const member of this.underMinQuota) {
      const count = this.assignment.get(member)!.length;
      if (count !== this.minQuota) {
        throw new KafkaStateError(`sticky assignment: member ${member} has ${count} partitions, below minQuota ${this.minQuota}`);
      }
    }
  }
}
