/**
 * Producer benchmark: kafkats, KafkaJS, @platformatic/kafka, the librdkafka binding
 * (@confluentinc/kafka-javascript) and kcat, one after another against the same broker: librdkafka's
 * mock cluster (1 broker, one partition per run), each client in its own process.
 *
 *   node --import tsx bench/producer/index.ts                 # all three rounds, about 25 minutes
 *   node --import tsx bench/producer/index.ts --quick         # fewer records, one repetition
 *   options: --rounds=debian,bundled,embedded --clients=kafkats,kcat,... --codecs=none,gzip --sizes=100,1024
 *            --repeat=3 --batch-size=16384 --records-100=500000 --records-1024=100000 --latency=2000
 *            --parts=throughput,latency,rss (what to measure and print)
 *
 * Round "debian" uses the harness built against Debian's librdkafka 2.0.2 (what the tests use),
 * round "bundled" the harness built against librdkafka 2.15.1 from bench/peers/setup.sh.
 * @platformatic/kafka talks to neither: it needs Metadata v9+ (2.0.2's mock has v2) and opens
 * with ApiVersions v3, which both mocks answer with UNSUPPORTED_VERSION, without retrying lower.
 * So round "embedded" runs everyone against kafkats' own broker (running in this process).
 *
 * Equal settings: linger 5 ms (0 for the latency runs), batches of 16 KiB, acks=1, five requests
 * in flight, idempotence off, the same compression. KafkaJS and @platformatic/kafka have no linger
 * or batch size: they are handed batches of the records that fit in 16 KiB, five sends at a time.
 * kafkats sends record by record, awaiting every 64 sends the one made a window earlier (8192
 * sends, or 1 MiB of values when less: 1024 sends of 1 KiB). Each
 * JavaScript client first warms up (a fifth of the records, at most 100,000; not timed), then
 * throughput counts from its first record to its last acknowledgement; kcat's from process start
 * to exit, less the same for a single record (its start-up, connection and exit).
 * Each case runs `--repeat` times; tables show the best and the median.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../test/support/process.js';
import { repoRoot } from '../../test/support/repo.js';
import type { TestCluster } from '../../test/support/cluster-under-test.js';
import { startEmbeddedCluster } from '../../test/support/embedded-cluster.js';
import { startRdkafkaMock } from '../../test/support/rdkafka-mock.js';
import type { ClientName, Codec, RunResult, RunSpec } from './client.js';

type BenchClient = ClientName | 'kcat';
type Round = 'debian' | 'bundled' | 'embedded';

const argv = process.argv.slice(2);
function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((argument) => argument.startsWith(prefix))?.slice(prefix.length);
}
const quick = argv.includes('--quick');
const rounds = (flag('rounds') ?? 'debian,bundled,embedded').split(',') as Round[];
const clients = (flag('clients') ?? 'kafkats,kafkajs,platformatic,confluent,kcat').split(',') as BenchClient[];
const codecs = (flag('codecs') ?? 'none,gzip,snappy,lz4,zstd').split(',') as Codec[];
const sizes = (flag('sizes') ?? '100,1024').split(',').map(Number);
const repeat = Number(flag('repeat') ?? (quick ? 1 : 3));
const batchSize = Number(flag('batch-size') ?? 16_384);
const recordsFor = (size: number): number => Number(flag(`records-${size}`) ?? (quick ? (size <= 100 ? 200_000 : 50_000) : size <= 100 ? 500_000 : 100_000));
const latencySamples = Number(flag('latency') ?? (quick ? 500 : 2000));
const parts = new Set((flag('parts') ?? 'throughput,latency,rss').split(','));
const root = repoRoot();

/** What each client can do (KafkaJS has only gzip built in; @platformatic/kafka's zstd needs Node's zlib zstd, absent in Node 20). */
function supports(client: BenchClient, codec: Codec, round: Round): boolean {
  if (client === 'platformatic') return round === 'embedded' && codec !== 'zstd';
  if (client === 'kafkajs') return codec === 'none' || codec === 'gzip';
  if (client === 'confluent') return existsSync(join(root, 'bench', '.peers', 'node_modules', '@confluentinc', 'kafka-javascript'));
  return true;
}

interface Measured extends RunResult {
  readonly client: BenchClient;
}

/**
 * One topic per client, reused by all its runs: librdkafka 2.15 fails to parse the old mock's
 * Metadata v2 answer once it lists many topics ("tmpabuf memory shortage"). The mock keeps only
 * the newest ~5 MiB of a partition, so the topics do not grow.
 */
const topics = new Map<string, string>();
async function topicFor(mock: TestCluster, client: BenchClient): Promise<string> {
  let topic = topics.get(client);
  if (topic === undefined) {
    topic = `bench-${client}`;
    await mock.createTopic(topic, 1, 1);
    topics.set(client, topic);
  }
  return topic;
}

