/**
 * `kafkats consume` as a process, against every cluster kind, compared with kcat -C on the same
 * topic: the same lines through the same -f format, JSON lines with the same content, -c, -e,
 * -p/-o, offsets from the end, a group that continues where it stopped, Ctrl-C committing what
 * was printed, and usage errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kafkaPythonProduce, kcatConsume, kcatProduce } from '../../support/peers.js';
import { runProcess, type ProcessResult } from '../../support/process.js';
import { repoRoot } from '../../support/repo.js';
import { waitFor } from '../../support/wait.js';
import { testConsumer } from './fetch-support.js';

const root = repoRoot();
const CLI = ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
const FORMAT = '%t|%p|%o|%k|%s|%h|%K|%S|%T\\n';
const PARTITIONS = 3;

function kafkats(...args: string[]): Promise<ProcessResult> {
  return runProcess(process.execPath, [...CLI, ...args], { cwd: root, allowFailure: true, timeoutMs: 60_000 });
}

function linesOf(result: ProcessResult): string[] {
  assert.equal(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result.stdout.toString('utf8').split('\n').filter((line) => line.length > 0);
}

/** kcat prints partitions interleaved in its own order: compare per partition, in offset order. */
function sorted(lines: readonly string[]): string[] {
  return [...lines].sort((a, b) => {
    const [, pa, oa] = a.split('|');
    const [, pb, ob] = b.split('|');
    return Number(pa) - Number(pb) || Number(oa) - Number(ob);
  });
}

