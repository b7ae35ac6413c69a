/**
 * The CLI dispatcher in-process: help, version, usage errors (exit 2), unreachable brokers (exit 1),
 * and the commands' output against scripted brokers.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { runCli } from '../../../src/cli/run.js';
import { listCommands } from '../../../src/cli/registry.js';
import { advertise, ScriptedBroker, selfMetadata } from '../cluster/scripted-broker.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

const brokers: ScriptedBroker[] = [];
after(async () => {
  await Promise.all(brokers.map((broker) => broker.close()));
});

describe('kafkats CLI', () => {
  it('prints the command list for --help, and on stderr with exit 2 when called without a command', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: kafkats <command> \[options\]\n/);
    // Other commands may be registered too; these three are this layer's.
    assert.match(help.stdout, /\n {2}api-versions +show the API versions a broker supports and the ones kafkats uses\n/);
    assert.match(help.stdout, /\n {2}check-version +infer the Kafka release a broker runs\n/);
    assert.match(help.stdout, /\n {2}metadata +show brokers, topics, partitions and leaders\n/);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z-]+) {2,}\S/gm)].map((match) => match[1]);
    assert.deepEqual(listed, listCommands().map((command) => command.name));
    const bare = await cli();
    assert.equal(bare.code, 2);
    assert.equal(bare.stdout, '');
    assert.equal(bare.stderr, help.stdout);
  });

  it('prints each command\'s help with its options and defaults', async () => {
    const help = await cli('metadata', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: kafkats metadata \[options\] \[topic\.\.\.\]\n/);
    assert.match(help.stdout, /\n {2}-b, --bootstrap-server HOST:PORT\[,\.\.\.\] {2}brokers to bootstrap from \(IPv6 as \[::1\]:9092\) \(default localhost:9092\)\n/);
    assert.match(help.stdout, /\n {6}--timeout-ms MS {21}give up after this long \(connecting included\) \(default 10000\)\n/);
    assert.equal((await cli('help', 'check-version')).stdout, (await cli('check-version', '-h')).stdout);
    assert.equal((await cli('--version')).stdout, 'kafkats 0.1.0\n');
  });

  it('reports usage mistakes on one line with exit code 2', async () => {
    const commandNames = listCommands().map((command) => command.name).join(', ');
    assert.match(commandNames, /^(?:.*, )?api-versions, (?:.*, )?check-version, (?:.*, )?metadata(?:, .*)?$/);
    const cases: [string[], string][] = [
      [['frobnicate'], `kafkats: unknown command 'frobnicate' (commands: ${commandNames}; see kafkats --help)\n`],
      [['help', 'frobnicate'], `kafkats: unknown command 'frobnicate' (commands: ${commandNames})\n`],
      [['metadata', '--bogus'], "kafkats metadata: Unknown option '--bogus' (see kafkats metadata --help)\n"],
      [['api-versions', 'extra'], "kafkats api-versions: unexpected argument 'extra' (see kafkats api-versions --help)\n"],
      [['metadata', '--timeout-ms', 'soon'], "kafkats metadata: --timeout-ms must be a positive integer, got 'soon' (see kafkats metadata --help)\n"],
      [['check-version', '--broker', 'two'], "kafkats check-version: --broker must be a broker id (an integer), got 'two' (see kafkats check-version --help)\n"],
      [
        ['metadata', '-b', 'a:b:c'],
        "kafkats metadata: KafkaClient option bootstrapServers is invalid: bootstrapServers entry 'a:b:c' looks like an IPv6 address: write it in brackets, e.g. [::1]:9092 (see kafkats metadata --help)\n",
      ],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(...argv);
      assert.deepEqual(run, { code: 2, stdout: '', stderr: message }, argv.join(' '));
    }
  });

  it('fails with one line and exit code 1 within --timeout-ms when the broker is unreachable', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const started = performance.now();
    const run = await cli('metadata', '-b', `127.0.0.1:${port}`, '--timeout-ms', '600');
    const elapsed = performance.now() - started;
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^kafkats metadata: connecting to 127\\.0\\.0\\.1:${port} did not succeed within 600 ms: cannot connect: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(127\\.0\\.0\\.1:${port}\\)\\n$`));
    // It gives up as soon as the next retry could not start before the deadline.
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  });

  it('prints versions, release and metadata of a scripted broker, as tables and as JSON', async () => {
    const broker = await ScriptedBroker.start({ ApiVersions: advertise({ Produce: [0, 7], Metadata: [0, 8], ApiVersions: [0, 4] }) });
    brokers.push(broker);
    broker.handlers.Metadata = selfMetadata(broker, 1, [
      { errorCode: 0, name: 'orders', partitions: [{ partitionIndex: 0, leaderId: 1, leaderEpoch: 4, replicaNodes: [1], isrNodes: [1] }] },
    ]);
    const versions = await cli('api-versions', '-b', broker.address);
    assert.equal(versions.code, 0);
    assert.equal(
      versions.stdout,
      [
        `Broker 1 at ${broker.address} (ApiVersions v4)`,
        '',
        'API          KEY  BROKER  KAFKATS  USED',
        'Produce        0  0-7     0-11        7',
        'Metadata       3  0-8     0-12        8',
        'ApiVersions   18  0-4     0-4         4',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli('api-versions', '-b', broker.address, '--json')).stdout) as { broker: unknown; apis: { api: string; chosen: number }[] };
    assert.deepEqual(json.broker, { id: 1, host: '127.0.0.1', port: broker.port });
    assert.deepEqual(json.apis.map((row) => [row.api, row.chosen]), [['Produce', 7], ['Metadata', 8], ['ApiVersions', 4]]);

    const release = await cli('check-version', '-b', broker.address);
    assert.equal(release.stdout, `Broker 1 at ${broker.address}: not even Kafka 0.8.0 (it lacks APIs every release has)\n`);

    const metadata = await cli('metadata', '-b', broker.address);
    assert.equal(
      metadata.stdout,
      [
        'Cluster scripted, controller 1',
        '',
        '1 broker:',
        `  ID  HOST       ${'PORT'.padStart(String(broker.port).length)}  RACK`,
        `   1  127.0.0.1  ${broker.port}  -`,
        '',
        '1 topic:',
        '  TOPIC   PARTITION  LEADER  EPOCH  REPLICAS  ISR  ERROR',
        '  orders          0       1      4  1         1    -',
        '',
      ].join('\n'),
    );
  });

  it('recognises a broker without ApiVersions by probing', async () => {
    const broker = await ScriptedBroker.start({ ListGroups: () => ({ response: { errorCode: 0, groups: [] } }) });
    brokers.push(broker);
    broker.handlers.Metadata = selfMetadata(broker, 1);
    const run = await cli('check-version', '-b', broker.address);
    assert.deepEqual(run, { code: 0, stdout: `Broker 1 at ${broker.address}: Kafka 0.9.0 (it has no ApiVersions; found by probing older requests)\n`, stderr: '' });
  });
});
