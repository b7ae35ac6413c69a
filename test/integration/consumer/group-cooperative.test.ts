/**
 * Incremental cooperative rebalancing (KIP-429) with kafkats consumers using cooperative-sticky,
 * while records are produced continuously: when a third member joins, the two members already
 * in the group keep fetching and delivering the partitions they keep for the whole rebalance.
 * Member a's revoke callback is held until both a and b have delivered records of their kept
 * partitions after the rebalance had started (the rebalance cannot finish meanwhile: the
 * revoked partition goes to c only in the follow-up round), and the delivery timestamps show no
 * pause for kept partitions between the join and the end of the rebalance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { GroupRecorder, Member, ProducerLoop, checkDeliveries, waitForSplit, type Delivery } from './group-support.js';

const PARTITIONS = 12;

/** The largest pause between consecutive deliveries of `partitions` by `member` inside [from, to]. */
function largestPause(deliveries: readonly Delivery[], member: string, partitions: ReadonlySet<number>, from: number, to: number): number {
  const times = deliveries.filter((delivery) => delivery.member === member && partitions.has(delivery.partition) && delivery.at >= from && delivery.at <= to).map((delivery) => delivery.at);
  if (times.length === 0) return to - from;
  let largest = times[0]! - from;
  for (let index = 1; index < times.length; index++) largest = Math.max(largest, times[index]! - times[index - 1]!);
  return Math.max(largest, to - times.at(-1)!);
}

for (const kind of availableTestClusters()) {
  describe(`cooperative rebalancing on ${kind}`, { timeout: 300_000 }, () => {
    let test: TestCluster;
    before(async () => {
      test = await startTestCluster(kind, { brokers: 3, topics: [{ name: 'live', partitions: PARTITIONS }] });
    });
    after(async () => {
      await test?.stop();
    });

    it('a member joining does not pause the partitions that keep their owner', { timeout: 240_000 }, async (t) => {
      const groupId = `cooperative-${kind}`;
      const recorder = new GroupRecorder();
      const producer = new ProducerLoop(test, 'live', 'live');
      const members: Member[] = [];
      let releaseRevoke!: () => void;
      const revokeHeld = new Promise<void>((resolve) => (releaseRevoke = resolve));
      let revokeStartedAt = 0;
      try {
        const a = new Member('a', test, 'live', groupId, recorder, {
          assignors: ['cooperative-sticky'],
          onRevoked: async (partitions) => {
            // Only the revocation that hands a partition to c is held.
            if (revokeStartedAt !== 0 || partitions.length === 0) return;
            revokeStartedAt = performance.now();
            recorder.poke();
            await revokeHeld;
          },
        });
        const b = new Member('b', test, 'live', groupId, recorder, { assignors: ['cooperative-sticky'] });
        members.push(a, b);
        await waitForSplit(recorder, [a, b], PARTITIONS, 'a and b sharing the partitions');
        await recorder.until(() => recorder.deliveries.length >= 200, '200 deliveries');
        const ownedBefore = new Map([a, b].map((member) => [member.name, new Set(member.partitions())]));

        const joinedAt = performance.now();
        const c = new Member('c', test, 'live', groupId, recorder, { assignors: ['cooperative-sticky'] });
        members.push(c);
        await recorder.until(() => revokeStartedAt !== 0, "a's revocation");
        // What a member had before c joined minus what it has revoked since.
        const keptBy = (member: Member): Set<number> => {
          const kept = new Set(ownedBefore.get(member.name));
          for (const callback of member.callbacks) {
            if (callback.at >= joinedAt && (callback.kind === 'revoked' || callback.kind === 'lost')) for (const partition of callback.partitions) kept.delete(partition);
          }
          return kept;
        };
        // While a's revocation is held the rebalance cannot complete, yet the kept partitions flow.
        const afterRevokeStarted = (member: Member): number =>
          recorder.deliveries.filter((delivery) => delivery.member === member.name && delivery.at > revokeStartedAt && keptBy(member).has(delivery.partition)).length;
        await recorder.until(() => afterRevokeStarted(a) >= 10 && afterRevokeStarted(b) >= 10, 'a and b delivering kept partitions during the rebalance');
        assert.deepEqual(c.partitions(), [], 'c has nothing while a still holds the partition it gives up');
        const releasedAt = performance.now();
        releaseRevoke();
        await waitForSplit(recorder, [a, b, c], PARTITIONS, 'a, b and c sharing the partitions');
        const cAssigned = c.callbacks.find((callback) => callback.kind === 'assigned' && callback.partitions.length > 0)!;
        const endedAt = cAssigned.at;
        assert.ok(endedAt > releasedAt, 'c received partitions only after a released them');

        for (const member of [a, b]) {
          const kept = keptBy(member);
          assert.deepEqual([...kept].sort((x, y) => x - y), member.partitions(), `${member.name} owns what it kept, nothing new`);
          assert.equal(kept.size, 4);
          assert.equal(member.callbacks.filter((callback) => callback.kind === 'lost').length, 0);
          const during = recorder.deliveries.filter((delivery) => delivery.member === member.name && kept.has(delivery.partition) && delivery.at > joinedAt && delivery.at < endedAt).length;
          const pause = largestPause(recorder.deliveries, member.name, kept, joinedAt, endedAt);
          t.diagnostic(`${kind}: ${member.name} kept [${[...kept].sort((x, y) => x - y).join(',')}] and delivered ${during} of their records during the ${Math.round(endedAt - joinedAt)} ms rebalance; longest pause ${Math.round(pause)} ms`);
          assert.ok(during >= 10, `${member.name} delivered kept partitions during the rebalance`);
          // Records are produced every few hundred ms: a stop-the-world pause would last the whole rebalance.
          assert.ok(pause < 3000, `${member.name} paused ${Math.round(pause)} ms`);
        }

        await producer.stop();
        assert.deepEqual(producer.errors, []);
        const keys = new Set(producer.produced.map((record) => `${record.partition}:${record.offset}`));
        await recorder.until(() => {
          const seen = new Set(recorder.deliveries.map((delivery) => `${delivery.partition}:${delivery.offset}`));
          return [...keys].every((key) => seen.has(key));
        }, 'every record delivered');
        const report = checkDeliveries(producer.produced, recorder.deliveries, recorder.commits);
        t.diagnostic(`${kind}: produced ${report.produced}, delivered ${report.delivered}, duplicates ${report.duplicates}`);
        for (const member of members) assert.deepEqual(member.errors, [], `${member.name} saw no poll errors`);
      } finally {
        releaseRevoke();
        await producer.stop().catch(() => undefined);
        for (const member of members) await member.stop().catch(() => undefined);
      }
    });
  });
}