for (const kind of availableTestClusters()) {
  describe(`kafkats consume vs kcat on ${kind}`, () => {
    let cluster: TestCluster;
    const topic = 'cli-consume';

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
      await cluster.createTopic(topic, PARTITIONS, 1);
      for (let partition = 0; partition < PARTITIONS; partition++) {
        await kcatProduce(
          cluster.bootstrapServers,
          topic,
          Array.from({ length: 10 }, (_, index) => ({
            partition,
            key: index % 3 === 0 ? null : `key-${partition}-${index}`,
            value: `value ${partition}/${index} ünïcode`,
            headers: index % 2 === 0 ? [['source', 'cli-test'], ['n', String(index)]] : [],
          })),
        );
      }
    });
    after(async () => {
      await cluster?.stop();
    });

    it('--from-beginning -e -f prints what kcat -e -f prints', async () => {
      const [ours, kcat] = await Promise.all([
        kafkats('consume', topic, '-b', cluster.bootstrapServers, '--from-beginning', '-e', '-f', FORMAT),
        runProcess('kcat', ['-C', '-q', '-b', cluster.bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-f', FORMAT.replace('\\n', '\n')], { timeoutMs: 60_000 }),
      ]);
      const expected = sorted(linesOf(kcat));
      assert.equal(expected.length, PARTITIONS * 10);
      assert.deepEqual(sorted(linesOf(ours)), expected);
    });

    it('--json lines carry the same records as kcat -J', async () => {
      const [ours, kcat] = await Promise.all([kafkats('consume', topic, '-b', cluster.bootstrapServers, '--from-beginning', '-e', '--json'), kcatConsume(cluster.bootstrapServers, { topic, exitAtEnd: true })]);
      const parsed = linesOf(ours).map((line) => JSON.parse(line) as { topic: string; partition: number; offset: number; timestamp: number; timestampType: string; key: string | null; value: string | null; headers: { key: string; value: string | null }[] });
      const normalise = (records: { topic: string; partition: number; offset: number; timestamp: number | null; key: string | null; value: string | null; headers: [string, string | null][] }[]) =>
        [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
      assert.deepEqual(
        normalise(parsed.map(({ timestampType: _type, ...record }) => ({ ...record, headers: record.headers.map((header): [string, string | null] => [header.key, header.value]) }))),
        normalise(kcat.map((record) => ({ topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp, key: record.key?.toString('utf8') ?? null, value: record.value?.toString('utf8') ?? null, headers: record.headers.map(([key, value]): [string, string | null] => [key, value?.toString('utf8') ?? null]) }))),
      );
      assert.ok(parsed.every((record) => record.timestampType === 'CreateTime'));
    });

    it('-p, -o N, -o -N and -c', async () => {
      assert.deepEqual(linesOf(await kafkats('consume', topic, '-b', cluster.bootstrapServers, '-p', '1', '-o', '7', '-e', '-f', '%p:%o\\n')), ['1:7', '1:8', '1:9']);
      assert.deepEqual(sorted(linesOf(await kafkats('consume', topic, '-b', cluster.bootstrapServers, '--offset=-2', '-e', '-f', '%t|%p|%o\\n'))), ['0|8', '0|9', '1|8', '1|9', '2|8', '2|9'].map((entry) => `${topic}|${entry}`));
      const counted = linesOf(await kafkats('consume', topic, '-b', cluster.bootstrapServers, '-p', '2', '--from-beginning', '-c', '4'));
      assert.deepEqual(counted, [0, 1, 2, 3].map((index) => `value 2/${index} ünïcode`));
    });

    it('-o end and the default start at the end: -e then prints nothing of what is there', async () => {
      for (const args of [['-o', 'end'], []]) {
        const result = await kafkats('consume', topic, '-b', cluster.bootstrapServers, ...args, '-e', '-f', '%p:%o\\n');
        assert.deepEqual(linesOf(result), [], `with ${args.join(' ') || 'no -o'}`);
      }
    });

    it('--from-timestamp starts each partition at its first record at or after the time', async (context) => {
      // librdkafka's mock answers ListOffsets by timestamp with -1 (DEVELOPERS.md): nothing to compare.
      if (kind === 'rdkafka-mock') return context.skip('the mock does not look offsets up by timestamp');
      const timed = 'cli-consume-timed';
      await cluster.createTopic(timed, 2, 1);
      const base = 1_700_000_000_000;
      // Partition 0 at base + 0, 1000, ..., 5000; partition 1 at base + 500, 1500, ..., 5500.
      const records = [0, 1].flatMap((partition) => Array.from({ length: 6 }, (_, index) => ({ partition, value: `t${partition}/${index}`, timestamp: base + index * 1000 + partition * 500 })));
      const sent = await kafkaPythonProduce(cluster.bootstrapServers, timed, records);
      assert.deepEqual(sent.filter((result) => result.error !== undefined), []);
      const from = (timestamp: number) => kafkats('consume', timed, '-b', cluster.bootstrapServers, '--from-timestamp', String(timestamp), '-e', '-f', '%t|%p|%o|%T\\n');
      assert.deepEqual(sorted(linesOf(await from(base + 3200))), [
        `${timed}|0|4|${base + 4000}`,
        `${timed}|0|5|${base + 5000}`,
        `${timed}|1|3|${base + 3500}`,
        `${timed}|1|4|${base + 4500}`,
        `${timed}|1|5|${base + 5500}`,
      ]);
      // Exactly a record's time includes it; past the last record nothing is printed.
      assert.deepEqual(linesOf(await kafkats('consume', timed, '-b', cluster.bootstrapServers, '-p', '0', '--from-timestamp', String(base + 5000), '-e', '-f', '%o\\n')), ['5']);
      assert.deepEqual(linesOf(await from(base + 10_000)), []);
    });

    it('a group continues where it stopped: -c commits what it printed', { timeout: 90_000 }, async () => {
      const group = `cli-group-${kind}`;
      // librdkafka's mock makes a rejoining group wait for the session timeout: keep it short.
      const groupArgs = ['consume', topic, '-b', cluster.bootstrapServers, '-g', group, '--from-beginning', '-f', '%p:%o\\n', '--timeout-ms', '30000', '-X', 'sessionTimeoutMs=6000', '-X', 'heartbeatIntervalMs=500'];
      const first = linesOf(await kafkats(...groupArgs, '-c', '12'));
      const second = linesOf(await kafkats(...groupArgs, '-e'));
      assert.equal(first.length, 12);
      const all = [...first, ...second];
      assert.equal(all.length, PARTITIONS * 10, `${first.length} + ${second.length} lines`);
      assert.equal(new Set(all).size, all.length, 'nothing printed twice');
    });

    it('Ctrl-C stops cleanly: exit 0 and the printed records are committed', { timeout: 90_000 }, async () => {
      const group = `cli-sigint-${kind}`;
      const child = spawn(process.execPath, [...CLI, 'consume', topic, '-b', cluster.bootstrapServers, '-g', group, '--from-beginning', '-f', '%p:%o\\n', '--timeout-ms', '30000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = once(child, 'exit');
      try {
        await waitFor(() => stdout.split('\n').filter(Boolean).length === PARTITIONS * 10, { timeoutMs: 60_000, what: 'every record printed' });
        child.kill('SIGINT');
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0, stderr);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      const consumer = testConsumer(cluster, { groupId: group, enableAutoCommit: false });
      try {
        const committed = await consumer.committed(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
        assert.deepEqual(committed.map((entry) => entry.offset), [10, 10, 10]);
      } finally {
        await consumer.close();
      }
    });

    it('usage errors exit 2 with one line', async () => {
      for (const args of [['-g', 'g', '-p', '0'], ['-g', 'g', '-o', '5'], ['-o', 'later'], ['--json', '-f', '%v'], ['-X', 'fetchMaxWaitMs=-1'], ['-X', 'noSuchOption=1']]) {
        const result = await kafkats('consume', topic, '-b', cluster.bootstrapServers, ...args);
        assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stderr.trim().split('\n').length, 1);
      }
      const missing = await kafkats('consume', topic, '-b', cluster.bootstrapServers, '-p', '99', '-e');
      assert.equal(missing.exitCode, 2);
      assert.match(missing.stderr, /no partition 99/);
    });
  });
}
