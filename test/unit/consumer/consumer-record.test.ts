/** ConsumerRecords: grouping by partition, iteration order, next offsets to commit. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerRecord, ConsumerRecords } from '../../../src/consumer/consumer-record.js';
import { checkTopicPartitions, keyOf, partitionKey } from '../../../src/consumer/topic-partition.js';

function record(topic: string, partition: number, offset: number, epoch: number | null = 2): ConsumerRecord<string, string> {
  return new ConsumerRecord(topic, partition, offset, 1000 + offset, 'CreateTime', `k${offset}`, `v${offset}`, [], epoch, 2, 2);
}

describe('ConsumerRecords', () => {
  it('groups by partition in drain order and iterates partition by partition', () => {
    const records = new ConsumerRecords<string, string>();
    records.add({ topic: 'b', partition: 1 }, [record('b', 1, 5), record('b', 1, 6)]);
    records.add({ topic: 'a', partition: 0 }, [record('a', 0, 9)]);
    records.add({ topic: 'b', partition: 1 }, [record('b', 1, 7)]);
    records.add({ topic: 'c', partition: 0 }, []);
    assert.equal(records.count, 4);
    assert.equal(records.isEmpty(), false);
    assert.deepEqual(records.partitions(), [{ topic: 'b', partition: 1 }, { topic: 'a', partition: 0 }]);
    assert.deepEqual([...records].map((r) => `${r.topic}-${r.partition}@${r.offset}`), ['b-1@5', 'b-1@6', 'b-1@7', 'a-0@9']);
    assert.deepEqual(records.records({ topic: 'b', partition: 1 }).map((r) => r.offset), [5, 6, 7]);
    assert.deepEqual(records.records({ topic: 'zz', partition: 0 }), []);
    assert.deepEqual(records.nextOffsets(), [
      { topic: 'b', partition: 1, offset: 8, leaderEpoch: 2 },
      { topic: 'a', partition: 0, offset: 10, leaderEpoch: 2 },
    ]);
    assert.equal(records.toArray().length, 4);
    assert.equal(ConsumerRecords.empty().count, 0);
  });
});

describe('topic-partition helpers', () => {
  it('keys are unambiguous, lists are checked and deduplicated', () => {
    assert.equal(keyOf({ topic: 'a.b-c', partition: 12 }), partitionKey('a.b-c', 12));
    assert.notEqual(keyOf({ topic: 'a1', partition: 2 }), keyOf({ topic: 'a', partition: 12 }));
    assert.deepEqual(checkTopicPartitions([{ topic: 'a', partition: 1 }, { topic: 'a', partition: 1 }]), [{ topic: 'a', partition: 1 }]);
    assert.throws(() => checkTopicPartitions([{ topic: 'a', partition: -1 }]), /non-negative integer/);
    assert.throws(() => checkTopicPartitions('a' as never), /array/);
  });
});
