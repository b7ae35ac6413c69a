/**
 * The kafkats CLI as a process (from source through tsx, and compiled from dist/ when built)
 * against librdkafka's 3-broker mock: api-versions, metadata and check-version print what kcat
 * and the mock say, as JSON and as tables; an unreachable broker gives one line and exit code 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import { once } from 'node:events';
import { kcatMetadata } from '../../support/peers.js';
import { runProcess, type ProcessResult } from '../../support/process.js';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';
import { repoRoot } from '../../support/repo.js';

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  readonly available: boolean;
}

const root = repoRoot();
const VARIANTS: readonly Variant[] = [
  { name: 'from source (tsx)', args: ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')], available: true },
  { name: 'from dist/', args: [join(root, 'dist', 'src', 'cli', 'main.js')], available: existsSync(join(root, 'dist', 'src', 'cli', 'main.js')) },
];

function kafkats(variant: Variant, ...args: string[]): Promise<ProcessResult> {
  return runProcess(process.execPath, [...variant.args, ...args], { cwd: root, allowFailure: true, timeoutMs: 60_000 });
}

function stdoutOf(result: ProcessResult): string {
  assert.equal(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout.toString('utf8');
}

interface JsonMetadata {
  clusterId: string;
  controllerId: number;
  brokers: { id: number; host: string; port: number; rack: string | null }[];
  topics: { name: string; error: string | null; partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; error: string | null }[] }[];
}

describe('kafkats CLI against a 3-broker librdkafka mock', () => {
  let mock: RdkafkaMock;

  before(async () => {
    mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'cli-orders', partitions: 5 }, { name: 'cli-audit', partitions: 2 }] });
    await mock.setLeader('cli-orders', 4, 2);
  });
  after(async () => {
    await mock?.stop();
  });

  for (const variant of VARIANTS) {
    describe(variant.name, { skip: variant.available ? false : 'dist/src/cli/main.js is not built (npm run build)' }, () => {
      it('metadata --json matches kcat -L field by field, and the tables show the same', async () => {
        const [json, kcat] = await Promise.all([kafkats(variant, 'metadata', '-b', mock.bootstrapServers, '--json'), kcatMetadata(mock.bootstrapServers)]);
        const view = JSON.parse(stdoutOf(json)) as JsonMetadata;
        assert.deepEqual(view.brokers.map(({ id, host, port }) => ({ id, host, port })), kcat.brokers);
        assert.equal(view.controllerId, kcat.controllerId);
        assert.deepEqual(
          view.topics.map((topic) => ({
            name: topic.name,
            error: topic.error,
            partitions: topic.partitions.map((partition) => ({ partition: partition.partition, leader: partition.leader, replicas: partition.replicas, isrs: partition.isr, error: partition.error })),
          })),
          kcat.topics,
        );
        assert.equal(view.topics.find((topic) => topic.name === 'cli-orders')?.partitions[4]?.leader, 2);

        const human = stdoutOf(await kafkats(variant, 'metadata', '-b', mock.bootstrapServers));
        assert.match(human, new RegExp(`^Cluster ${view.clusterId}, controller ${kcat.controllerId}\n`));
        for (const broker of kcat.brokers) {
          assert.match(human, new RegExp(`\n +${broker.id} +${broker.host.replace(/\./g, '\\.')} +${broker.port} +-\n`), `broker ${broker.id}`);
        }
        for (const topic of kcat.topics) {
          for (const partition of topic.partitions) {
            const row = new RegExp(`\n +${topic.name} +${partition.partition} +${partition.leader} +-?\\d+ +${partition.replicas.join(',')} +${partition.isrs.join(',')} +-\n`);
            assert.match(human, row, `${topic.name}-${partition.partition}`);
          }
        }
      });

      it('metadata with topic arguments lists only those', async () => {
        const view = JSON.parse(stdoutOf(await kafkats(variant, 'metadata', '-b', mock.bootstrapServers, '--json', 'cli-audit', 'cli-missing'))) as JsonMetadata;
        assert.deepEqual(
          view.topics.map((topic) => [topic.name, topic.error, topic.partitions.length]),
          [
            ['cli-audit', null, 2],
            ['cli-missing', 'UNKNOWN_TOPIC_OR_PARTITION', 0],
          ],
        );
      });

      it('api-versions prints the ranges the mock advertises and the versions chosen', async () => {
        const advertised = await mock.apiVersions();
        const json = JSON.parse(stdoutOf(await kafkats(variant, 'api-versions', '-b', mock.bootstrapServers, '--broker', '2', '--json'))) as {
          broker: { id: number; host: string; port: number };
          source: unknown;
          apis: { api: string; apiKey: number; brokerMin: number; brokerMax: number; clientMax: number; chosen: number }[];
        };
        assert.deepEqual(json.broker, { id: 2, host: '127.0.0.1', port: Number(mock.bootstrapServers.split(',')[1]!.split(':')[1]) });
        assert.deepEqual(json.source, { kind: 'api-versions', version: 2 });
        assert.deepEqual(
          json.apis.map((row) => [row.apiKey, row.brokerMin, row.brokerMax]),
          [...advertised].sort(([a], [b]) => a - b).map(([key, range]) => [key, range.min, range.max]),
        );
        for (const row of json.apis) assert.equal(row.chosen, Math.min(row.brokerMax, row.clientMax), row.api);

        const human = stdoutOf(await kafkats(variant, 'api-versions', '-b', mock.bootstrapServers));
        assert.match(human, /^Broker [123] at 127\.0\.0\.1:\d+ \(ApiVersions v2\)\n\nAPI +KEY +BROKER +KAFKATS +USED\n/);
        for (const row of json.apis) {
          assert.match(human, new RegExp(`\n${row.api} +${row.apiKey} +${row.brokerMin}-${row.brokerMax} +\\d+-${row.clientMax} +${row.chosen}\n`), row.api);
        }
      });

      it('check-version prints the release the table gives for the mock\'s ranges', async () => {
        const json = JSON.parse(stdoutOf(await kafkats(variant, 'check-version', '-b', mock.bootstrapServers, '--json'))) as { release: string; exact: boolean; broker: { id: number } };
        assert.equal(json.release, '0.8.2');
        assert.equal(json.exact, false);
        const human = stdoutOf(await kafkats(variant, 'check-version', '-b', mock.bootstrapServers, '--broker', '3'));
        assert.equal(
          human,
          [
            `Broker 3 at ${mock.bootstrapServers.split(',')[2]}: Kafka 0.8.2 or newer`,
            '  not 0.9.0: lacks DescribeGroups v0 (no DescribeGroups), ListGroups v0 (no ListGroups)',
            '  newest API version: InitProducerId v4, from Kafka 2.7',
            '',
          ].join('\n'),
        );
      });

      it('an unreachable broker gives one line on stderr and exit code 1 within --timeout-ms', async () => {
        const server = net.createServer();
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        const { port } = server.address() as net.AddressInfo;
        await new Promise((resolve) => server.close(resolve));
        const result = await kafkats(variant, 'metadata', '-b', `127.0.0.1:${port}`, '--timeout-ms', '1000');
        assert.equal(result.exitCode, 1);
        assert.equal(result.stdout.length, 0);
        assert.match(result.stderr, new RegExp(`^kafkats metadata: connecting to 127\\.0\\.0\\.1:${port} did not succeed within 1000 ms: .*ECONNREFUSED.*\\n$`));
        assert.equal(result.stderr.split('\n').length, 2, 'one line');
        assert.ok(result.durationMs < 10_000, `took ${result.durationMs} ms`);
      });

      it('a usage mistake gives exit code 2', async () => {
        const result = await kafkats(variant, 'metadata', '--no-such-option');
        assert.equal(result.exitCode, 2);
        assert.equal(result.stderr, "kafkats metadata: Unknown option '--no-such-option' (see kafkats metadata --help)\n");
      });
    });
  }
});
