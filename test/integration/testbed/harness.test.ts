/**
 * Proves the test bed itself: the librdkafka mock-cluster harness, its control
 * commands, and the kcat / kafka-python peer helpers, each checked through an
 * effect a real client observes over real sockets.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCluster } from '../../support/cluster-under-test.js';
import {
  kafkaPythonConsume,
  kafkaPythonProduce,
  kcatApiVersions,
  kcatConsume,
  kcatMetadata,
  kcatProduce,
  type Compression,
  type ConsumedRecord,
  type PeerRecord,
} from '../../support/peers.js';
import { runProcess } from '../../support/process.js';
import { rdkafkaMockBinary, startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';
import { repoRoot } from '../../support/repo.js';

const PRODUCE = 0;
const METADATA = 3;
const TXN_OFFSET_COMMIT = 28;
const NOT_LEADER_OR_FOLLOWER = 6;
const MESSAGE_TOO_LARGE = 10;

function bytes(value: string | Buffer | null | undefined): Buffer | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** Asserts that `consumed` are exactly `produced`, at offsets first..first+n-1 of one partition. */
function assertSameRecords(consumed: readonly ConsumedRecord[], produced: readonly PeerRecord[], partition: number, firstOffset = 0): void {
  assert.equal(consumed.length, produced.length, 'record count');
  consumed.forEach((record, index) => {
    const expected = produced[index]!;
    assert.equal(record.partition, partition, `partition of record ${index}`);
    assert.equal(record.offset, firstOffset + index, `offset of record ${index}`);
    assert.deepEqual(record.key, bytes(expected.key), `key of record ${index}`);
    assert.deepEqual(record.value, bytes(expected.value), `value of record ${index}`);
    assert.deepEqual(
      record.headers,
      (expected.headers ?? []).map(([name, value]) => [name, bytes(value)]),
      `headers of record ${index}`,
    );
  });
}

