/**
 * The OffsetCommit/OffsetFetch shapes per version and the checks on offsets and partitions, encoded
 * and decoded with the generated codecs (so a field a version lacks would fail to encode).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NO_GENERATION,
  offsetCommitRequest,
  offsetFetchRequest,
  offsetFetchResults,
  parseTopicPartitionKey,
  topicPartitionKey,
  validateOffsets,
  validatePartitions,
} from '../../../../src/consumer/group/offsets.js';
import { KafkaDecodeError, KafkaInvalidArgumentError, KafkaUnsupportedVersionError } from '../../../../src/protocol/errors.js';
import { OffsetCommit, OffsetFetch, type OffsetCommitRequest, type OffsetFetchResponse } from '../../../../src/protocol/generated/index.js';
import { Reader } from '../../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../../src/protocol/primitives/writer.js';

const entries = validateOffsets(
  new Map([
    [topicPartitionKey('b', 1), { offset: 7, leaderEpoch: 2, metadata: null }],
    [topicPartitionKey('a', 0), { offset: 5, leaderEpoch: null, metadata: 'x' }],
  ]),
);

function roundTrip(version: number, identity = { generationId: 4, memberId: 'm', groupInstanceId: null as string | null }): OffsetCommitRequest {
  const writer = new Writer();
  OffsetCommit.encodeRequest(writer, version, offsetCommitRequest('g', identity, entries, version));
  return OffsetCommit.decodeRequest(new Reader(writer.finish()), version);
}

describe('OffsetCommit requests', () => {
  it('are sorted by topic and partition and carry what each version has', () => {
    assert.deepEqual(entries.map((entry) => entry.key), [topicPartitionKey('a', 0), topicPartitionKey('b', 1)]);
    const v1 = roundTrip(1);
    assert.deepEqual([v1.generationIdOrMemberEpoch, v1.memberId], [4, 'm']);
    assert.deepEqual(v1.topics.map((topic) => [topic.name, topic.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.commitTimestamp, p.committedMetadata])]), [
      ['a', [[0, 5n, -1n, 'x']]],
      ['b', [[1, 7n, -1n, null]]],
    ]);
    assert.equal(roundTrip(3).retentionTimeMs, -1n);
    const v6 = roundTrip(6);
    assert.deepEqual(v6.topics.map((topic) => topic.partitions[0]!.committedLeaderEpoch), [-1, 2]);
    const v8 = roundTrip(8, { generationId: 4, memberId: 'm', groupInstanceId: 'static-1' });
    assert.equal(v8.groupInstanceId, 'static-1');
    const v0 = roundTrip(0, NO_GENERATION);
    assert.equal(v0.topics.length, 2);
  });

  it('refuses a static member below v7', () => {
    assert.throws(() => offsetCommitRequest('g', { generationId: 1, memberId: 'm', groupInstanceId: 'i' }, entries, 6), KafkaUnsupportedVersionError);
  });
});

describe('OffsetFetch', () => {
  it('asks for stable offsets from v7 and in the groups shape from v8', () => {
    const partitions = [{ topic: 't', partition: 3 }, { topic: 't', partition: 1 }, { topic: 'u', partition: 0 }];
    for (const version of [1, 6, 7, 8, 9]) {
      const writer = new Writer();
      OffsetFetch.encodeRequest(writer, version, offsetFetchRequest('g', partitions, version));
      const decoded = OffsetFetch.decodeRequest(new Reader(writer.finish()), version);
      const topics = version >= 8 ? decoded.groups[0]!.topics : decoded.topics;
      assert.deepEqual(topics?.map((topic) => [topic.name, topic.partitionIndexes]), [['t', [3, 1]], ['u', [0]]], `v${version}`);
      assert.equal(decoded.requireStable, version >= 7);
    }
  });

  it('reads none as null, refuses offsets beyond safe integers and missing partitions', () => {
    const response = (offset: bigint, partitions = [0]): OffsetFetchResponse => ({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [],
      topics: [{ name: 't', partitions: partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: offset, committedLeaderEpoch: -1, metadata: null, errorCode: 0 })) }],
    });
    assert.deepEqual(offsetFetchResults(response(-1n), 'g', [{ topic: 't', partition: 0 }]).partitions.get(topicPartitionKey('t', 0)), { errorCode: 0, committed: null });
    assert.deepEqual(offsetFetchResults(response(9n), 'g', [{ topic: 't', partition: 0 }]).partitions.get(topicPartitionKey('t', 0)), {
      errorCode: 0,
      committed: { offset: 9, leaderEpoch: null, metadata: null },
    });
    assert.throws(() => offsetFetchResults(response(2n ** 60n), 'g', [{ topic: 't', partition: 0 }]), KafkaDecodeError);
    assert.throws(() => offsetFetchResults(response(1n), 'g', [{ topic: 't', partition: 1 }]), /no result for t-1/);
  });
});

describe('inputs', () => {
  it('keys round-trip, including topics with dots and dashes', () => {
    assert.deepEqual(parseTopicPartitionKey(topicPartitionKey('a.b-c_d', 12)), { topic: 'a.b-c_d', partition: 12 });
    assert.throws(() => parseTopicPartitionKey('nokey'), KafkaInvalidArgumentError);
    assert.throws(() => parseTopicPartitionKey('\u00001'), KafkaInvalidArgumentError);
  });

  it('offsets and partitions are checked', () => {
    const bad = (value: unknown) => () => validateOffsets(new Map([[topicPartitionKey('t', 0), value as never]]));
    assert.throws(bad({ offset: Number.MAX_SAFE_INTEGER + 1, leaderEpoch: null, metadata: null }), /non-negative safe integer/);
    assert.throws(bad({ offset: 1, leaderEpoch: -2, metadata: null }), /leader epoch/);
    assert.throws(bad({ offset: 1, leaderEpoch: null, metadata: 5 }), /metadata/);
    assert.throws(bad(null), /must be an object/);
    assert.throws(() => validateOffsets([] as never), /must be a Map/);
    assert.deepEqual(validatePartitions([{ topic: 't', partition: 1 }, { topic: 't', partition: 1 }]), [{ topic: 't', partition: 1 }]);
    assert.throws(() => validatePartitions([{ topic: '', partition: 1 }]), KafkaInvalidArgumentError);
    assert.throws(() => validatePartitions([{ topic: 't', partition: -1 }]), KafkaInvalidArgumentError);
  });
});
