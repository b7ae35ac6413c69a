/**
 * `kafkats produce` as a process (from source through tsx) against the test cluster: records from
 * stdin and from a file, with keys, headers, a partition and compression, read back exactly with
 * kcat; the summary and progress lines; failures give a clear message and a non-zero exit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatConsume } from '../../support/peers.js';
import { runProcess, type ProcessResult } from '../../support/process.js';
import { repoRoot } from '../../support/repo.js';

const root = repoRoot();

function kafkats(args: readonly string[], stdin?: string): Promise<ProcessResult> {
  return runProcess(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    allowFailure: true,
    timeoutMs: 60_000,
    ...(stdin === undefined ? {} : { stdin }),
  });
}

const [kind] = availableTestClusters();

describe(`kafkats produce (${kind})`, { timeout: 180_000 }, () => {
  let cluster: TestCluster;
  let directory: string;

  before(async () => {
    cluster = await startTestCluster(kind!, { brokers: 3 });
    await cluster.createTopic('cli-keys', 4, 3);
    await cluster.createTopic('cli-file', 1, 3);
    await cluster.createTopic('cli-many', 2, 3);
    directory = mkdtempSync(join(tmpdir(), 'kafkats-produce-'));
  });
  after(async () => {
    await cluster?.stop();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  it('sends stdin lines with keys, headers, a partition and compression, and prints a summary', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `user-${i}:{"n":${i},"text":"ünïcode ${i}"}`);
    const result = await kafkats(
      ['produce', 'cli-keys', '-b', cluster.bootstrapServers, '--key-separator', ':', '--header', 'source=cli', '--header', 'run=1=2', '--partition', '3', '--compression', 'lz4', '--acks', '1'],
      `${lines.join('\n')}\n`,
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout.toString(), /^50 records \(\d+(\.\d+)? (B|KiB)\) produced to cli-keys in \d+\.\d\d s: [\d,]+ records\/s\n$/);
    assert.equal(result.stderr, '', 'no progress line when stderr is not a terminal');
    const records = await kcatConsume(cluster.bootstrapServers, { topic: 'cli-keys', partition: 3, count: 50 });
    assert.deepEqual(
      records.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.headers.map(([key, value]) => `${key}=${value?.toString()}`)]),
      lines.map((line, i) => {
        const at = line.indexOf(':');
        return [i, line.slice(0, at), line.slice(at + 1), ['source=cli', 'run=1=2']];
      }),
    );
  });

  it('reads --file, draws a progress line with --progress, and spreads keyless records', async () => {
    const file = join(directory, 'records.txt');
    const values = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    writeFileSync(file, `${values.join('\n')}\n`);
    const result = await kafkats(['produce', 'cli-file', '-b', cluster.bootstrapServers, '--file', file, '--progress', '--compression', 'gzip']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout.toString(), /^2,000 records \(/);
    const records = await kcatConsume(cluster.bootstrapServers, { topic: 'cli-file', partition: 0, count: 2000 });
    assert.deepEqual(records.map((record) => record.value?.toString()), values);
    assert.ok(records.every((record) => record.key === null));
  });

  it('exits 1 with the first error when records fail', async () => {
    const result = await kafkats(['produce', 'cli-many', '-b', cluster.bootstrapServers, '--partition', '7', '--timeout-ms', '1500'], 'a\nb\n');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /kafkats produce: 2 of 2 records failed; first error: UNKNOWN_TOPIC_OR_PARTITION \(cli-many-7\): partition 7 not present in metadata after 1500 ms/);
    assert.match(result.stdout.toString(), /^0 records/);
  });

  it('exits 2 with a clear message for bad input and usage', async () => {
    const missing = await kafkats(['produce', 'cli-many', '-b', cluster.bootstrapServers, '--key-separator', '|'], 'k|v\nno separator here\n');
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /kafkats produce: line 2 has no key separator '\|'/);
    const noTopic = await kafkats(['produce', '-b', cluster.bootstrapServers], '');
    assert.equal(noTopic.exitCode, 2);
    assert.match(noTopic.stderr, /kafkats produce: expected one topic, got none/);
    const badHeader = await kafkats(['produce', 'cli-many', '--header', 'novalue'], '');
    assert.equal(badHeader.exitCode, 2);
    assert.match(badHeader.stderr, /--header must be key=value, got 'novalue'/);
    const badCodec = await kafkats(['produce', 'cli-many', '--compression', 'brotli'], '');
    assert.equal(badCodec.exitCode, 2);
    assert.match(badCodec.stderr, /--compression must be one of none, gzip, snappy, lz4, zstd, got 'brotli'/);
  });
});