describe('librdkafka mock cluster harness', () => {
  let started: RdkafkaMock | undefined;
  const mock = (): RdkafkaMock => {
    assert.ok(started, 'mock cluster did not start');
    return started;
  };
  const leaderOf = async (topic: string, partition: number): Promise<number> => {
    const metadata = await kcatMetadata(mock().bootstrapServers, { topic });
    const leader = metadata.topics[0]?.partitions[partition]?.leader;
    assert.ok(leader !== undefined, `no metadata for ${topic} [${partition}]`);
    return leader;
  };

  before(async () => {
    started = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'testbed-12', partitions: 12 }] });
  });
  after(async () => {
    await started?.stop();
  });

  test('kcat -L lists the three brokers at the bootstrap addresses', async () => {
    const metadata = await kcatMetadata(mock().bootstrapServers);
    const expected = mock()
      .bootstrapServers.split(',')
      .map((address, index) => ({ id: index + 1, host: address.split(':')[0], port: Number(address.split(':')[1]) }));
    assert.equal(expected.length, 3);
    assert.deepEqual(metadata.brokers, expected);
    assert.deepEqual(mock().brokerIds, [1, 2, 3]);
  });

  test('a created topic has 12 partitions replicated on all brokers', async () => {
    const metadata = await kcatMetadata(mock().bootstrapServers, { topic: 'testbed-12' });
    assert.equal(metadata.topics.length, 1);
    const topic = metadata.topics[0]!;
    assert.equal(topic.name, 'testbed-12');
    assert.equal(topic.error, null);
    assert.deepEqual(
      topic.partitions.map((partition) => partition.partition),
      Array.from({ length: 12 }, (_, index) => index),
    );
    for (const partition of topic.partitions) {
      assert.deepEqual(partition.replicas, [1, 2, 3]);
      assert.ok([1, 2, 3].includes(partition.leader), `leader ${partition.leader} of partition ${partition.partition}`);
    }
  });

  test('kcat produces and consumes records byte for byte, and kafka-python reads the same', async () => {
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const records: PeerRecord[] = [
      { key: 'k0', value: 'plain text', partition: 5 },
      { key: 'every-byte', value: everyByte, partition: 5 },
      { key: null, value: 'no key', partition: 5 },
      { key: 'null value', value: null, partition: 5 },
      { key: 'empty value', value: '', partition: 5 },
      { key: Buffer.from([0xff, 0x00, 0x0a, 0x80]), value: 'binary key', partition: 5 },
      {
        key: 'headers',
        value: 'with headers',
        partition: 5,
        headers: [
          ['a', '1'],
          ['a', '2'],
          ['no-value', null],
          ['utf8', 'h\u00e9\u20ac'],
        ],
      },
      { key: 'large', value: randomBytes(300_000), partition: 5 },
    ];
    const startedAt = Date.now();
    const deliveries = await kcatProduce(mock().bootstrapServers, 'testbed-12', records);
    const finishedAt = Date.now();
    const leader = await leaderOf('testbed-12', 5);
    assert.deepEqual(
      deliveries,
      records.map((_, offset) => ({ partition: 5, offset, broker: leader })),
    );

    const consumed = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-12', partition: 5, count: records.length });
    assertSameRecords(consumed, records, 5);
    for (const record of consumed) {
      assert.equal(record.topic, 'testbed-12');
      assert.equal(record.timestampType, 'create');
      assert.ok(record.timestamp !== null && record.timestamp >= startedAt - 1 && record.timestamp <= finishedAt + 1);
    }

    // Reading to the end returns the same records and nothing more.
    const toEnd = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-12', partition: 5, exitAtEnd: true });
    assertSameRecords(toEnd, records, 5);

    const viaPython = await kafkaPythonConsume(mock().bootstrapServers, {
      topic: 'testbed-12',
      partitions: [5],
      count: records.length,
    });
    assertSameRecords(viaPython, records, 5);
    assert.deepEqual(
      viaPython.map((record) => record.timestamp),
      consumed.map((record) => record.timestamp),
    );
  });

  test('kafka-python produces keys, headers and timestamps that kcat reads exactly', async () => {
    const records: PeerRecord[] = [
      { key: 'py-0', value: Buffer.from([0, 1, 2, 0xfe, 0xff]), partition: 7, timestamp: 1_600_000_000_000, headers: [['trace', 'abc']] },
      { key: null, value: 'no key', partition: 7, timestamp: 1_600_000_000_001 },
      { key: 'py-2', value: null, partition: 7, timestamp: 1_600_000_000_002, headers: [['x', Buffer.from([0xc3, 0xa9])], ['x', '']] },
    ];
    const results = await kafkaPythonProduce(mock().bootstrapServers, 'testbed-12', records);
    assert.deepEqual(
      results.map((result) => [result.error, result.partition, result.offset]),
      [
        [undefined, 7, 0],
        [undefined, 7, 1],
        [undefined, 7, 2],
      ],
    );
    const consumed = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-12', partition: 7, count: 3 });
    assertSameRecords(consumed, records, 7);
    assert.deepEqual(
      consumed.map((record) => [record.timestampType, record.timestamp]),
      records.map((record) => ['create', record.timestamp]),
    );
  });

  test('every compression codec round-trips through the mock', async () => {
    await mock().createTopic('testbed-codecs', 4);
    const codecs: Compression[] = ['gzip', 'snappy', 'lz4', 'zstd'];
    for (const [partition, compression] of codecs.entries()) {
      const records: PeerRecord[] = Array.from({ length: 3 }, (_, index) => ({
        key: `${compression}-${index}`,
        value: `${compression} value ${index} `.repeat(50),
        partition,
      }));
      const deliveries = await kcatProduce(mock().bootstrapServers, 'testbed-codecs', records, { compression });
      assert.deepEqual(
        deliveries.map((delivery) => [delivery.partition, delivery.offset]),
        [
          [partition, 0],
          [partition, 1],
          [partition, 2],
        ],
      );
      const consumed = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-codecs', partition, exitAtEnd: true });
      assertSameRecords(consumed, records, partition);
    }
  });

  test('a down broker stalls produce to its partitions only; up again, produce succeeds', async () => {
    await mock().createTopic('testbed-down', 2);
    await mock().setLeader('testbed-down', 0, 2);
    await mock().setLeader('testbed-down', 1, 1);
    await mock().brokerDown(2);
    try {
      await assert.rejects(
        kcatProduce(mock().bootstrapServers, 'testbed-down', [{ value: 'while down', partition: 0 }], {
          config: { 'message.timeout.ms': 2000 },
        }),
        (error: Error) => {
          assert.match(error.message, /Delivery failed for message: Local: Message timed out/);
          assert.match(error.message, /0 of 1 records delivered/);
          return true;
        },
      );
      const unaffected = await kcatProduce(mock().bootstrapServers, 'testbed-down', [{ value: 'other leader', partition: 1 }]);
      assert.deepEqual(unaffected, [{ partition: 1, offset: 0, broker: 1 }]);
    } finally {
      await mock().brokerUp(2);
    }
    const delivered = await kcatProduce(mock().bootstrapServers, 'testbed-down', [{ value: 'after up', partition: 0 }]);
    // Offset 0: the timed-out record never reached the log.
    assert.deepEqual(delivered, [{ partition: 0, offset: 0, broker: 2 }]);
    const consumed = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-down', partition: 0, exitAtEnd: true });
    assertSameRecords(consumed, [{ value: 'after up' }], 0);
  });

  test('setLeader moves partition leadership as kcat -L and produce see it', async () => {
    await mock().createTopic('testbed-leader', 4);
    const planned = [1, 2, 3, 1];
    for (const [partition, broker] of planned.entries()) await mock().setLeader('testbed-leader', partition, broker);
    const leaders = async (): Promise<number[]> =>
      (await kcatMetadata(mock().bootstrapServers, { topic: 'testbed-leader' })).topics[0]!.partitions.map((p) => p.leader);
    assert.deepEqual(await leaders(), planned);

    for (const partition of planned.keys()) await mock().setLeader('testbed-leader', partition, 3);
    assert.deepEqual(await leaders(), [3, 3, 3, 3]);
    const delivered = await kcatProduce(mock().bootstrapServers, 'testbed-leader', [{ value: 'to broker 3', partition: 0 }]);
    assert.deepEqual(delivered, [{ partition: 0, offset: 0, broker: 3 }]);

    await mock().setLeader('testbed-leader', 1, -1);
    assert.deepEqual(await leaders(), [3, -1, 3, 3]);
  });

  test('pushed request errors reach kafka-python, exactly as many as pushed', async () => {
    await mock().createTopic('testbed-errors', 1);
    const leader = await leaderOf('testbed-errors', 0);

    await mock().pushRequestErrors(PRODUCE, [MESSAGE_TOO_LARGE]);
    const rejected = await kafkaPythonProduce(mock().bootstrapServers, 'testbed-errors', [{ value: 'rejected', partition: 0 }], {
      config: { retries: 0 },
    });
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.error ?? '', /^MessageSizeTooLargeError: \[Error 10\]/);

    const accepted = await kafkaPythonProduce(mock().bootstrapServers, 'testbed-errors', [{ value: 'accepted', partition: 0 }]);
    assert.deepEqual(
      accepted.map((result) => [result.error, result.partition, result.offset]),
      [[undefined, 0, 0]],
    );

    await mock().pushBrokerRequestErrors(leader, PRODUCE, [{ code: NOT_LEADER_OR_FOLLOWER, rttMs: 50 }, { code: NOT_LEADER_OR_FOLLOWER }]);
    assert.equal(await mock().errorStackCount(leader, PRODUCE), 2);
    const retried = await kafkaPythonProduce(mock().bootstrapServers, 'testbed-errors', [{ value: 'retried', partition: 0 }], {
      config: { retries: 5, retry_backoff_ms: 20 },
    });
    assert.deepEqual(
      retried.map((result) => [result.error, result.partition, result.offset]),
      [[undefined, 0, 1]],
    );
    assert.equal(await mock().errorStackCount(leader, PRODUCE), 0);

    // The failed attempts appended nothing.
    const consumed = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-errors', partition: 0, exitAtEnd: true });
    assertSameRecords(consumed, [{ value: 'accepted' }, { value: 'retried' }], 0);
  });

  test('api-version narrows what the brokers advertise, as librdkafka sees it', async () => {
    const firstBroker = mock().bootstrapServers.split(',')[0]!;
    const initial = await mock().apiVersions();
    assert.deepEqual(initial.get(PRODUCE), { min: 0, max: 7 });
    assert.deepEqual(initial.get(METADATA), { min: 0, max: 2 });
    assert.deepEqual(await kcatApiVersions(firstBroker), new Map(initial));

    await mock().setApiVersion(METADATA, 0, 1);
    await mock().setApiVersion(TXN_OFFSET_COMMIT, -1, -1);
    try {
      const narrowed = await mock().apiVersions();
      assert.deepEqual(narrowed.get(METADATA), { min: 0, max: 1 });
      assert.equal(narrowed.has(TXN_OFFSET_COMMIT), false);
      assert.deepEqual(await kcatApiVersions(firstBroker), new Map(narrowed));
      await assert.rejects(mock().setApiVersion(METADATA, 0, 9), /outside the implemented 0\.\.2/);
    } finally {
      await mock().setApiVersion(METADATA, 0, 2);
      await mock().setApiVersion(TXN_OFFSET_COMMIT, initial.get(TXN_OFFSET_COMMIT)!.min, initial.get(TXN_OFFSET_COMMIT)!.max);
    }
    assert.deepEqual(await mock().apiVersions(), initial);
  });

  test('setCoordinator decides where a kcat group consumer finds its coordinator', async () => {
    await mock().createTopic('testbed-group', 1);
    await mock().setCoordinator('group', 'testbed group', 3);
    const result = await runProcess('kcat', ['-b', mock().bootstrapServers, '-G', 'testbed group', '-d', 'cgrp', '-e', '-q', 'testbed-group']);
    const coordinators = [...result.stderr.matchAll(/Group "testbed group" coordinator is \S+ id (\d+)/g)].map((match) => Number(match[1]));
    assert.ok(coordinators.length > 0, 'kcat logged no coordinator');
    assert.deepEqual(new Set(coordinators), new Set([3]));
  });

  test('setRtt delays every response by at least the rtt', async () => {
    await mock().setRtt(-1, 300);
    try {
      const startedAt = Date.now();
      await kcatMetadata(mock().bootstrapServers);
      // ApiVersions then Metadata: two delayed round trips at least.
      assert.ok(Date.now() - startedAt >= 600, `took ${Date.now() - startedAt} ms`);
    } finally {
      await mock().setRtt(-1, 0);
    }
  });

  test('a partition keeps only its newest ~5 MiB', async () => {
    await mock().createTopic('testbed-retention', 1);
    const records: PeerRecord[] = Array.from({ length: 4 }, () => ({ value: randomBytes(2 * 1024 * 1024), partition: 0 }));
    const deliveries = await kcatProduce(mock().bootstrapServers, 'testbed-retention', records);
    assert.deepEqual(
      deliveries.map((delivery) => delivery.offset),
      [0, 1, 2, 3],
    );
    // Three 2 MiB batches exceed 5 MiB, so each append past the second drops the oldest.
    const consumed = await kcatConsume(mock().bootstrapServers, { topic: 'testbed-retention', partition: 0, exitAtEnd: true });
    assertSameRecords(consumed, records.slice(2), 0, 2);
  });

  test('refused commands reject with the reason', async () => {
    await assert.rejects(mock().brokerDown(7), /broker-down 7" failed: BROKER_NOT_AVAILABLE/);
    await assert.rejects(mock().createTopic('testbed-12', 3), /TOPIC_ALREADY_EXISTS/);
    await assert.rejects(mock().command('no-such-command'), /unknown command 'no-such-command'/);
    await assert.rejects(mock().setApiVersion(19, 0, 1), /api key 19 is not implemented/);
    assert.throws(() => mock().createTopic('too-many-replicas', 1, 4), RangeError);
    // The harness still answers afterwards.
    assert.equal(await mock().command('ping'), '');
  });
});

