/**
 * Consumer benchmark: kafkats against KafkaJS, @platformatic/kafka, the librdkafka binding
 * (@confluentinc/kafka-javascript from bench/.peers) and kcat, on the same broker and data, each
 * client in its own process. Prints Markdown tables (see docs/benchmarks.md).
 *
 *   node --import tsx bench/consumer/index.ts                   # both rounds, every case
 *   node --import tsx bench/consumer/index.ts --quick           # 100-byte records, none + lz4
 *   node --import tsx bench/consumer/index.ts --rounds=debian --clients=kafkats,kcat --repeat=3
 *
 * Round "debian": librdkafka 2.0.2's mock (.build/rdkafka-mock-cluster, the test bed's);
 * round "bundled": librdkafka 2.15.1's mock (.build/rdkafka-mock-cluster-bundled, built by
 * bench/peers/setup.sh); round "embedded": kafkats' own broker (MockCluster, in this process).
 * @platformatic/kafka runs only in the embedded round: it sends ApiVersions v3 and gives up on
 * the UNSUPPORTED_VERSION both mocks answer. The mocks keep about 5 MiB per partition and return
 * one batch per partition per fetch; that sets the data sizes: 500,000 x 100 B and 64,000 x 1 KiB
 * records over 16 partitions (3 brokers, leaders spread evenly), produced by kcat per partition
 * with the case's codec (batches of up to 10,000 records / 1 MB).
 *
 * Per run: records/s and MB/s (value bytes) from the first record to the last one seen by the
 * application; the same from the moment the process was spawned (start-up, connecting and, for
 * group clients, joining included); peak RSS (ru_maxrss of the process). kcat's first and last
 * records are timed from its output (it prints one byte per record). With --repeat=N the best
 * run (by first-to-last rate) of N is shown. The build (tsc) runs first: kafkats runs compiled.
 *
 * The bundled mock closes the connection on kafkats' JoinGroup v6 and SyncGroup v4 (its first
 * flexible versions; the embedded broker and Kafka take them), so in that round the kafkats group
 * client is pinned to JoinGroup v5 and SyncGroup v3 (maxApiVersions).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../../test/support/process.js';
import { startRdkafkaMock, rdkafkaMockBinary } from '../../test/support/rdkafka-mock.js';
import { startEmbeddedCluster } from '../../test/support/embedded-cluster.js';
import type { TestCluster } from '../../test/support/cluster-under-test.js';
import { repoRoot } from '../../test/support/repo.js';

type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
type Round = 'debian' | 'bundled' | 'embedded';
type ClientName = 'kafkats' | 'kafkats-group' | 'kafkats-iterate' | 'kafkajs' | 'confluent' | 'platformatic' | 'kcat';

const root = repoRoot();
const PARTITIONS = 16;
const BROKERS = 3;
const args = new Map(process.argv.slice(2).map((arg) => [arg.replace(/^--/, '').split('=')[0]!, arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : 'true']));
const quick = args.get('quick') === 'true';
const repeat = Number(args.get('repeat') ?? '1');
const rounds = (args.get('rounds') ?? 'debian,bundled,embedded').split(',') as Round[];
const codecs = (args.get('codecs') ?? (quick ? 'none,lz4' : 'none,gzip,snappy,lz4,zstd')).split(',') as Codec[];
const sizes = (args.get('sizes') ?? (quick ? '100' : '100,1024')).split(',').map(Number);
const peersDir = join(root, 'bench', '.peers');
const confluentAvailable = existsSync(join(peersDir, 'node_modules', '@confluentinc', 'kafka-javascript', 'build', 'Release', 'confluent-kafka-javascript.node'));
const allClients: ClientName[] = ['kcat', 'kafkats', 'kafkats-iterate', 'kafkats-group', 'kafkajs', 'confluent', 'platformatic'];
const clients = (args.get('clients')?.split(',') as ClientName[] | undefined) ?? allClients;

function recordCount(size: number): number {
  return size <= 100 ? 500_000 : 64_000;
}

/** Which clients can read a case: KafkaJS has only gzip built in; @platformatic/kafka needs ApiVersions v3 (the embedded broker) and zlib's zstd (Node 22+). */
function supports(client: ClientName, codec: Codec, round: Round): boolean {
  if (client === 'kafkajs' && codec !== 'none' && codec !== 'gzip') return false;
  if (client === 'platformatic' && (round !== 'embedded' || codec === 'zstd')) return false;
  if (client === 'confluent' && !confluentAvailable) return false;
  return true;
}

