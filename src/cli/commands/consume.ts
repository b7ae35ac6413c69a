/**
 * `kafkats consume <topic>`: prints records, like kcat -C and kafka-console-consumer.
 *
 * Without `-g` the consumer reads partitions directly (all of the topic's, or those given with
 * `-p`), from the end by default, or `--from-beginning`, `--offset N|beginning|end|-N` (N from the
 * end of each partition) or `--from-timestamp MS`. With `-g GROUP` it joins the group (several
 * topics allowed), starts from the committed offsets (else the end, or the beginning with
 * `--from-beginning`) and commits what it printed, also when interrupted. `-c N` stops after N
 * records, `-e` once every partition is read to its end. Values are printed one per line, or
 * through `--format` (kcat's -f placeholders: %t topic, %p partition, %o offset, %T timestamp,
 * %k key, %v or %s value, %h headers, %K / %S key / value sizes, %% and \n \t \\ escapes), or as
 * JSON lines with `--json`. `-X key=value` sets any consumer option. Keys and values are printed
 * as UTF-8. SIGINT (Ctrl-C) stops cleanly:
 * the consumer commits (with -g), leaves the group and exits 0.
 */
import { createStderrLogger, silentLogger } from '../../cluster/logger.js';
import { KafkaConsumer } from '../../consumer/consumer.js';
import type { ConsumerRecord, ConsumerRecords } from '../../consumer/consumer-record.js';
import { KafkaInvalidArgumentError } from '../../protocol/errors.js';
import { BROKER_OPTIONS, brokerSettings, type BrokerCommandSettings } from '../broker-command.js';
import { integerOption, stringOption } from '../option-values.js';
import { EXIT_OK, type CliCommand, type CommandContext } from '../registry.js';

type StartAt = { readonly kind: 'beginning' } | { readonly kind: 'end' } | { readonly kind: 'offset'; readonly offset: number } | { readonly kind: 'fromEnd'; readonly count: number } | { readonly kind: 'timestamp'; readonly timestamp: number };

interface ConsumeSettings {
  readonly topics: readonly string[];
  readonly group: string | null;
  readonly partitions: readonly number[] | null;
  readonly startAt: StartAt;
  readonly count: number | null;
  readonly exitAtEnd: boolean;
  readonly format: string | null;
  /** Consumer options given with -X key=value. */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
}

/** -X key=value: numbers and booleans are converted, the rest stays text (the consumer validates them). */
function parseProperties(context: CommandContext): Record<string, string | number | boolean> {
  const values = context.values.property;
  const texts = (Array.isArray(values) ? values : values === undefined ? [] : [values]).map(String);
  const properties: Record<string, string | number | boolean> = {};
  for (const entry of texts) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new KafkaInvalidArgumentError(`-X must be key=value, got '${entry}'`);
    const raw = entry.slice(equals + 1);
    properties[entry.slice(0, equals)] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  return properties;
}



function parseStartAt(context: CommandContext, group: string | null): StartAt {
  const offset = stringOption(context, 'offset');
  const timestamp = integerOption(context, 'from-timestamp', 0);
  const fromBeginning = context.values['from-beginning'] === true;
  const given = [offset !== undefined, timestamp !== undefined, fromBeginning].filter(Boolean).length;
  if (given > 1) throw new KafkaInvalidArgumentError('--offset, --from-beginning and --from-timestamp exclude each other');
  if (group !== null && (offset !== undefined || timestamp !== undefined)) {
    throw new KafkaInvalidArgumentError('with -g the group decides where to start: --offset and --from-timestamp need partitions read without a group');
  }
  if (fromBeginning || offset === 'beginning') return { kind: 'beginning' };
  if (timestamp !== undefined) return { kind: 'timestamp', timestamp };
  if (offset === undefined || offset === 'end') return { kind: 'end' };
  if (!/^-?\d+$/.test(offset) || !Number.isSafeInteger(Number(offset))) throw new KafkaInvalidArgumentError(`--offset must be an offset, -N (N before the end), beginning or end, got '${offset}'`);
  const value = Number(offset);
  return value < 0 ? { kind: 'fromEnd', count: -value } : { kind: 'offset', offset: value };
}

