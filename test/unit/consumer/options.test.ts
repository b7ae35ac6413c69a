/** KafkaConsumer options: Java's defaults, validation at construction, conflicts, deserializers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaConfigError } from '../../../src/protocol/errors.js';
import { resolveConsumerOptions } from '../../../src/consumer/options.js';
import { resolveDeserializer } from '../../../src/consumer/deserializers.js';
import { KafkaConsumer } from '../../../src/consumer/consumer.js';
import { CooperativeStickyAssignor, RangeAssignor, type PartitionAssignor } from '../../../src/consumer/assignors/index.js';

const base = { bootstrapServers: 'localhost:9092' };

describe('consumer options', () => {
  it("has the Java client's defaults", () => {
    const options = resolveConsumerOptions({ ...base, groupId: 'g' });
    assert.equal(options.autoOffsetReset, 'latest');
    assert.equal(options.enableAutoCommit, true);
    assert.equal(options.autoCommitIntervalMs, 5000);
    assert.equal(options.sessionTimeoutMs, 45_000);
    assert.equal(options.heartbeatIntervalMs, 3000);
    assert.equal(options.maxPollIntervalMs, 300_000);
    assert.equal(options.maxPollRecords, 500);
    assert.equal(options.fetchMinBytes, 1);
    assert.equal(options.fetchMaxBytes, 52_428_800);
    assert.equal(options.fetchMaxWaitMs, 500);
    assert.equal(options.maxPartitionFetchBytes, 1_048_576);
    assert.equal(options.isolationLevel, 'read_uncommitted');
    assert.deepEqual(options.partitionAssignmentStrategy.map((assignor) => assignor.name), ['range', 'cooperative-sticky']);
    assert.equal(options.checkCrcs, true);
    assert.equal(options.excludeInternalTopics, true);
    assert.equal(options.allowAutoCreateTopics, true);
    assert.equal(options.defaultApiTimeoutMs, 60_000);
  });

  it('auto-commit is off by default without a groupId, and an explicit one without a groupId is an error', () => {
    assert.equal(resolveConsumerOptions(base).enableAutoCommit, false);
    assert.throws(() => resolveConsumerOptions({ ...base, enableAutoCommit: true }), /enableAutoCommit needs a groupId/);
    assert.throws(() => resolveConsumerOptions({ ...base, groupInstanceId: 'i' }), /groupInstanceId needs a groupId/);
  });

  it('rejects unknown keys (hinting Java names), bad values and conflicts with KafkaConfigError', () => {
    assert.throws(() => resolveConsumerOptions({ ...base, 'auto.offset.reset': 'earliest' }), (error: unknown) => error instanceof KafkaConfigError && /did you mean autoOffsetReset/.test(error.message));
    assert.throws(() => resolveConsumerOptions({ ...base, autoOffsetReset: 'smallest' }), KafkaConfigError);
    assert.throws(() => resolveConsumerOptions({ ...base, maxPollRecords: 0 }), KafkaConfigError);
    assert.throws(() => resolveConsumerOptions({ ...base, groupId: 'g', heartbeatIntervalMs: 10_000, sessionTimeoutMs: 10_000 }), /heartbeatIntervalMs \(10000\) must be lower than sessionTimeoutMs/);
    assert.throws(() => resolveConsumerOptions({ ...base, isolationLevel: 'committed' }), KafkaConfigError);
    assert.throws(() => resolveConsumerOptions({ ...base, valueDeserializer: 'utf8' }), /valueDeserializer/);
    assert.throws(() => resolveConsumerOptions({ ...base, commitListener: { onCommitFailed: 1 } }), /onCommitFailed/);
    assert.throws(() => new KafkaConsumer({ ...base, fetchMaxWaitMs: -1 }), KafkaConfigError);
  });

  it('takes assignor names (a list or a comma string) or objects, and checks they share a rebalance protocol', () => {
    const names = resolveConsumerOptions({ ...base, groupId: 'g', partitionAssignmentStrategy: ['cooperative-sticky'] });
    assert.ok(names.partitionAssignmentStrategy[0] instanceof CooperativeStickyAssignor);
    const text = resolveConsumerOptions({ ...base, groupId: 'g', partitionAssignmentStrategy: 'range, roundrobin' as never });
    assert.deepEqual(text.partitionAssignmentStrategy.map((assignor) => assignor.name), ['range', 'roundrobin']);
    const custom: PartitionAssignor = { name: 'mine', supportedProtocols: ['COOPERATIVE'], assign: () => new Map() };
    assert.throws(() => resolveConsumerOptions({ ...base, groupId: 'g', partitionAssignmentStrategy: [new RangeAssignor(), custom] }), /no rebalance protocol in common/);
    assert.throws(() => resolveConsumerOptions({ ...base, partitionAssignmentStrategy: ['fair'] }), /unknown assignor 'fair'/);
    assert.throws(() => resolveConsumerOptions({ ...base, partitionAssignmentStrategy: [] }), KafkaConfigError);
    // Fresh instances per consumer: sticky assignors keep state.
    const a = resolveConsumerOptions({ ...base, groupId: 'g' }).partitionAssignmentStrategy[1];
    const b = resolveConsumerOptions({ ...base, groupId: 'g' }).partitionAssignmentStrategy[1];
    assert.notEqual(a, b);
  });

  it('infers key and value types from the deserializer options (checked by the compiler)', async () => {
    const consumer = new KafkaConsumer({ ...base, valueDeserializer: 'string', keyDeserializer: (data: Buffer) => data.length });
    const typed: (record: { key: number | null; value: string | null }) => void = () => {};
    const records = await consumer.poll({ timeoutMs: 0 }).catch(() => null);
    for (const record of records ?? []) typed(record);
    await consumer.close();
  });
});

describe('deserializers', () => {
  const headers = [{ key: 'h', value: Buffer.from('x') }];
  it('buffer passes through (no function), string and json decode, functions and objects are called with topic and headers', () => {
    assert.equal(resolveDeserializer('buffer'), null);
    assert.equal(resolveDeserializer('string')!(Buffer.from('héllo'), 't', headers), 'héllo');
    assert.deepEqual(resolveDeserializer('json')!(Buffer.from('{"a":[1,2]}'), 't', headers), { a: [1, 2] });
    const seen: unknown[] = [];
    resolveDeserializer((data: Buffer, topic: string, h: readonly unknown[]) => seen.push([String(data), topic, h.length]))!(Buffer.from('d'), 'topic', headers);
    resolveDeserializer({ deserialize: (topic: string, data: Buffer) => seen.push([topic, String(data)]) })!(Buffer.from('e'), 'other', headers);
    assert.deepEqual(seen, [['d', 'topic', 1], ['other', 'e']]);
    assert.throws(() => resolveDeserializer('json')!(Buffer.from('{'), 't', headers), SyntaxError);
  });
});
