/**
 * `kafkats broker` as a process: kcat lists, produces to and consumes from the brokers it prints,
 * and Ctrl-C (SIGINT) or SIGTERM stops it cleanly with exit code 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../support/peers.js';
import { repoRoot } from '../../support/repo.js';
import { waitFor } from '../../support/wait.js';

function startBrokerProcess(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot(), 'src', 'cli', 'main.ts'), 'broker', ...args], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    bootstrap: () => waitFor(() => /Bootstrap servers: (\S+)/.exec(stdout)?.[1], { timeoutMs: 30_000, what: `the bootstrap line (stderr: ${stderr})` }),
  };
}

/** A port P such that P, P+1, ... P+count-1 are free on 127.0.0.1 right now. */
async function consecutiveFreePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const base = (probe.address() as AddressInfo).port;
    probe.close();
    if (base + count > 65_535) continue;
    const held: Server[] = [];
    try {
      for (let port = base; port < base + count; port++) {
        const server = createServer();
        server.listen(port, '127.0.0.1');
        held.push(server);
        await once(server, 'listening');
      }
      return base;
    } catch {
      // One of them is taken: try another base.
    } finally {
      for (const server of held) server.close();
    }
  }
  throw new Error(`found no ${count} consecutive free ports`);
}

describe('kafkats broker (process)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`serves kcat, and stops on ${signal} with exit code 0`, async () => {
      const broker = startBrokerProcess(['--brokers', '3', '--port', '0', '--topic', 'cli-topic:4']);
      try {
        const bootstrap = await broker.bootstrap();
        const metadata = await kcatMetadata(bootstrap, { topic: 'cli-topic' });
        assert.deepEqual(metadata.brokers.map((entry) => `${entry.host}:${entry.port}`).join(','), bootstrap);
        assert.deepEqual(metadata.topics[0]!.partitions.map((partition) => partition.leader), [1, 2, 3, 1]);
        const deliveries = await kcatProduce(bootstrap, 'cli-topic', [{ key: 'k', value: 'via the CLI', partition: 2 }]);
        assert.deepEqual(deliveries, [{ partition: 2, offset: 0, broker: 3 }]);
        const consumed = await kcatConsume(bootstrap, { topic: 'cli-topic', partition: 2, exitAtEnd: true });
        assert.deepEqual(consumed.map((record) => [record.offset, record.key?.toString(), record.value?.toString()]), [[0, 'k', 'via the CLI']]);
      } finally {
        broker.child.kill(signal);
      }
      const [code, killedBy] = await broker.exited;
      assert.deepEqual([code, killedBy], [0, null]);
      assert.match(broker.output().stdout, /Stopped\.\n$/);
      assert.equal(broker.output().stderr, '');
    });
  }

  it('--port P --brokers 3 listens on P, P+1 and P+2, which kcat lists', async () => {
    const base = await consecutiveFreePorts(3);
    const broker = startBrokerProcess(['--brokers', '3', '--port', String(base)]);
    try {
      const expected = [base, base + 1, base + 2].map((port) => `127.0.0.1:${port}`);
      assert.equal(await broker.bootstrap(), expected.join(','));
      const metadata = await kcatMetadata(expected[2]!);
      assert.deepEqual(metadata.brokers.map((entry) => [entry.id, `${entry.host}:${entry.port}`]), expected.map((address, index) => [index + 1, address]));
    } finally {
      broker.child.kill('SIGINT');
    }
    assert.deepEqual(await broker.exited, [0, null]);
  });

  it('exits 1 with one line when its port is taken', async () => {
    const first = startBrokerProcess(['--port', '0']);
    const taken = (await first.bootstrap()).split(':')[1]!;
    const second = startBrokerProcess(['--port', taken]);
    const [code] = await second.exited;
    assert.equal(code, 1);
    assert.match(second.output().stderr, /^kafkats broker: broker 1 cannot listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
    first.child.kill('SIGINT');
    assert.deepEqual(await first.exited, [0, null]);
  });
});
