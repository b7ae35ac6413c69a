import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveMockClusterOptions } from '../../../src/broker/options.js';
import { KafkaConfigError } from '../../../src/protocol/errors.js';

describe('MockCluster options', () => {
  it('fills in defaults', () => {
    const resolved = resolveMockClusterOptions();
    assert.deepEqual(
      {
        brokers: resolved.brokers,
        host: resolved.host,
        ports: resolved.ports,
        release: resolved.release,
        autoCreateTopics: resolved.autoCreateTopics,
        defaultPartitions: resolved.defaultPartitions,
        defaultReplicationFactor: resolved.defaultReplicationFactor,
        retentionBytes: resolved.retentionBytes,
        maxMessageBytes: resolved.maxMessageBytes,
        maxRequestBytes: resolved.maxRequestBytes,
        fetchSessionCacheSlots: resolved.fetchSessionCacheSlots,
      },
      {
        brokers: 3,
        host: '127.0.0.1',
        ports: [0, 0, 0],
        release: '4.0',
        autoCreateTopics: true,
        defaultPartitions: 1,
        defaultReplicationFactor: 3,
        retentionBytes: 64 * 1024 * 1024,
        maxMessageBytes: 1_048_588,
        maxRequestBytes: 100 * 1024 * 1024,
        fetchSessionCacheSlots: 1000,
      },
    );
    assert.equal(resolveMockClusterOptions({ brokers: 2 }).defaultReplicationFactor, 2);
    assert.equal(resolveMockClusterOptions({ asVersion: '3.7.2' }).release, '3.7');
    assert.deepEqual(resolveMockClusterOptions({ topics: [{ name: 't', configs: { 'retention.ms': '5' } }] }).topics, [
      { name: 't', partitions: 1, replicationFactor: 3, configs: new Map([['retention.ms', '5']]) },
    ]);
  });

  it('names the key of every refused option', () => {
    const cases: Array<[object, RegExp]> = [
      [{ broker: 3 }, /unknown MockCluster option 'broker'/],
      [{ brokers: 0 }, /brokers must be an integer from 1 to 100/],
      [{ brokers: 2, ports: [9092] }, /ports must list one port per broker \(2\)/],
      [{ brokers: 2, ports: [9092, 9092] }, /lists a port twice/],
      [{ ports: [1, 2, 70000] }, /ports\[2\] must be an integer from 0 to 65535/],
      [{ asVersion: '5.0' }, /asVersion must name a Kafka release from 0\.10\.0 to 4\.0, got "5\.0"/],
      [{ autoCreateTopics: 'yes' }, /autoCreateTopics must be a boolean/],
      [{ brokers: 1, defaultReplicationFactor: 2 }, /defaultReplicationFactor must be an integer from 1 to 1/],
      [{ topics: [{ name: 't', partitons: 3 }] }, /topics\[0\] has an unknown key 'partitons'/],
      [{ topics: [{ name: 't', configs: { a: 1 } }] }, /topics\[0\]\.configs\['a'\] must be a string/],
      [{ retentionBytes: 0 }, /retentionBytes must be an integer/],
      [{ onError: 'log' }, /onError must be a function/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => resolveMockClusterOptions(options as never), (error: unknown) => error instanceof KafkaConfigError && message.test(error.message));
    }
  });
});