/** A run that failed is tried again (a peer's connection set-up against the old mock is occasionally refused), at most twice. */
async function runClient(mock: TestCluster, client: ClientName, spec: Omit<RunSpec, 'client' | 'topic' | 'servers'>): Promise<RunResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runClientOnce(mock, client, spec);
    } catch (error) {
      if (attempt >= 3) throw error;
      const lines = (error as Error).message.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
      console.error(`(${client} run failed, trying again: ${lines.find((line) => /Error|error/.test(line) && !/^at /.test(line)) ?? lines.at(-1) ?? ''})`);
    }
  }
}

async function runClientOnce(mock: TestCluster, client: ClientName, spec: Omit<RunSpec, 'client' | 'topic' | 'servers'>): Promise<RunResult> {
  const topic = await topicFor(mock, client);
  const full: RunSpec = { ...spec, client, topic, servers: mock.bootstrapServers };
  const result = await runProcess(process.execPath, [join(root, 'dist', 'bench', 'producer', 'client.js'), JSON.stringify(full)], { timeoutMs: 600_000, allowFailure: true });
  if (result.exitCode !== 0) throw new Error(`${client} failed (exit ${result.exitCode}): ${result.stderr.slice(-2000)}`);
  const line = result.stdout.toString('utf8').trim().split('\n').at(-1)!;
  return JSON.parse(line) as RunResult;
}

/**
 * kcat's throughput: its time from start to exit for the records, less its time for a single
 * record (process start, connecting, metadata, exit: the share the JavaScript clients leave out
 * by timing after their warm-up), best of three, measured once per round and codec.
 */
const kcatFixedCosts = new Map<string, number>();
async function runKcat(mock: TestCluster, spec: Omit<RunSpec, 'client' | 'topic' | 'servers'>, inputFile: string, directory: string): Promise<RunResult> {
  const key = `${mock.bootstrapServers} ${spec.codec} ${spec.recordSize}`;
  let fixedMs = kcatFixedCosts.get(key);
  if (fixedMs === undefined) {
    const single = writeKcatInput(directory, 1, spec.recordSize);
    fixedMs = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) fixedMs = Math.min(fixedMs, (await runKcatOnce(mock, { ...spec, records: 1 }, single)).elapsedMs);
    kcatFixedCosts.set(key, fixedMs);
  }
  const run = await runKcatOnce(mock, spec, inputFile);
  return { ...run, recordsPerSecond: (spec.records * 1000) / Math.max(1, run.elapsedMs - fixedMs) };
}