/** JSON-like text of exactly `size` bytes (compresses like real payloads, no newlines). */
function value(size: number, seed: number): string {
  let text = '';
  for (let i = 0; text.length < size; i++) text += `{"order":${seed * 100 + i},"customer":"c-${(seed * 31 + i * 7) % 997}","amount":${(seed * 7919 + i) % 10000},"status":"${i % 3 ? 'paid' : 'open'}"}`;
  return text.slice(0, size);
}

async function produce(mock: TestCluster, topic: string, size: number, codec: Codec): Promise<void> {
  const perPartition = recordCount(size) / PARTITIONS;
  await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, partition) => {
      const lines: string[] = new Array(perPartition);
      for (let index = 0; index < perPartition; index++) lines[index] = value(size, partition * perPartition + index);
      await runProcess('kcat', ['-P', '-b', mock.bootstrapServers, '-t', topic, '-p', String(partition), '-z', codec, '-X', 'linger.ms=100', '-X', 'batch.num.messages=10000'], {
        stdin: `${lines.join('\n')}\n`,
        timeoutMs: 300_000,
      });
    }),
  );
}

interface RunResult {
  readonly count: number;
  readonly bytes: number;
  readonly spawnedAt: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly maxRssKb: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Runs one client process under rusage.py; resolves with its timings and peak RSS. */
function runClient(client: ClientName, mock: TestCluster, topic: string, expected: number, size: number, round: Round): Promise<RunResult> {
  const command =
    client === 'kcat'
      ? ['kcat', '-C', '-q', '-b', mock.bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-f', 'x', '-X', 'fetch.wait.max.ms=500', '-X', 'fetch.min.bytes=1', '-X', 'max.partition.fetch.bytes=1048576', '-X', 'fetch.max.bytes=52428800']
      : [process.execPath, join(root, 'dist', 'bench', 'consumer', 'client.js'), `--client=${client}`, `--brokers=${mock.bootstrapServers}`, `--topic=${topic}`, `--partitions=${PARTITIONS}`, `--count=${expected}`, `--peers=${peersDir}`, ...(round === 'bundled' ? ['--pins=JoinGroup:5,SyncGroup:3'] : [])];
  return new Promise((resolve, reject) => {
    const spawnedAt = now();
    const child = spawn('python3', [join(root, 'bench', 'consumer', 'rusage.py'), ...command], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let kcatCount = 0;
    let firstAt = 0;
    let lastAt = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.stdout.setEncoding('latin1').on('data', (chunk: string) => {
      if (client !== 'kcat') {
        stdout += chunk;
        return;
      }
      if (kcatCount === 0) firstAt = now();
      kcatCount += chunk.length;
      if (kcatCount >= expected && lastAt === 0) lastAt = now();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = /BENCH_MAXRSS_KB (\d+)/.exec(stderr);
      if (code !== 0 || rss === null) {
        reject(new Error(`${client} failed (exit ${code}): ${stderr.slice(-2000)}`));
        return;
      }
      if (client === 'kcat') {
        resolve({ count: kcatCount, bytes: kcatCount * size, spawnedAt, firstAt, lastAt, maxRssKb: Number(rss[1]) });
        return;
      }
      const line = stdout.trim().split('\n').at(-1)!;
      const result = JSON.parse(line) as { count: number; bytes: number; firstAt: number; lastAt: number };
      resolve({ ...result, spawnedAt, maxRssKb: Number(rss[1]) });
    });
  });
}

interface Row {
  readonly round: Round;
  readonly size: number;
  readonly codec: Codec;
  readonly client: ClientName;
  readonly result: RunResult | null;
  readonly error: string | null;
}

const CLIENT_LABELS: Readonly<Record<ClientName, string>> = {
  kcat: 'kcat (librdkafka)',
  kafkats: 'kafkats, poll() (assign)',
  'kafkats-iterate': 'kafkats, for await (assign)',
  'kafkats-group': 'kafkats, poll() (group)',
  kafkajs: 'KafkaJS (group, eachBatch)',
  confluent: 'librdkafka binding (group, eachBatch)',
  platformatic: '@platformatic/kafka (group, stream)',
};

function rate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)} k`;
  return value.toFixed(0);
}

function printTable(rows: readonly Row[], round: Round, size: number): void {
  const selected = rows.filter((row) => row.round === round && row.size === size);
  if (selected.length === 0) return;
  const mockName = round === 'debian' ? "librdkafka 2.0.2's mock (Debian)" : round === 'bundled' ? "librdkafka 2.15.1's mock (bundled)" : "kafkats' embedded broker";
  console.log(`\n#### ${recordCount(size).toLocaleString('en')} x ${size} B records, ${PARTITIONS} partitions, ${mockName}\n`);
  console.log('| codec | client | records/s | MB/s | records/s incl. start-up | wall s | peak RSS MB |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of selected) {
    if (row.result === null) {
      console.log(`| ${row.codec} | ${CLIENT_LABELS[row.client]} | failed: ${row.error} | | | | |`);
      continue;
    }
    const r = row.result;
    const seconds = (r.lastAt - r.firstAt) / 1000;
    const wall = (r.lastAt - r.spawnedAt) / 1000;
    console.log(
      `| ${row.codec} | ${CLIENT_LABELS[row.client]} | ${rate(r.count / seconds)} | ${(r.bytes / 1e6 / seconds).toFixed(0)} | ${rate(r.count / wall)} | ${wall.toFixed(2)} | ${(r.maxRssKb / 1024).toFixed(0)} |`,
    );
  }
}

