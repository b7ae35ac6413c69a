/**
 * A group of kafkats consumers on a 12-partition topic while records are produced continuously:
 * members join and leave during consumption, the coordinator answers Heartbeat, JoinGroup,
 * SyncGroup and OffsetCommit with NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * REBALANCE_IN_PROGRESS or a dropped connection, and the coordinator broker goes down and comes
 * back. Every record produced is delivered; records delivered twice are only those consumed since
 * the last commit of a partition that moved (counted and reported); the committed offsets, read
 * back with OffsetFetch throughout, never go back; at the end they equal the log end offsets.
 * Runs with the default assignors (range first: eager) and with cooperative-sticky.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { CLOSE_CONNECTION, availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { Cluster } from '../../../src/cluster/cluster.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import { KafkaConsumer } from '../../../src/consumer/index.js';
import { waitFor } from '../../support/wait.js';
import { CommitSampler, GroupRecorder, Member, ProducerLoop, checkDeliveries, waitForSplit, type MemberOptions } from './group-support.js';

const NOT_COORDINATOR = 16;
const COORDINATOR_NOT_AVAILABLE = 15;
const REBALANCE_IN_PROGRESS = 27;
const PARTITIONS = 12;

async function coordinatorOf(test: TestCluster, groupId: string): Promise<number> {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: test.bootstrapServers, logLevel: 'silent' }));
  try {
    return (await cluster.coordinators.find({ type: 'group', key: groupId })).id;
  } finally {
    await cluster.close();
  }
}

for (const kind of availableTestClusters()) {
  describe(`a consumer group on ${kind}`, { timeout: 600_000 }, () => {
    let test: TestCluster;
    before(async () => {
      test = await startTestCluster(kind, {
        brokers: 3,
        topics: [
          { name: 'eager-orders', partitions: PARTITIONS },
          { name: 'coop-orders', partitions: PARTITIONS },
        ],
      });
    });
    after(async () => {
      await test?.stop();
    });

    for (const variant of [
      { name: 'default assignors (eager)', topic: 'eager-orders', options: {} as MemberOptions },
      { name: 'cooperative-sticky', topic: 'coop-orders', options: { assignors: ['cooperative-sticky'] } as MemberOptions },
    ]) {
      it(`delivers every record through joins, leaves, coordinator errors and an outage: ${variant.name}`, { timeout: 300_000 }, async (t) => {
        const groupId = `group-${variant.topic}-${kind}`;
        const recorder = new GroupRecorder();
        const members: Member[] = [];
        const start = (name: string): Member => {
          const member = new Member(name, test, variant.topic, groupId, recorder, variant.options);
          members.push(member);
          return member;
        };
        const producer = new ProducerLoop(test, variant.topic, variant.topic);
        const sampler = new CommitSampler(test, variant.topic, groupId, PARTITIONS);
        try {
          const [a, b, c] = [start('a'), start('b'), start('c')];
          await waitForSplit(recorder, [a!, b!, c!], PARTITIONS, 'a, b and c sharing the partitions');
          await recorder.until(() => recorder.deliveries.length >= 300, '300 deliveries');

          await test.pushRequestErrors(ApiKey.Heartbeat, [NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, CLOSE_CONNECTION]);
          await test.pushRequestErrors(ApiKey.OffsetCommit, [NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, CLOSE_CONNECTION]);
          await test.pushRequestErrors(ApiKey.JoinGroup, [NOT_COORDINATOR, CLOSE_CONNECTION, COORDINATOR_NOT_AVAILABLE]);
          await test.pushRequestErrors(ApiKey.SyncGroup, [NOT_COORDINATOR]);
          const d = start('d');
          await waitForSplit(recorder, [a!, b!, c!, d], PARTITIONS, 'a, b, c and d sharing the partitions');
          const consumedSoFar = recorder.deliveries.length;
          await recorder.until(() => recorder.deliveries.length >= consumedSoFar + 200, '200 more deliveries');

          members.splice(members.indexOf(b!), 1);
          await b!.stop();
          await test.pushRequestErrors(ApiKey.Heartbeat, [REBALANCE_IN_PROGRESS]);
          await test.pushRequestErrors(ApiKey.OffsetCommit, [REBALANCE_IN_PROGRESS]);
          await waitForSplit(recorder, [a!, c!, d], PARTITIONS, 'a, c and d after b left');

          // The coordinator is away for less than a session timeout.
          const coordinator = await coordinatorOf(test, groupId);
          await test.brokerDown(coordinator);
          // The length of the outage is the fault injected, not a synchronisation.
          await new Promise((resolve) => setTimeout(resolve, 2000));
          await test.brokerUp(coordinator);
          await waitForSplit(recorder, [a!, c!, d], PARTITIONS, 'a, c and d after the outage');

          await producer.stop();
          assert.deepEqual(producer.errors, [], 'kcat produced every batch');
          const produced = producer.produced;
          const keys = new Set(produced.map((record) => `${record.partition}:${record.offset}`));
          const delivered = new Set<string>();
          await recorder.until(() => {
            for (const delivery of recorder.deliveries) delivered.add(`${delivery.partition}:${delivery.offset}`);
            return [...keys].every((key) => delivered.has(key));
          }, 'every produced record delivered');
          // With the group stable, automatic commits catch up with the log end.
          const ends = await endOffsets(test, variant.topic);
          await waitFor(async () => JSON.stringify([...(await sampler.sample()).entries()].sort((x, y) => x[0] - y[0])) === JSON.stringify(ends), {
            timeoutMs: 30_000,
            what: 'automatic commits reaching the log end offsets',
          });
          for (const member of [...members]) await member.stop();
          members.length = 0;

          const report = checkDeliveries(produced, recorder.deliveries, recorder.commits);
          const commitChanges = [...sampler.history.values()].reduce((sum, history) => sum + history.length, 0);
          t.diagnostic(`${kind} ${variant.name}: produced ${report.produced}, delivered ${report.delivered}, duplicates ${report.duplicates} (${report.restarts} restarts from a commit), ${commitChanges} committed-offset changes sampled, automatic commits failed: ${JSON.stringify(Object.fromEntries(recorder.commitFailures))}`);
          for (const member of [a!, b!, c!, d]) {
            t.diagnostic(`${member.name}: ${member.callbacks.map((callback) => `${callback.kind}[${callback.partitions.join(',')}]`).join(' ')}`);
          }
          assert.deepEqual(sampler.regressions(), [], 'committed offsets never go back');
          const final = await sampler.sample();
          assert.deepEqual([...final.entries()].sort((x, y) => x[0] - y[0]), ends, 'closing the members left the committed offsets at the log end');
          for (const member of [a!, b!, c!, d]) assert.deepEqual(member.errors, [], `${member.name} saw no poll errors`);
        } finally {
          await producer.stop().catch(() => undefined);
          for (const member of members) await member.stop().catch(() => undefined);
          await sampler.stop();
          for (const api of [ApiKey.Heartbeat, ApiKey.OffsetCommit, ApiKey.JoinGroup, ApiKey.SyncGroup]) await test.clearRequestErrors(api);
        }
      });
    }
  });
}

/** The log end offset of every partition (the high watermark kcat reports), as [partition, offset]. */
async function endOffsets(test: TestCluster, topic: string): Promise<[number, number][]> {
  const consumer = new KafkaConsumer({ bootstrapServers: test.bootstrapServers, logLevel: 'silent' });
  try {
    const ends = await consumer.endOffsets(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
    return ends.map((end) => [end.partition, end.offset] as [number, number]).sort((x, y) => x[0] - y[0]);
  } finally {
    await consumer.close();
  }
}
