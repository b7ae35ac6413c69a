/**
 * Static membership (KIP-345) with kafkats consumers: three members with group instance ids
 * consume a 12-partition topic; one of them is closed and started again (same instance id) within
 * the session timeout. It gets its partitions back and continues from its commits, and the other
 * two members see no rebalance at all: no revoke or assign callbacks, the same generation.
 * Closing a static member sends no LeaveGroup (the group does not rebalance when it goes).
 *
 * librdkafka 2.0.2's mock cannot show this: it finds members by member id only and treats the
 * restarted instance as a new member (a rebalance); the suite runs on the embedded broker, whose
 * coordinator follows Kafka's static membership rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatProduce } from '../../support/peers.js';
import { GroupRecorder, Member, checkDeliveries, waitForSplit } from './group-support.js';

const PARTITIONS = 12;

async function produce(test: TestCluster, topic: string, tag: string, perPartition: number): Promise<{ partition: number; offset: number }[]> {
  const records = Array.from({ length: PARTITIONS * perPartition }, (_, index) => ({ key: `${tag}${index}`, value: `${tag}-${index}`, partition: index % PARTITIONS }));
  // One kcat run per partition: records sorted by partition.
  records.sort((x, y) => x.partition - y.partition);
  return kcatProduce(test.bootstrapServers, topic, records);
}

for (const kind of availableTestClusters()) {
  const unsupported = kind === 'rdkafka-mock' ? 'librdkafka 2.0.2 mock: no static membership (members are found by member id; a restarted instance is a new member)' : false;
  describe(`static membership on ${kind}`, { timeout: 180_000, skip: unsupported }, () => {
    let test: TestCluster;
    before(async () => {
      test = await startTestCluster(kind, { brokers: 3, topics: [{ name: 'static', partitions: PARTITIONS }] });
    });
    after(async () => {
      await test?.stop();
    });

    it('a member restarted within the session timeout gets its partitions back without a rebalance of the others', { timeout: 120_000 }, async (t) => {
      const groupId = `static-${kind}`;
      const recorder = new GroupRecorder();
      const options = (instance: string) => ({ groupInstanceId: instance, assignors: ['range' as const] });
      const a = new Member('a', test, 'static', groupId, recorder, options('instance-a'));
      let b = new Member('b', test, 'static', groupId, recorder, options('instance-b'));
      const c = new Member('c', test, 'static', groupId, recorder, options('instance-c'));
      const members = [a, b, c];
      try {
        const generation = await waitForSplit(recorder, [a, b, c], PARTITIONS, 'three static members');
        const produced = await produce(test, 'static', 'first', 10);
        await recorder.until(() => recorder.deliveries.length >= produced.length, 'the first records');
        const bPartitions = b.partitions();
        const callbacksBefore = new Map([a, c].map((member) => [member.name, member.callbacks.length]));

        // b goes away (committing what it consumed, sending no LeaveGroup) and comes back.
        await b.stop();
        members.splice(members.indexOf(b), 1);
        b = new Member('b-restarted', test, 'static', groupId, recorder, options('instance-b'));
        members.push(b);
        const restarted = b;
        await recorder.until(() => restarted.partitions().length > 0, 'the restarted member getting partitions');
        assert.deepEqual(b.partitions(), bPartitions, 'the restarted instance owns what it owned');
        assert.equal(b.generation(), generation, 'the same generation');
        const more = await produce(test, 'static', 'second', 5);
        await recorder.until(() => recorder.deliveries.length >= produced.length + more.length, 'the second records');

        for (const member of [a, c]) {
          assert.equal(member.callbacks.length, callbacksBefore.get(member.name), `${member.name} saw no rebalance callbacks`);
          assert.equal(member.generation(), generation, `${member.name} is still in generation ${generation}`);
        }
        const report = checkDeliveries([...produced, ...more], recorder.deliveries, recorder.commits);
        assert.equal(report.duplicates, 0, 'the restarted member continued from its commits');
        t.diagnostic(`${kind}: generation ${generation} throughout; b owned [${bPartitions.join(',')}] before and after the restart; ${report.delivered} records delivered once each`);
        for (const member of members) assert.deepEqual(member.errors, []);
      } finally {
        for (const member of members) await member.stop().catch(() => undefined);
      }
    });
  });
}
