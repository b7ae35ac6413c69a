/**
 * `kafkats demo` (the README's main command) as a process: on the embedded cluster it starts
 * itself, and with --bootstrap-server against librdkafka's mock cluster. Every record must arrive
 * exactly once, and the summary must account for all of them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runProcess, type ProcessResult } from '../../support/process.js';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';
import { repoRoot } from '../../support/repo.js';
import type { DemoSummary } from '../../../src/cli/demo.js';

const root = repoRoot();

/** `kafkats demo ARGS` as a process; fails the test unless it exits 0. */
async function runDemo(...args: string[]): Promise<ProcessResult> {
  const result = await runProcess(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'demo', ...args], {
    cwd: root,
    allowFailure: true,
    timeoutMs: 120_000,
  });
  assert.equal(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result;
}

async function demo(...args: string[]): Promise<DemoSummary> {
  return JSON.parse((await runDemo('--json', ...args)).stdout.toString('utf8')) as DemoSummary;
}

function assertExactlyOnce(summary: DemoSummary, records: number, consumers: number): void {
  assert.equal(summary.ok, true);
  assert.equal(summary.records, records);
  assert.equal(summary.consume.missing, 0);
  assert.equal(summary.consume.duplicates, 0);
  assert.equal(summary.consume.perConsumer.length, consumers);
  assert.equal(summary.consume.perConsumer.reduce((sum, count) => sum + count, 0), records);
  assert.equal(summary.consume.partitionsPerConsumer.reduce((sum, count) => sum + count, 0), summary.partitions);
  assert.ok(summary.produce.latencyMs.p99 >= summary.produce.latencyMs.p50);
  assert.ok(summary.consume.endToEndLatencyMs.p99 >= summary.consume.endToEndLatencyMs.p50);
}

describe('kafkats demo', () => {
  it('runs on the embedded cluster it starts: 20,000 records, 3 consumers, each record once', async () => {
    const summary = await demo('--records', '20000', '--partitions', '6', '--consumers', '3', '--compression', 'zstd');
    assert.equal(summary.cluster, 'embedded');
    assert.equal(summary.partitions, 6);
    assert.equal(summary.bytes, 20000 * 100);
    assertExactlyOnce(summary, 20000, 3);
    // Every consumer of a 6-partition topic shared by 3 owns two partitions.
    assert.deepEqual(summary.consume.partitionsPerConsumer, [2, 2, 2]);
  });

  it('prints progress lines and a summary for people (no --json)', async () => {
    const result = await runDemo('--records', '5000', '--partitions', '4', '--consumers', '2');
    const lines = result.stdout.toString('utf8').split('\n');
    // Progress goes to stderr (stdout keeps the summary); the last line shows everything through.
    const progress = result.stderr.split('\n').filter((line) => /^\s+[\d.]+ s\s+produced/.test(line));
    assert.ok(progress.length >= 1, result.stderr);
    assert.match(progress.at(-1)!, /produced\s+5000 100%\s+consumed\s+5000 100%/);
    assert.ok(lines.some((line) => /^Done: 5000 records \(0\.5 MB, lz4\) through \S+ \(4 partitions\) on the embedded cluster /.test(line)), result.stdout.toString('utf8'));
    assert.ok(lines.some((line) => /^\s+produce\s+\d+ records\/s\s+[\d.]+ MB\/s\s+ack latency p50 [\d.]+ ms, p99 [\d.]+ ms$/.test(line)));
    const group = lines.find((line) => /^\s+group\s+2 consumers got/.test(line));
    assert.match(group ?? '', /got (\d+) \+ (\d+) records \(partitions 2 \+ 2\)/);
    const [, first, second] = /got (\d+) \+ (\d+)/.exec(group!)!;
    assert.equal(Number(first) + Number(second), 5000);
    assert.ok(lines.some((line) => /^\s+delivery\s+0 missing, 0 duplicates$/.test(line)));
  });

  describe('with --bootstrap-server against librdkafka mock cluster', () => {
    let mock: RdkafkaMock;
    before(async () => {
      mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'demo-external', partitions: 4 }] });
    });
    after(async () => {
      await mock?.stop();
    });

    it('uses the existing topic and delivers every record once to a group of 2', async () => {
      const summary = await demo('-b', mock.bootstrapServers, '--topic', 'demo-external', '--records', '10000', '--consumers', '2', '--compression', 'gzip');
      assert.equal(summary.cluster, 'external');
      assert.equal(summary.topic, 'demo-external');
      assert.equal(summary.partitions, 4);
      assertExactlyOnce(summary, 10000, 2);
    });
  });
});