function parseSettings(context: CommandContext): ConsumeSettings {
  if (context.positionals.length === 0) throw new KafkaInvalidArgumentError('expected a topic');
  const group = stringOption(context, 'group') ?? null;
  if (group === '') throw new KafkaInvalidArgumentError('--group must not be empty');
  if (group === null && context.positionals.length > 1) throw new KafkaInvalidArgumentError('several topics need a group (-g)');
  const partitionValues = context.values.partition;
  const partitionTexts = (Array.isArray(partitionValues) ? partitionValues : partitionValues === undefined ? [] : [partitionValues]).map(String);
  const partitions = partitionTexts.map((text) => {
    if (!/^\d+$/.test(text)) throw new KafkaInvalidArgumentError(`--partition must be a partition number, got '${text}'`);
    return Number(text);
  });
  if (group !== null && partitions.length > 0) throw new KafkaInvalidArgumentError('-p and -g exclude each other: the group assigns the partitions');
  const format = stringOption(context, 'format') ?? null;
  if (format !== null && context.values.json === true) throw new KafkaInvalidArgumentError('--format and --json exclude each other');
  return {
    topics: [...context.positionals],
    group,
    partitions: partitions.length === 0 ? null : [...new Set(partitions)],
    startAt: parseStartAt(context, group),
    count: integerOption(context, 'count', 1) ?? null,
    exitAtEnd: context.values['exit-at-end'] === true,
    format: format === null ? null : unescape(format),
    properties: parseProperties(context),
  };
}

/** kcat's escapes in a format: \n, \t, \r, \\ . */
function unescape(format: string): string {
  return format.replace(/\\([ntr\\])/g, (_match, letter: string) => (letter === 'n' ? '\n' : letter === 't' ? '\t' : letter === 'r' ? '\r' : '\\'));
}

const text = (bytes: Buffer | null): string => (bytes === null ? '' : bytes.toString('utf8'));

/** A record through a kcat-style format. */
export function formatRecord(format: string, record: ConsumerRecord): string {
  return format.replace(/%([a-zA-Z%])/g, (match, letter: string) => {
    switch (letter) {
      case 't':
        return record.topic;
      case 'p':
        return String(record.partition);
      case 'o':
        return String(record.offset);
      case 'T':
        return String(record.timestamp);
      case 'k':
        return text(record.key);
      case 'v':
      case 's':
        return text(record.value);
      case 'K':
        return String(record.serializedKeySize);
      case 'S':
        return String(record.serializedValueSize);
      case 'h':
        return record.headers.map((header) => `${header.key}=${text(header.value)}`).join(',');
      case '%':
        return '%';
      default:
        return match;
    }
  });
}

/** One JSON line per record. */
export function jsonRecord(record: ConsumerRecord): string {
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    key: record.key === null ? null : text(record.key),
    value: record.value === null ? null : text(record.value),
    headers: record.headers.map((header) => ({ key: header.key, value: header.value === null ? null : text(header.value) })),
  });
}

async function startPositions(consumer: KafkaConsumer, settings: ConsumeSettings, topic: string, partitions: readonly number[], signal: AbortSignal): Promise<void> {
  const tps = partitions.map((partition) => ({ topic, partition }));
  const startAt = settings.startAt;
  if (startAt.kind === 'beginning') consumer.seekToBeginning(tps);
  else if (startAt.kind === 'end') consumer.seekToEnd(tps);
  else if (startAt.kind === 'offset') for (const tp of tps) consumer.seek(tp, startAt.offset);
  else if (startAt.kind === 'fromEnd') {
    const [starts, ends] = await Promise.all([consumer.beginningOffsets(tps, { signal }), consumer.endOffsets(tps, { signal })]);
    tps.forEach((tp, index) => consumer.seek(tp, Math.max(starts[index]!.offset, ends[index]!.offset - startAt.count)));
  } else {
    const timestamp = startAt.timestamp;
    const found = await consumer.offsetsForTimes(tps.map((tp) => ({ ...tp, timestamp })), { signal });
    for (const entry of found) {
      if (entry.offset === null) consumer.seekToEnd([entry]);
      else consumer.seek(entry, entry.offset);
    }
  }
}

/** Whether every assigned partition has been read to its high watermark. */
function atEnd(consumer: KafkaConsumer): boolean {
  const assigned = consumer.assignment();
  return assigned.length > 0 && assigned.every((tp) => consumer.currentLag(tp) === 0);
}

function render(records: ConsumerRecords, settings: ConsumeSettings, json: boolean, limit: number): string {
  let out = '';
  let printed = 0;
  for (const record of records) {
    if (printed === limit) break;
    out += json ? `${jsonRecord(record)}\n` : settings.format !== null ? formatRecord(settings.format, record) : `${text(record.value)}\n`;
    printed++;
  }
  return out;
}

