/**
 * `kafkats produce <topic>`: sends records read from stdin (or a file), one per line.
 *
 * Each line is a record value; with `--key-separator SEP` the text before the first SEP is the
 * key. `--header k=v` adds headers to every record, `--partition`, `--compression` and `--acks`
 * set the obvious. A progress line is drawn on stderr when it is a terminal (or with
 * `--progress`), and a summary (records, bytes, rate, elapsed) is printed at the end. The exit
 * code is 1 when any record failed, with the first failure and the count on stderr.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createStderrLogger, silentLogger } from '../../cluster/logger.js';
import { KafkaProducer } from '../../producer/producer.js';
import type { ProducerCompressionType } from '../../producer/options.js';
import type { ProducerHeader } from '../../producer/serializers.js';
import { KafkaError, KafkaInvalidArgumentError, abortError } from '../../protocol/errors.js';
import { BROKER_OPTIONS, brokerSettings } from '../broker-command.js';
import { stringOption } from '../option-values.js';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CommandContext, type Output } from '../registry.js';

/** Sends awaiting acknowledgement at most, so that a huge input does not pile up in memory. */
const MAX_OUTSTANDING = 10_000;
const PROGRESS_INTERVAL_MS = 500;
const COMPRESSIONS: readonly ProducerCompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

interface ProduceSettings {
  readonly topic: string;
  readonly keySeparator: string | null;
  readonly headers: ProducerHeader[] | undefined;
  readonly partition: number | undefined;
  readonly compression: ProducerCompressionType;
  readonly acks: 0 | 1 | -1;
  readonly file: string | null;
  readonly progress: boolean;
}


