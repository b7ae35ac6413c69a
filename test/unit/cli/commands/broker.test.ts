import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTopicOption } from '../../../../src/cli/commands/broker.js';
import { runCli } from '../../../../src/cli/run.js';
import { Metadata } from '../../../../src/protocol/generated/metadata.js';
import { RawClient } from '../../broker/raw-client.js';
import { waitFor } from '../../../support/wait.js';

class Captured {
  text = '';
  write(chunk: string): void {
    this.text += chunk;
  }
}

describe('kafkats broker', () => {
  it('parses --topic NAME[:PARTITIONS[:REPLICAS]]', () => {
    assert.deepEqual(parseTopicOption('orders'), { name: 'orders' });
    assert.deepEqual(parseTopicOption('orders:6'), { name: 'orders', partitions: 6 });
    assert.deepEqual(parseTopicOption('orders:6:2'), { name: 'orders', partitions: 6, replicationFactor: 2 });
    assert.throws(() => parseTopicOption('orders:six'), /--topic must be NAME\[:PARTITIONS\[:REPLICAS\]\], got 'orders:six'/);
    assert.throws(() => parseTopicOption(':3'), /--topic must be/);
  });

  it('serves until its signal fires, then stops and exits 0', async () => {
    const stdout = new Captured();
    const stderr = new Captured();
    const interrupt = new AbortController();
    const running = runCli(['broker', '--brokers', '2', '--port', '0', '--topic', 'orders:3', '--topic', 'audit', '--as-version', '3.7'], { stdout, stderr, signal: interrupt.signal });
    const bootstrap = await waitFor(() => /Bootstrap servers: (\S+)/.exec(stdout.text)?.[1], { what: 'the bootstrap servers line' });
    assert.match(stdout.text, /^Embedded Kafka cluster \(behaves as Kafka 3\.7\), 2 brokers:\n  broker 1  127\.0\.0\.1:\d+\n  broker 2  127\.0\.0\.1:\d+\n  topic audit \(1 partition\)\n  topic orders \(3 partitions\)\n/);
    const [host, port] = bootstrap.split(',')[0]!.split(':');
    const client = await RawClient.connect(Number(port), host);
    const metadata = await client.send(Metadata, 9, { topics: null });
    assert.deepEqual(metadata.topics.map((topic) => [topic.name, topic.partitions.length]).sort(), [
      ['audit', 1],
      ['orders', 3],
    ]);
    interrupt.abort();
    assert.equal(await running, 0);
    await client.closed;
    assert.match(stdout.text, /Stopped\.\n$/);
    assert.equal(stderr.text, '');
  });

  it('refuses bad options as usage errors', async () => {
    for (const [args, message] of [
      [['broker', '--brokers', '0'], /--brokers must be an integer from 1 to 100, got '0'/],
      [['broker', '--port', '65535', '--brokers', '2'], /--port 65535 leaves no room for 2 brokers/],
      [['broker', '--port', '0', '--as-version', '9.9'], /asVersion must name a Kafka release/],
      [['broker', '--port', '0', '--topic', 'a:b'], /--topic must be/],
    ] as const) {
      const stderr = new Captured();
      assert.equal(await runCli(args, { stdout: new Captured(), stderr }), 2, args.join(' '));
      assert.match(stderr.text, message);
    }
  });
});