async function consume(context: CommandContext, settings: ConsumeSettings, broker: BrokerCommandSettings): Promise<number> {
  const consumer = new KafkaConsumer({
    bootstrapServers: broker.bootstrapServers,
    clientId: 'kafkats-cli',
    requestTimeoutMs: Math.max(broker.timeoutMs, 1000),
    socketConnectionSetupTimeoutMs: Math.min(broker.timeoutMs, 10_000),
    defaultApiTimeoutMs: broker.timeoutMs,
    logger: broker.debug ? createStderrLogger({ write: (line) => void context.stderr.write(line) }) : silentLogger,
    logLevel: broker.debug ? 'debug' : 'error',
    ...(settings.group === null ? {} : { groupId: settings.group, autoOffsetReset: settings.startAt.kind === 'beginning' ? 'earliest' : 'latest', autoCommitIntervalMs: 1000 }),
    ...settings.properties,
  });
  const signal = context.signal;
  let printed = 0;
  try {
    if (settings.group !== null) {
      consumer.subscribe(settings.topics);
    } else {
      const topic = settings.topics[0]!;
      const known = (await consumer.partitionsFor(topic, { signal })).map((info) => info.partition);
      if (known.length === 0) throw new KafkaInvalidArgumentError(`topic ${topic} has no partitions (does it exist?)`);
      const partitions = settings.partitions ?? known;
      const missing = partitions.filter((partition) => !known.includes(partition));
      if (missing.length > 0) throw new KafkaInvalidArgumentError(`topic ${topic} has no partition ${missing.join(', ')} (partitions: 0-${Math.max(...known)})`);
      consumer.assign(partitions.map((partition) => ({ topic, partition })));
      await startPositions(consumer, settings, topic, partitions, signal);
    }
    while (!signal.aborted) {
      const limit = settings.count === null ? Infinity : settings.count - printed;
      const records = await consumer.poll({ signal, timeoutMs: settings.exitAtEnd ? 100 : Infinity, maxRecords: Math.min(limit, 10_000) });
      if (records.count > 0) {
        const text = render(records, settings, broker.json, limit);
        printed += Math.min(records.count, limit);
        context.stdout.write(text);
      }
      if (settings.count !== null && printed >= settings.count) break;
      if (settings.exitAtEnd && records.count === 0 && atEnd(consumer)) break;
    }
  } finally {
    // A clean stop on every path, Ctrl-C included: with -g the printed records are committed.
    await consumer.close({ timeoutMs: broker.timeoutMs });
  }
  return EXIT_OK;
}

export const consumeCommand: CliCommand = {
  name: 'consume',
  summary: 'print records of a topic (partitions directly, or in a consumer group)',
  description:
    'Prints records of a topic, one value per line, or with --format (kcat placeholders: %t topic, %p partition, %o offset, %T timestamp, %k key, %v value, %h headers, %K/%S sizes) or as JSON lines (--json). Without -g it reads the partitions directly (all, or those given with -p) from the end, --from-beginning, --offset or --from-timestamp; with -g it joins the group, starts from the committed offsets and commits what it printed. -c stops after N records, -e at the end of every partition; Ctrl-C stops cleanly (exit 0).',
  options: {
    ...BROKER_OPTIONS,
    json: { type: 'boolean', description: 'print each record as a JSON line (topic, partition, offset, timestamp, key, value, headers)' },
    group: { type: 'string', short: 'g', valueName: 'GROUP', description: 'consume in this consumer group (commits the printed records)' },
    partition: { type: 'string', short: 'p', multiple: true, valueName: 'N', description: 'read only this partition (repeatable; not with -g)' },
    offset: { type: 'string', short: 'o', valueName: 'N|-N|beginning|end', defaultText: 'end', description: 'where to start: an offset, N before the end (--offset=-N), beginning or end (not with -g)' },
    'from-beginning': { type: 'boolean', description: 'start at the beginning (with -g: where the group has no committed offset)' },
    'from-timestamp': { type: 'string', valueName: 'MS', description: 'start at the first record at or after this time (ms since the epoch; not with -g)' },
    count: { type: 'string', short: 'c', valueName: 'N', description: 'exit after N records' },
    'exit-at-end': { type: 'boolean', short: 'e', description: 'exit once every partition is read to its end' },
    format: { type: 'string', short: 'f', valueName: 'FORMAT', description: "kcat-style output format, e.g. '%t [%p] %o: %k=%v\\n'" },
    property: { type: 'string', short: 'X', multiple: true, valueName: 'KEY=VALUE', description: 'a consumer option, e.g. -X sessionTimeoutMs=10000 -X isolationLevel=read_committed' },
  },
  positionals: { name: 'topic...', description: 'the topic (several with -g)' },
  examples: [
    'kafkats consume orders -b localhost:9092 --from-beginning -e',
    "kafkats consume orders -p 0 --offset=-10 -f '%o %k %v\\n'",
    'kafkats consume orders payments -g audit --json',
  ],
  async run(context) {
    const broker = brokerSettings(context);
    const settings = parseSettings(context);
    return consume(context, settings, broker);
  },
};
