import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerProtocolSubscription } from '../../../../src/protocol/generated/consumer-protocol-subscription.js';
import { Writer } from '../../../../src/protocol/primitives/writer.js';
import { subscribedTopicsOf } from '../../../../src/broker/groups/subscription.js';

function encoded(version: number, topics: string[]): Buffer {
  const writer = new Writer();
  writer.writeInt16(version);
  ConsumerProtocolSubscription.encode(writer, version, { topics, userData: Buffer.from('u'), ownedPartitions: [{ topic: 'a', partitions: [1] }], generationId: 3, rackId: 'r' });
  return writer.finish();
}

test('the topics of every subscription version are read, as version 0 prefixes', () => {
  for (const version of [0, 1, 2, 3]) assert.deepEqual(subscribedTopicsOf(encoded(version, ['a', 'b'])), ['a', 'b'], `v${version}`);
  const future = encoded(3, ['x']);
  future.writeInt16BE(9, 0);
  assert.deepEqual(subscribedTopicsOf(future), ['x'], 'a newer version still starts with the topics');
});

test('bytes that hold no subscription give null', () => {
  assert.equal(subscribedTopicsOf(Buffer.alloc(0)), null);
  assert.equal(subscribedTopicsOf(Buffer.from([0, 0, 0, 0, 0, 9])), null, 'truncated topic array');
  const negative = encoded(0, ['a']);
  negative.writeInt16BE(-1, 0);
  assert.equal(subscribedTopicsOf(negative), null);
});
