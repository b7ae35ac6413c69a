/**
 * Partitioning: murmur2 and the keyed partition formula against kafka-python's (the Java client's
 * algorithm, ported), and the sticky partitioner of KIP-794 (switching, adaptive weights).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StickyPartitioner, murmur2, partitionForKey } from '../../../src/producer/partitioner.js';
import { runPython } from '../../support/peers.js';
import { repoRoot } from '../../support/repo.js';

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleKeys(count: number): Buffer[] {
  const random = seeded(42);
  const keys: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('ab'), Buffer.from('abc'), Buffer.from('abcd'), Buffer.from([0xff, 0x80, 0x7f, 0x00])];
  for (let i = 0; keys.length < count; i++) {
    if (i % 3 === 0) keys.push(Buffer.from(`user-${i}`));
    else if (i % 3 === 1) keys.push(Buffer.from(`${'ключ'.repeat(i % 5)}-${i}-€`));
    else keys.push(Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256))));
  }
  return keys;
}

describe('murmur2 and keyed partitioning', () => {
  it('match kafka-python (the Java algorithm) for 5000 keys and 1 to 1000 partitions', async () => {
    const keys = sampleKeys(5000);
    const partitionCounts = [1, 2, 3, 7, 12, 16, 50, 100, 999, 1000];
    const result = await runPython(join(repoRoot(), 'test', 'unit', 'producer', 'kafka_python_partition.py'), [], {
      stdin: JSON.stringify({ keys: keys.map((key) => key.toString('base64')), partitionCounts }),
    });
    const answer = JSON.parse(result.stdout.toString('utf8')) as { hashes: number[]; partitions: Record<string, number[]> };
    assert.equal(answer.hashes.length, keys.length);
    let mismatches = 0;
    keys.forEach((key, index) => {
      if (murmur2(key) >>> 0 !== answer.hashes[index]) mismatches++;
    });
    assert.equal(mismatches, 0, 'murmur2 differs from kafka-python');
    for (const count of partitionCounts) {
      const ours = keys.map((key) => partitionForKey(key, count));
      assert.deepEqual(ours, answer.partitions[String(count)], `partitions of ${count}`);
    }
  });

  it('returns a signed 32-bit value and a partition in range', () => {
    for (const key of sampleKeys(200)) {
      const hash = murmur2(key);
      assert.ok(Number.isInteger(hash) && hash >= -(2 ** 31) && hash < 2 ** 31);
      const partition = partitionForKey(key, 7);
      assert.ok(partition >= 0 && partition < 7);
    }
  });
});

describe('StickyPartitioner (KIP-794)', () => {
  const available = [0, 1, 2, 3, 4, 5];

  it('sticks to one partition until batchSize bytes were appended, then moves at a full batch or at twice batchSize', () => {
    const sticky = new StickyPartitioner(1000, seeded(1));
    const first = sticky.partition(available, 6);
    assert.equal(sticky.partition(available, 6), first);
    assert.equal(sticky.appended(600), 'stay');
    assert.equal(sticky.appended(300), 'stay', '900 bytes is under batchSize');
    assert.equal(sticky.appended(200), 'if-full', '1100 bytes: move when the batch is full');
    assert.equal(sticky.appended(899), 'if-full');
    assert.equal(sticky.appended(1), 'switch', '2000 bytes: move whatever the batch');
    sticky.switchPartition(available, 6);
    assert.equal(sticky.appended(999), 'stay', 'the count starts again on the next partition');
  });

  it('spreads uniformly over the partitions that have a leader when queues are equal', () => {
    const sticky = new StickyPartitioner(1, seeded(3));
    const counts = new Map<number, number>();
    const withLeader = [1, 3, 5];
    for (let i = 0; i < 3000; i++) {
      sticky.switchPartition(withLeader, 6);
      const partition = sticky.partition(withLeader, 6);
      counts.set(partition, (counts.get(partition) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [1, 3, 5]);
    for (const count of counts.values()) assert.ok(count > 850 && count < 1150, `uniform: ${[...counts.values()]}`);
  });

  it('favours partitions with shorter queues (adaptive), weight = longest + 1 - length', () => {
    const sticky = new StickyPartitioner(1, seeded(4));
    // Queue lengths 0, 3, 1: weights 4, 1, 3 of 8.
    sticky.updateLoad([0, 1, 2], [0, 3, 1]);
    const counts = [0, 0, 0];
    const draws = 8000;
    for (let i = 0; i < draws; i++) {
      sticky.switchPartition([0, 1, 2], 3);
      counts[sticky.partition([0, 1, 2], 3)]!++;
    }
    assert.ok(Math.abs(counts[0]! / draws - 4 / 8) < 0.03, `partition 0: ${counts}`);
    assert.ok(Math.abs(counts[1]! / draws - 1 / 8) < 0.03, `partition 1: ${counts}`);
    assert.ok(Math.abs(counts[2]! / draws - 3 / 8) < 0.03, `partition 2: ${counts}`);
  });

  it('moves away from a partition that no longer exists', () => {
    const sticky = new StickyPartitioner(1000, seeded(5));
    sticky.current = 9;
    const partition = sticky.partition([0, 1], 2);
    assert.ok(partition === 0 || partition === 1);
  });
});