/** kcat reading records (one per line) from a file, timed from start to exit, peak RSS from GNU time. */
async function runKcatOnce(mock: TestCluster, spec: Omit<RunSpec, 'client' | 'topic' | 'servers'>, inputFile: string): Promise<RunResult> {
  const topic = await topicFor(mock, 'kcat');
  const args = [
    '-f', '%M', 'kcat', '-P', '-b', mock.bootstrapServers, '-t', topic, '-p', '0',
    '-X', `linger.ms=${spec.lingerMs}`, '-X', `batch.size=${spec.batchSize}`, '-X', `acks=${spec.acks}`,
    '-X', `max.in.flight=${spec.maxInFlight}`, '-X', 'enable.idempotence=false', '-X', `compression.codec=${spec.codec}`,
    '-X', 'queue.buffering.max.kbytes=32768',
  ];
  const input = openSync(inputFile, 'r');
  const start = performance.now();
  const child = spawn('/usr/bin/time', args, { stdio: [input, 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  const elapsedMs = performance.now() - start;
  closeSync(input);
  if (code !== 0) throw new Error(`kcat failed (exit ${code}): ${stderr.slice(-2000)}`);
  const peakKb = Number(stderr.trim().split('\n').at(-1));
  return { recordsPerSecond: (spec.records * 1000) / elapsedMs, elapsedMs, peakRssBytes: peakKb * 1024, cpuMs: Number.NaN };
}

/** The same record values the clients use (client.ts), one per line, for kcat. */
function writeKcatInput(directory: string, records: number, size: number): string {
  const lines: string[] = [];
  for (let seed = 0; seed < Math.min(records, 1024); seed++) {
    let text = '';
    for (let i = 0; text.length < size; i++) {
      text += `{"order":${seed * 1000 + i},"customer":"c-${(seed * 31 + i * 7) % 997}","amount":${(seed * 7919 + i) % 10000},"status":"${i % 3 ? 'paid' : 'open'}"}`;
    }
    lines.push(text.slice(0, size));
  }
  const file = join(directory, `records-${records}x${size}.txt`);
  const all: string[] = [];
  for (let i = 0; i < records; i++) all.push(lines[i % lines.length]!);
  writeFileSync(file, `${all.join('\n')}\n`);
  return file;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function rate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : `${(value / 1e3).toFixed(0)} k`;
}

function megabytes(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : '-';
}

async function round(variant: Round, directory: string): Promise<void> {
  const mock: TestCluster = variant === 'embedded' ? await startEmbeddedCluster({ brokers: 1 }) : await startRdkafkaMock({ brokers: 1, variant });
  topics.clear();
  const present = clients.filter((client) => client === 'kcat' || codecs.some((codec) => supports(client, codec, variant)));
  try {
    const names: Record<Round, string> = { debian: "Debian's librdkafka 2.0.2 mock", bundled: "librdkafka 2.15.1's mock (bench/peers)", embedded: "kafkats' embedded broker (MockCluster, in the benchmark's process)" };
    console.log(`\n### Round: ${names[variant]}\n`);
    const rss = new Map<BenchClient, number>();
    for (const size of parts.has('throughput') ? sizes : []) {
      const records = recordsFor(size);
      const kcatInput = clients.includes('kcat') ? writeKcatInput(directory, records, size) : '';
      console.log(`#### Throughput, ${size}-byte records (${records.toLocaleString('en-US')} per run), records/s: best (median of ${repeat})\n`);
      console.log(`| codec | ${present.join(' | ')} | kafkats / kcat | kafkats / KafkaJS |`);
      console.log(`| --- | ${present.map(() => '---:').join(' | ')} | ---: | ---: |`);
      for (const codec of codecs) {
        const spec = { mode: 'throughput' as const, records, recordSize: size, codec, lingerMs: 5, batchSize, maxInFlight: 5, acks: 1 as const };
        const best = new Map<BenchClient, number>();
        const cells: string[] = [];
        for (const client of present) {
          if (client !== 'kcat' && !supports(client, codec, variant)) {
            cells.push('-');
            continue;
          }
          const runs: Measured[] = [];
          try {
            for (let attempt = 0; attempt < repeat; attempt++) {
              const result = client === 'kcat' ? await runKcat(mock, spec, kcatInput, directory) : await runClient(mock, client, spec);
              runs.push({ ...result, client });
              rss.set(client, Math.max(rss.get(client) ?? 0, result.peakRssBytes));
            }
          } catch (error) {
            console.error(`(${client}, ${size} bytes, ${codec}: ${(error as Error).message.split('\n')[0]})`);
            cells.push('error');
            continue;
          }
          const rates = runs.map((run) => run.recordsPerSecond!);
          best.set(client, Math.max(...rates));
          cells.push(`${rate(Math.max(...rates))} (${rate(median(rates))})`);
        }
        const ratio = (other: BenchClient): string => {
          const ours = best.get('kafkats');
          const theirs = best.get(other);
          return ours === undefined || theirs === undefined ? '-' : `${(ours / theirs).toFixed(2)}x`;
        };
        console.log(`| ${codec} | ${cells.join(' | ')} | ${ratio('kcat')} | ${ratio('kafkajs')} |`);
      }
      console.log('');
    }
    const latencyClients = present.filter((client): client is ClientName => client !== 'kcat');
    if (parts.has('latency') && latencyClients.length > 0 && latencySamples > 0) {
      console.log(`#### Latency of single awaited sends (${latencySamples} sends, 100 bytes, linger 0, acks=1, no compression), ms\n`);
      console.log('| client | p50 | p99 |');
      console.log('| --- | ---: | ---: |');
      for (const client of latencyClients) {
        const runs: RunResult[] = [];
        try {
          for (let attempt = 0; attempt < repeat; attempt++) {
            runs.push(await runClient(mock, client, { mode: 'latency', records: latencySamples, recordSize: 100, codec: 'none', lingerMs: 0, batchSize, maxInFlight: 5, acks: 1 }));
          }
        } catch (error) {
          console.error(`(${client}, latency: ${(error as Error).message.split('\n')[0]})`);
          console.log(`| ${client} | error | error |`);
          continue;
        }
        const best = runs.reduce((a, b) => (a.p50Ms! <= b.p50Ms! ? a : b));
        console.log(`| ${client} | ${best.p50Ms!.toFixed(3)} | ${best.p99Ms!.toFixed(3)} |`);
      }
      console.log('');
    }
    if (parts.has('rss') && parts.has('throughput')) {
      console.log('#### Peak RSS of the client process (largest over its throughput runs)\n');
      console.log('| client | peak RSS |');
      console.log('| --- | ---: |');
      for (const client of present) console.log(`| ${client} | ${megabytes(rss.get(client) ?? Number.NaN)} |`);
      console.log('');
    }
  } finally {
    await mock.stop();
  }
}

async function main(): Promise<void> {
  if (!argv.includes('--no-build')) {
    // The clients run compiled, so that no TypeScript loader sits in kafkats's process.
    await runProcess(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { timeoutMs: 300_000, allowFailure: true });
  }
  if (!existsSync(join(root, 'dist', 'bench', 'producer', 'client.js'))) throw new Error('dist/bench/producer/client.js is missing: the build failed');
  console.log(`Producer benchmark, Node ${process.version}; batch size ${batchSize}, linger 5 ms, acks=1, 5 in flight.`);
  const directory = mkdtempSync(join(tmpdir(), 'kafkats-bench-'));
  try {
    for (const variant of rounds) await round(variant, directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