async function main(): Promise<void> {
  // kafkats and the client harness run compiled (errors in files being edited elsewhere do not stop the emit).
  await runProcess(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { cwd: root, allowFailure: true, timeoutMs: 600_000 });
  if (!existsSync(join(root, 'dist', 'bench', 'consumer', 'client.js'))) throw new Error('the build did not produce dist/bench/consumer/client.js');
  const rows: Row[] = [];
  for (const round of rounds) {
    if (round === 'bundled' && !existsSync(rdkafkaMockBinary('bundled'))) {
      console.error('skipping the bundled round: run bench/peers/setup.sh first');
      continue;
    }
    const mock: TestCluster = round === 'embedded' ? await startEmbeddedCluster({ brokers: BROKERS }) : await startRdkafkaMock({ brokers: BROKERS, variant: round });
    try {
      for (const size of sizes) {
        for (const codec of codecs) {
          const topic = `bench-${size}-${codec}`;
          await mock.createTopic(topic, PARTITIONS, BROKERS);
          for (let partition = 0; partition < PARTITIONS; partition++) await mock.setLeader(topic, partition, 1 + (partition % BROKERS));
          await produce(mock, topic, size, codec);
          for (const client of clients) {
            if (!supports(client, codec, round)) continue;
            let best: RunResult | null = null;
            let error: string | null = null;
            for (let attempt = 0; attempt < repeat; attempt++) {
              try {
                const result = await runClient(client, mock, topic, recordCount(size), size, round);
                if (best === null || result.count / (result.lastAt - result.firstAt) > best.count / (best.lastAt - best.firstAt)) best = result;
              } catch (failure) {
                error = (failure as Error).message.split('\n')[0]!;
              }
            }
            rows.push({ round, size, codec, client, result: best, error: best === null ? error : null });
            console.error(`${round} ${size}B ${codec} ${client}: ${best === null ? `failed: ${error}` : `${rate(best.count / ((best.lastAt - best.firstAt) / 1000))} records/s, ${(best.maxRssKb / 1024).toFixed(0)} MB`}`);
          }
        }
      }
    } finally {
      await mock.stop();
    }
  }
  console.log(`\nNode ${process.version}, ${process.platform}/${process.arch}; each client in its own process; best of ${repeat}.`);
  for (const round of rounds) for (const size of sizes) printTable(rows, round, size);
}

await main();
