/**
 * `kafkats demo`: the README's main command. Starts the embedded cluster (or uses
 * --bootstrap-server), produces records with KafkaProducer, consumes them with a group of
 * KafkaConsumers, shows live progress and ends with a summary. Exit code 1 when any record was
 * missing or delivered twice.
 */
import { KafkaInvalidArgumentError } from '../../protocol/errors.js';
import type { ProducerCompressionType } from '../../producer/options.js';
import { runDemo, type DemoProgress, type DemoSummary } from '../demo.js';
import { integerOption, stringOption } from '../option-values.js';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../registry.js';

const COMPRESSIONS: readonly ProducerCompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];



function progressLine(progress: DemoProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const percent = (count: number): string => `${Math.floor((count / progress.total) * 100)}%`.padStart(4);
  return `  ${seconds.toFixed(1).padStart(6)} s  produced ${String(progress.acknowledged).padStart(9)} ${percent(progress.acknowledged)}   consumed ${String(progress.consumed).padStart(9)} ${percent(progress.consumed)}`;
}

function summaryText(summary: DemoSummary): string {
  const mb = (summary.bytes / 1e6).toFixed(1);
  const lines = [
    '',
    `${summary.ok ? 'Done' : 'FAILED'}: ${summary.records} records (${mb} MB, ${summary.compression}) through ${summary.topic} (${summary.partitions} partitions) on the ${summary.cluster} cluster ${summary.bootstrapServers}`,
    `  produce   ${summary.produce.recordsPerSecond.toFixed(0).padStart(9)} records/s  ${summary.produce.megabytesPerSecond.toFixed(2).padStart(7)} MB/s   ack latency p50 ${summary.produce.latencyMs.p50} ms, p99 ${summary.produce.latencyMs.p99} ms`,
    `  consume   ${summary.consume.recordsPerSecond.toFixed(0).padStart(9)} records/s  ${summary.consume.megabytesPerSecond.toFixed(2).padStart(7)} MB/s   end-to-end p50 ${summary.consume.endToEndLatencyMs.p50} ms, p99 ${summary.consume.endToEndLatencyMs.p99} ms`,
    `  group     ${summary.consume.perConsumer.length} consumers got ${summary.consume.perConsumer.join(' + ')} records (partitions ${summary.consume.partitionsPerConsumer.join(' + ')})`,
    `  delivery  ${summary.consume.missing} missing, ${summary.consume.duplicates} duplicates`,
    '',
  ];
  return lines.join('\n');
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'produce and consume records through the embedded cluster (or any cluster) and measure them',
  description:
    'Starts the embedded 3-broker cluster in this process (or uses --bootstrap-server), creates a topic, produces --records records with KafkaProducer (idempotent, acks=all), consumes them with a group of --consumers KafkaConsumers, prints progress and ends with a summary: throughput, producer acknowledgement latency and end-to-end latency (p50/p99), and how many records were missing or delivered twice. Exits 1 unless every record arrived exactly once.',
  options: {
    'bootstrap-server': { type: 'string', short: 'b', valueName: 'HOST:PORT[,...]', description: 'use this cluster instead of starting the embedded one' },
    topic: { type: 'string', short: 't', valueName: 'NAME', defaultText: 'kafkats-demo-<time>', description: 'topic to use (created if missing)' },
    records: { type: 'string', short: 'n', valueName: 'N', defaultText: '200000', description: 'records to produce' },
    'record-size': { type: 'string', valueName: 'BYTES', defaultText: '100', description: 'bytes per record value (at least 8)' },
    partitions: { type: 'string', short: 'p', valueName: 'N', defaultText: '6', description: 'partitions of a new topic' },
    consumers: { type: 'string', short: 'c', valueName: 'N', defaultText: '3', description: 'consumers in the group' },
    compression: { type: 'string', short: 'z', valueName: 'CODEC', defaultText: 'lz4', description: `one of ${COMPRESSIONS.join(', ')}` },
    'timeout-ms': { type: 'string', valueName: 'MS', defaultText: '120000', description: 'give up when the records have not all arrived by then' },
    json: { type: 'boolean', description: 'print the summary as JSON (no progress lines)' },
  },
  examples: ['kafkats demo', 'kafkats demo --records 1000000 --compression zstd', 'kafkats demo -b localhost:9092 --topic demo'],
  async run(context) {
    const compression = (stringOption(context, 'compression') ?? 'lz4') as ProducerCompressionType;
    if (!COMPRESSIONS.includes(compression)) {
      throw new KafkaInvalidArgumentError(`--compression must be one of ${COMPRESSIONS.join(', ')}, got '${compression}'`);
    }
    const json = context.values.json === true;
    const bootstrapServers = stringOption(context, 'bootstrap-server');
    const topic = stringOption(context, 'topic');
    if (!json) context.stderr.write(bootstrapServers ? `Using the cluster at ${bootstrapServers}\n` : 'Starting the embedded 3-broker cluster...\n');
    const summary = await runDemo({
      ...(bootstrapServers === undefined ? {} : { bootstrapServers }),
      ...(topic === undefined ? {} : { topic }),
      records: integerOption(context, 'records', 1, 50_000_000) ?? 200_000,
      recordBytes: integerOption(context, 'record-size', 8, 1_000_000) ?? 100,
      partitions: integerOption(context, 'partitions', 1, 10_000) ?? 6,
      consumers: integerOption(context, 'consumers', 1, 100) ?? 3,
      compression,
      timeoutMs: integerOption(context, 'timeout-ms', 1000, 86_400_000) ?? 120_000,
      ...(json ? {} : { onProgress: (progress: DemoProgress) => context.stderr.write(`${progressLine(progress)}\n`), progressIntervalMs: 1000 }),
      signal: context.signal,
    });
    context.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : summaryText(summary));
    return summary.ok ? EXIT_OK : EXIT_FAILURE;
  },
};
