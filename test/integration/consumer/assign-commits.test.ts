/**
 * Commits of an assign()-mode consumer with a groupId (generation -1, as Java's), on every cluster
 * kind: commit() and committed(), a second consumer starting where the first committed, commits
 * never going backwards (unless the application sought back), automatic commits and the commit
 * on close, and commitAsync's outcome reaching the commitListener (never an unhandled rejection).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatProduce } from '../../support/peers.js';
import { waitFor } from '../../support/wait.js';
import { KafkaStateError } from '../../../src/protocol/errors.js';
import type { KafkaError } from '../../../src/protocol/errors.js';
import type { PartitionOffset } from '../../../src/consumer/index.js';
import { consumeExactly, testConsumer } from './fetch-support.js';

const OFFSET_COMMIT = 8;

for (const kind of availableTestClusters()) {
  describe(`assign() consumer commits on ${kind}`, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
    });
    after(async () => {
      await cluster?.stop();
    });

    async function topicWith(name: string, count: number): Promise<{ topic: string; partition: number }> {
      await cluster.createTopic(name, 1, 1);
      await kcatProduce(cluster.bootstrapServers, name, Array.from({ length: count }, (_, index) => ({ partition: 0, value: `v${index}` })));
      return { topic: name, partition: 0 };
    }

    it('commit() stores the consumed position; a second consumer of the group starts there', async () => {
      const tp = await topicWith('assign-commit', 20);
      const groupId = `assign-group-${kind}`;
      const first = testConsumer(cluster, { groupId, enableAutoCommit: false });
      try {
        first.assign([tp]);
        const records = await consumeExactly(first, 10, { quietMs: 0 });
        const committed = await first.commit();
        assert.deepEqual(committed, [{ ...tp, offset: 10, leaderEpoch: records[9]!.leaderEpoch, metadata: '' }]);
        const [read] = await first.committed([tp]);
        assert.deepEqual([read!.offset, read!.metadata], [10, '']);
        // The leader epoch is stored from OffsetCommit v6 / read back from OffsetFetch v5 on.
        assert.ok(read!.leaderEpoch === null || read!.leaderEpoch === records[9]!.leaderEpoch);
      } finally {
        await first.close();
      }
      const second = testConsumer(cluster, { groupId, enableAutoCommit: false, autoOffsetReset: 'none' });
      try {
        second.assign([tp]);
        assert.equal(await second.position(tp), 10);
        assert.deepEqual((await consumeExactly(second, 10)).map((record) => record.offset), Array.from({ length: 10 }, (_, index) => 10 + index));
      } finally {
        await second.close();
      }
    });

    it('commits never go backwards, unless the application sought back', async () => {
      const tp = await topicWith('assign-monotonic', 20);
      const consumer = testConsumer(cluster, { groupId: `monotonic-${kind}`, enableAutoCommit: false });
      try {
        consumer.assign([tp]);
        await consumeExactly(consumer, 20, { quietMs: 0 });
        assert.equal((await consumer.commit([{ ...tp, offset: 15 }])).length, 1);
        assert.deepEqual(await consumer.commit([{ ...tp, offset: 12 }]), [], 'left out: lower than what was committed');
        assert.equal((await consumer.committed([tp]))[0]!.offset, 15);
        consumer.seek(tp, 5);
        assert.deepEqual((await consumer.commit()).map((entry) => entry.offset), [5]);
        assert.equal((await consumer.committed([tp]))[0]!.offset, 5);
      } finally {
        await consumer.close();
      }
    });

    it('automatic commits every autoCommitIntervalMs from poll(), and a last one on close()', async () => {
      const tp = await topicWith('assign-auto', 10);
      const groupId = `auto-${kind}`;
      const consumer = testConsumer(cluster, { groupId, enableAutoCommit: true, autoCommitIntervalMs: 100 });
      try {
        consumer.assign([tp]);
        await consumeExactly(consumer, 10, { quietMs: 0 });
        // The application keeps polling (nothing new): a due automatic commit stores offset 10.
        await waitFor(async () => {
          assert.equal((await consumer.poll({ timeoutMs: 50 })).count, 0);
          return (await consumer.committed([tp]))[0]!.offset === 10;
        }, { what: 'the automatic commit of offset 10' });
      } finally {
        await consumer.close();
      }
      // Automatic commits are far apart here: only close() can store the new position.
      await kcatProduce(cluster.bootstrapServers, tp.topic, Array.from({ length: 5 }, (_, index) => ({ partition: 0, value: `w${index}` })));
      const second = testConsumer(cluster, { groupId, enableAutoCommit: true, autoCommitIntervalMs: 600_000 });
      try {
        second.assign([tp]);
        assert.deepEqual((await consumeExactly(second, 5)).map((record) => record.offset), [10, 11, 12, 13, 14]);
      } finally {
        await second.close();
      }
      const reader = testConsumer(cluster, { groupId, enableAutoCommit: false });
      try {
        assert.equal((await reader.committed([tp]))[0]!.offset, 15, 'close() committed the position');
      } finally {
        await reader.close();
      }
    });

    it('a for await loop that stops in the middle of a poll: position back to the unfinished record, close commits only what it finished', async () => {
      const tp = await topicWith('assign-iterate', 10);
      const groupId = `iterate-${kind}`;
      const consumer = testConsumer(cluster, { groupId, enableAutoCommit: true, autoCommitIntervalMs: 600_000 });
      const seen: number[] = [];
      try {
        consumer.assign([tp]);
        for await (const record of consumer) {
          seen.push(record.offset);
          // Records 0 and 1 are finished; the loop leaves while handling record 2.
          if (record.offset === 2) break;
        }
        // Leaving the loop rewound the position to the record being handled when it stopped.
        assert.equal(await consumer.position(tp), 2);
      } finally {
        await consumer.close();
      }
      assert.deepEqual(seen, [0, 1, 2]);
      const reader = testConsumer(cluster, { groupId, enableAutoCommit: false });
      try {
        assert.equal((await reader.committed([tp]))[0]!.offset, 2, 'record 2 will be delivered again');
        reader.assign([tp]);
        assert.equal(await reader.position(tp), 2);
      } finally {
        await reader.close();
      }
    });

    it('batches() yields each non-empty poll until its signal fires', async () => {
      const tp = await topicWith('assign-batches', 6);
      const consumer = testConsumer(cluster, { maxPollRecords: 4 });
      const controller = new AbortController();
      const sizes: number[] = [];
      try {
        consumer.assign([tp]);
        for await (const batch of consumer.batches({ signal: controller.signal })) {
          sizes.push(batch.count);
          if (sizes.reduce((sum, size) => sum + size, 0) === 6) controller.abort();
        }
        assert.deepEqual(sizes.reduce((sum, size) => sum + size, 0), 6);
        assert.ok(sizes.every((size) => size > 0 && size <= 4));
      } finally {
        await consumer.close();
      }
    });

    it('commitAsync reports to the commitListener: success with the offsets, failure with a typed error', async () => {
      const tp = await topicWith('assign-async', 5);
      const succeeded: PartitionOffset[][] = [];
      const failed: { error: KafkaError; offsets: readonly PartitionOffset[] }[] = [];
      const consumer = testConsumer(cluster, {
        groupId: `async-${kind}`,
        enableAutoCommit: false,
        commitListener: {
          onCommitSucceeded: (offsets) => void succeeded.push([...offsets]),
          onCommitFailed: (error, offsets) => void failed.push({ error, offsets }),
        },
      });
      try {
        consumer.assign([tp]);
        await consumeExactly(consumer, 3, { quietMs: 0 });
        consumer.commitAsync();
        await waitFor(() => succeeded.length === 1, { what: 'onCommitSucceeded' });
        assert.deepEqual(succeeded[0]!.map((entry) => entry.offset), [3]);
        // TOPIC_AUTHORIZATION_FAILED: not retriable, the commit fails.
        await cluster.pushRequestErrors(OFFSET_COMMIT, [29]);
        consumer.commitAsync([{ ...tp, offset: 4 }]);
        await waitFor(() => failed.length === 1, { what: 'onCommitFailed' });
        assert.equal(failed[0]!.error.errorName, 'TOPIC_AUTHORIZATION_FAILED');
        assert.deepEqual(failed[0]!.offsets.map((entry) => entry.offset), [4]);
        assert.equal((await consumer.committed([tp]))[0]!.offset, 3);
      } finally {
        await cluster.clearRequestErrors(OFFSET_COMMIT);
        await consumer.close();
      }
    });

    it('without a groupId there is nowhere to commit: KafkaStateError', async () => {
      const consumer = testConsumer(cluster);
      try {
        consumer.assign([{ topic: 'assign-commit', partition: 0 }]);
        await assert.rejects(consumer.commit(), KafkaStateError);
        assert.throws(() => consumer.commitAsync(), KafkaStateError);
        await assert.rejects(consumer.committed([{ topic: 'assign-commit', partition: 0 }]), KafkaStateError);
      } finally {
        await consumer.close();
      }
    });
  });
}
