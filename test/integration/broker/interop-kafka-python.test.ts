/**
 * kafka-python 2.0.2 against the embedded cluster: a producer with acks=all, a plain consumer with
 * assign and seek, reading back exactly what was written; check_version() reporting what asVersion
 * implies; and an old release (0.10.2) where kafka-python writes and reads magic 1 messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../src/broker/index.js';
import { PYTHON, kafkaPythonConsume, kafkaPythonProduce, type PeerRecord } from '../../support/peers.js';
import { runProcess } from '../../support/process.js';

const CHECK_VERSION = `
import json, sys
from kafka import KafkaClient
client = KafkaClient(bootstrap_servers=sys.argv[1], api_version_auto_timeout_ms=10000)
print(json.dumps(list(client.check_version(timeout=10))))
client.close()
`;

async function checkVersion(bootstrapServers: string): Promise<number[]> {
  const result = await runProcess(PYTHON, ['-c', CHECK_VERSION, bootstrapServers], { timeoutMs: 60_000 });
  return JSON.parse(result.stdout.toString('utf8')) as number[];
}

describe('kafka-python against the embedded cluster', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'py', partitions: 3 }] });
  });
  after(() => cluster.stop());

  it('produces with acks=all and consumes with assign and seek, exactly', async () => {
    const base = Date.now() - 60_000;
    const records: PeerRecord[] = Array.from({ length: 30 }, (_, index) => ({
      key: index % 4 === 0 ? null : `key-${index}`,
      value: index === 7 ? null : Buffer.from([index, 0, 255, index]),
      headers: index % 3 === 0 ? [] : [['trace', `t-${index}`], ['empty', Buffer.alloc(0)]],
      partition: index % 3,
      timestamp: base + index,
    }));
    const results = await kafkaPythonProduce(cluster.bootstrapServers, 'py', records, { config: { acks: 'all', compression_type: 'gzip', linger_ms: 20 } });
    assert.deepEqual(
      results.map((result) => [result.error, result.partition, result.offset, result.timestamp]),
      records.map((record, index) => [undefined, index % 3, Math.floor(index / 3), record.timestamp]),
    );
    for (const partition of [0, 1, 2]) {
      const expected = records.filter((_, index) => index % 3 === partition).slice(3);
      const consumed = await kafkaPythonConsume(cluster.bootstrapServers, { topic: 'py', partitions: [partition], offset: 3, count: expected.length });
      assert.deepEqual(
        consumed.map((record) => [record.partition, record.offset, record.timestamp, record.timestampType, record.key, record.value, record.headers]),
        expected.map((record, index) => [
          partition,
          3 + index,
          record.timestamp,
          'create',
          record.key == null ? null : Buffer.from(record.key),
          record.value === null ? null : Buffer.from(record.value),
          (record.headers ?? []).map(([name, value]) => [name, value === null ? null : Buffer.from(value)]),
        ]),
      );
    }
    assert.deepEqual([...new Set(cluster.batches('py', 0).map((batch) => batch.compression))], ['gzip']);
  });

  it('reports through check_version() the release asVersion names', async () => {
    // kafka-python 2.0.2 recognises releases up to 2.5; later ones look like 2.5 to it.
    const expectations: Array<[string, number[]]> = [
      ['0.10.2', [0, 10, 2]],
      ['0.11', [0, 11, 0]],
      ['1.1', [1, 1, 0]],
      ['2.1', [2, 1, 0]],
      ['2.4', [2, 4, 0]],
      ['2.8', [2, 5, 0]],
      ['3.7', [2, 5, 0]],
      ['4.0', [2, 5, 0]],
    ];
    for (const [asVersion, expected] of expectations) {
      const versioned = await MockCluster.start({ brokers: 1, asVersion });
      try {
        assert.deepEqual(await checkVersion(versioned.bootstrapServers), expected, asVersion);
      } finally {
        await versioned.stop();
      }
    }
  });

  it('round-trips magic 1 messages with a 0.10.2 cluster (converted to batches and back)', async () => {
    const old = await MockCluster.start({ brokers: 1, asVersion: '0.10.2', topics: [{ name: 'old', partitions: 1 }] });
    try {
      const records: PeerRecord[] = Array.from({ length: 12 }, (_, index) => ({ key: `k${index}`, value: `v${index}`, partition: 0, timestamp: 1_600_000_000_000 + index }));
      const results = await kafkaPythonProduce(old.bootstrapServers, 'old', records, { config: { acks: 1, compression_type: 'gzip' } });
      assert.deepEqual(results.map((result) => result.offset), records.map((_, index) => index));
      assert.deepEqual(old.batches('old', 0).map((batch) => batch.compression).filter((name) => name !== 'gzip'), []);
      const consumed = await kafkaPythonConsume(old.bootstrapServers, { topic: 'old', partitions: [0], offset: 'beginning', count: 12 });
      assert.deepEqual(
        consumed.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.timestamp]),
        records.map((record, index) => [index, record.key, record.value, record.timestamp]),
      );
    } finally {
      await old.stop();
    }
  });
});