function parseSettings(context: CommandContext): ProduceSettings {
  if (context.positionals.length !== 1) throw new KafkaInvalidArgumentError(`expected one topic, got ${context.positionals.length === 0 ? 'none' : context.positionals.join(' ')}`);
  const topic = context.positionals[0]!;
  const keySeparator = stringOption(context, 'key-separator') ?? null;
  if (keySeparator === '') throw new KafkaInvalidArgumentError('--key-separator must not be empty');
  const headerValues = context.values.header;
  const headerList = (Array.isArray(headerValues) ? headerValues : headerValues === undefined ? [] : [headerValues]).map(String);
  const headers = headerList.map((text) => {
    const equals = text.indexOf('=');
    if (equals <= 0) throw new KafkaInvalidArgumentError(`--header must be key=value, got '${text}'`);
    return { key: text.slice(0, equals), value: text.slice(equals + 1) };
  });
  const partitionText = stringOption(context, 'partition');
  if (partitionText !== undefined && !/^\d+$/.test(partitionText)) throw new KafkaInvalidArgumentError(`--partition must be a partition number, got '${partitionText}'`);
  const compression = (stringOption(context, 'compression') ?? 'none') as ProducerCompressionType;
  if (!COMPRESSIONS.includes(compression)) throw new KafkaInvalidArgumentError(`--compression must be one of ${COMPRESSIONS.join(', ')}, got '${compression}'`);
  const acksText = stringOption(context, 'acks') ?? 'all';
  const acks = acksText === 'all' || acksText === '-1' ? -1 : acksText === '1' ? 1 : acksText === '0' ? 0 : null;
  if (acks === null) throw new KafkaInvalidArgumentError(`--acks must be 0, 1 or all, got '${acksText}'`);
  return {
    topic,
    keySeparator,
    headers: headers.length === 0 ? undefined : headers,
    partition: partitionText === undefined ? undefined : Number(partitionText),
    compression,
    acks,
    file: stringOption(context, 'file') ?? null,
    progress: context.values.progress === true || (context.stderr as { isTTY?: boolean }).isTTY === true,
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function formatRate(count: number, seconds: number): string {
  return seconds <= 0 ? '-' : Math.round(count / seconds).toLocaleString('en-US');
}

class Progress {
  private timer: NodeJS.Timeout | null = null;
  private drawn = false;

  constructor(
    private readonly output: Output,
    private readonly started: number,
    private readonly read: () => { records: number; bytes: number; acknowledged: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), PROGRESS_INTERVAL_MS);
  }

  private draw(): void {
    const { records, bytes, acknowledged } = this.read();
    const seconds = (performance.now() - this.started) / 1000;
    this.output.write(`\r${records.toLocaleString('en-US')} records read, ${acknowledged.toLocaleString('en-US')} acknowledged, ${formatBytes(bytes)}, ${formatRate(records, seconds)} records/s `);
    this.drawn = true;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.output.write('\n');
  }
}

export const produceCommand: CliCommand = {
  name: 'produce',
  summary: 'send records read from stdin or a file, one per line',
  description:
    'Sends each line of stdin (or --file) as a record to the topic, with an idempotent producer (acks=all by default). With --key-separator, the text before the first separator is the key. A progress line appears on stderr when it is a terminal (or with --progress); a summary is printed at the end. Exits with 1 if any record failed.',
  options: {
    ...BROKER_OPTIONS,
    'key-separator': { type: 'string', valueName: 'SEP', description: 'split each line into key SEP value' },
    header: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'add a header to every record (repeatable)' },
    partition: { type: 'string', valueName: 'N', description: 'send to this partition (default: by key, else spread)' },
    compression: { type: 'string', valueName: 'CODEC', defaultText: 'none', description: 'none, gzip, snappy, lz4 or zstd' },
    acks: { type: 'string', valueName: 'ACKS', defaultText: 'all', description: '0, 1 or all' },
    file: { type: 'string', short: 'f', valueName: 'PATH', description: 'read records from this file instead of stdin' },
    progress: { type: 'boolean', description: 'show the progress line even when stderr is not a terminal' },
  },
  positionals: { name: 'topic', description: 'the topic to send to' },
  examples: [
    "printf 'a\\nb\\n' | kafkats produce orders -b localhost:9092",
    "kafkats produce orders -b localhost:9092 --key-separator : --header source=cli --file orders.txt",
  ],
  async run(context) {
    const broker = brokerSettings(context);
    const settings = parseSettings(context);
    const input: Readable = settings.file === null ? process.stdin : createReadStream(settings.file);
    const requestTimeoutMs = Math.min(broker.timeoutMs, 30_000);
    const producer = new KafkaProducer<string, string>({
      bootstrapServers: broker.bootstrapServers,
      clientId: 'kafkats-cli',
      keySerializer: 'string',
      valueSerializer: 'string',
      compressionType: settings.compression,
      acks: settings.acks,
      requestTimeoutMs,
      maxBlockMs: broker.timeoutMs,
      deliveryTimeoutMs: Math.max(broker.timeoutMs, requestTimeoutMs + 5),
      socketConnectionSetupTimeoutMs: Math.min(broker.timeoutMs, 10_000),
      logger: broker.debug ? createStderrLogger({ write: (line) => void context.stderr.write(line) }) : silentLogger,
      logLevel: broker.debug ? 'debug' : 'error',
    });

    const started = performance.now();
    let records = 0;
    let bytes = 0;
    let acknowledged = 0;
    let failed = 0;
    let firstFailure: string | null = null;
    let inputError: KafkaError | null = null;
    const progress = new Progress(context.stderr, started, () => ({ records, bytes, acknowledged }));
    if (settings.progress) progress.start();
    const outstanding = new Set<Promise<void>>();
    const lines = createInterface({ input, crlfDelay: Infinity });
    const onAbort = (): void => lines.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const line of lines) {
        if (context.signal.aborted) break;
        let key: string | null = null;
        let value = line;
        if (settings.keySeparator !== null) {
          const at = line.indexOf(settings.keySeparator);
          if (at < 0) {
            inputError = new KafkaInvalidArgumentError(`line ${records + 1} has no key separator '${settings.keySeparator}'`);
            break;
          }
          key = line.slice(0, at);
          value = line.slice(at + settings.keySeparator.length);
        }
        records++;
        bytes += Buffer.byteLength(value, 'utf8') + (key === null ? 0 : Buffer.byteLength(key, 'utf8'));
        const sent = producer
          .send(settings.topic, { key, value, ...(settings.headers ? { headers: settings.headers } : {}), ...(settings.partition === undefined ? {} : { partition: settings.partition }) })
          .then(
            () => void acknowledged++,
            (error: Error) => {
              failed++;
              firstFailure ??= error.message;
            },
          );
        outstanding.add(sent);
        void sent.then(() => outstanding.delete(sent));
        if (outstanding.size >= MAX_OUTSTANDING) await Promise.race(outstanding);
      }
    } catch (error) {
      inputError = new KafkaInvalidArgumentError(`cannot read ${settings.file ?? 'stdin'}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
    await Promise.all(outstanding);
    await producer.close();
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    context.stdout.write(
      `${acknowledged.toLocaleString('en-US')} records (${formatBytes(bytes)}) produced to ${settings.topic} in ${seconds.toFixed(2)} s: ${formatRate(acknowledged, seconds)} records/s\n`,
    );
    if (context.signal.aborted) throw abortError(context.signal);
    if (inputError !== null) throw inputError;
    if (failed > 0) {
      context.stderr.write(`kafkats produce: ${failed} of ${records} records failed; first error: ${firstFailure}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
};