describe('harness process lifecycle', () => {
  test('stop() is idempotent and ends the process', async () => {
    const cluster = await startTestCluster('rdkafka-mock', { brokers: 1 });
    assert.equal(cluster.kind, 'rdkafka-mock');
    assert.equal(cluster.bootstrapServers.split(',').length, 1);
    const pid = (cluster as RdkafkaMock).pid;
    await Promise.all([cluster.stop(), cluster.stop()]);
    await cluster.stop();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await assert.rejects(cluster.brokerDown(1), /stopped/);
  });

  test('the harness answers pipelined commands in order and exits 0 when stdin closes', async () => {
    const child = spawn(rdkafkaMockBinary(), ['2'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    let output = '';
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
    });
    child.stdin.write('topic-create pipelined 2 2\ntopic-create pipelined 2 2\nerror-stack-count 2 0\nbroker-down 3\n');
    const exited = once(child, 'exit');
    child.stdin.end();
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, null);
    assert.equal(code, 0);
    const lines = output.split('\n');
    assert.match(lines[0]!, /^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    assert.deepEqual(lines.slice(1), [
      'ok',
      'error TOPIC_ALREADY_EXISTS: Broker: Topic already exists',
      'ok 0',
      'error BROKER_NOT_AVAILABLE: Broker: Broker not available',
      '',
    ]);
  });

  const bundledLibrary = join(repoRoot(), 'bench/.peers/node_modules/@confluentinc/kafka-javascript/build/deps/librdkafka.so');
  test(
    'the harness also runs on the newer librdkafka that bench/peers/setup.sh builds',
    { skip: !existsSync(bundledLibrary) && 'bench/peers/setup.sh has not run on this machine' },
    async () => {
      const cluster = await startRdkafkaMock({ variant: 'bundled', brokers: 2, topics: [{ name: 'bundled', partitions: 2 }] });
      try {
        const versions = await cluster.apiVersions();
        assert.ok((versions.get(PRODUCE)?.max ?? 0) > 7, 'a newer mock implements Produce beyond v7');
        assert.deepEqual(await kcatApiVersions(cluster.bootstrapServers.split(',')[0]!), new Map(versions));
        await cluster.setLeader('bundled', 1, 2);
        const records: PeerRecord[] = [
          { key: 'a', value: 'first', partition: 1 },
          { key: 'b', value: null, partition: 1 },
        ];
        assert.deepEqual(await kcatProduce(cluster.bootstrapServers, 'bundled', records), [
          { partition: 1, offset: 0, broker: 2 },
          { partition: 1, offset: 1, broker: 2 },
        ]);
        assertSameRecords(await kcatConsume(cluster.bootstrapServers, { topic: 'bundled', partition: 1, count: 2 }), records, 1);
      } finally {
        await cluster.stop();
      }
    },
  );
});
