/**
 * Third-party Kafka clients as test peers, run as child processes over real
 * sockets: kcat (librdkafka) and Python scripts (kafka-python, confluent-kafka)
 * kept in test/peers/. Every call has a timeout and fails with the peer's
 * stderr in the message.
 */
import { join, isAbsolute } from 'node:path';
import { PeerProcessError, describeExit, runProcess, type ProcessResult } from './process.js';
import { repoRoot } from './repo.js';

export { PeerProcessError } from './process.js';

export type Bytes = string | Buffer;

/** A record for a peer to produce. Strings are encoded as UTF-8. */
export interface PeerRecord {
  /** Missing or null: no key. */
  readonly key?: Bytes | null;
  readonly value: Bytes | null;
  /** Name/value pairs in order; repeated names allowed. */
  readonly headers?: ReadonlyArray<readonly [string, Bytes | null]>;
  /** Missing: the peer's partitioner chooses. */
  readonly partition?: number;
  /** Create time in ms (kafka-python only; kcat always stamps "now"). */
  readonly timestamp?: number;
}

/** A record as a peer consumed it. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch, or null when the record has none. */
  readonly timestamp: number | null;
  readonly timestampType: 'create' | 'logappend' | 'unknown' | null;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer | null]>;
}

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** librdkafka properties passed to kcat with -X. */
export type KcatConfig = Readonly<Record<string, string | number | boolean>>;

export interface KcatOptions {
  readonly config?: KcatConfig;
  /** Safety net for the whole kcat run (default 30 s). */
  readonly timeoutMs?: number;
}

function toBuffer(bytes: Bytes): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
}

function configArgs(config: KcatConfig | undefined): string[] {
  return Object.entries(config ?? {}).flatMap(([name, value]) => ['-X', `${name}=${String(value)}`]);
}

// ---------------------------------------------------------------- kcat: produce

/** Where kcat reported one record delivered. */
export interface Delivery {
  readonly partition: number;
  readonly offset: number;
  readonly broker: number;
}

export interface KcatProduceOptions extends KcatOptions {
  readonly compression?: Compression;
}

/**
 * How kcat's line-oriented producer input can express a record. kcat splits
 * stdin on a message delimiter and then on a key delimiter; with -Z an empty
 * key or value becomes null, without -Z a missing key delimiter means no key
 * and an empty message is skipped.
 */
type NullMode = 'null-flag' | 'plain' | 'either';

function nullModeOf(record: PeerRecord, index: number): NullMode {
  const key = record.key == null ? null : toBuffer(record.key);
  const value = record.value === null ? null : toBuffer(record.value);
  const needsFlag = value === null;
  const needsPlain = (key !== null && key.length === 0) || (value !== null && value.length === 0);
  if (needsFlag && needsPlain) {
    throw new RangeError(`record ${index}: kcat cannot produce a null value together with an empty key`);
  }
  if (needsPlain && key === null) {
    throw new RangeError(`record ${index}: kcat cannot produce an empty value without a key`);
  }
  return needsFlag ? 'null-flag' : needsPlain ? 'plain' : 'either';
}

interface ProduceGroup {
  partition: number | undefined;
  headers: ReadonlyArray<readonly [string, Bytes | null]>;
  headerSignature: string;
  mode: NullMode;
  records: PeerRecord[];
}

function headerSignature(headers: ReadonlyArray<readonly [string, Bytes | null]>, index: number): string {
  for (const [name, value] of headers) {
    // kcat takes headers as "-H name=value" arguments: C strings, split at the first "=".
    if (name.length === 0 || name.includes('=') || name.includes('\0')) {
      throw new RangeError(`record ${index}: kcat cannot send header name ${JSON.stringify(name)}`);
    }
    // Arguments reach kcat as UTF-8 C strings: no NUL, no invalid UTF-8.
    const bytes = value === null ? null : toBuffer(value);
    if (bytes !== null && (bytes.includes(0) || !Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes))) {
      throw new RangeError(`record ${index}: kcat can only send header values that are UTF-8 text without NUL`);
    }
  }
  return JSON.stringify(headers.map(([name, value]) => [name, value === null ? null : toBuffer(value).toString('hex')]));
}

/** Consecutive records that one kcat run can send (same partition, headers and null mode). */
function groupForKcat(records: readonly PeerRecord[]): ProduceGroup[] {
  const groups: ProduceGroup[] = [];
  records.forEach((record, index) => {
    const headers = record.headers ?? [];
    const signature = headerSignature(headers, index);
    const mode = nullModeOf(record, index);
    const last = groups.at(-1);
    const compatible =
      last !== undefined &&
      last.partition === record.partition &&
      last.headerSignature === signature &&
      (mode === 'either' || last.mode === 'either' || last.mode === mode);
    if (last && compatible) {
      if (last.mode === 'either') last.mode = mode;
      last.records.push(record);
    } else {
      groups.push({ partition: record.partition, headers, headerSignature: signature, mode, records: [record] });
    }
  });
  return groups;
}

/** Bytes that can appear in a kcat delimiter argument (no NUL, no backslash escapes). */
function isDelimiterByte(byte: number): boolean {
  return byte !== 0x00 && byte !== 0x5c;
}

/** Splits like kcat's producer does, to prove a delimiter choice is unambiguous. */
function kcatSplit(input: Buffer, messageDelimiter: Buffer, keyDelimiter: Buffer): Array<[Buffer | null, Buffer]> {
  const messages: Array<[Buffer | null, Buffer]> = [];
  let start = 0;
  while (start < input.length) {
    let end = input.indexOf(messageDelimiter, start);
    if (end < 0) end = input.length;
    const message = input.subarray(start, end);
    start = end + messageDelimiter.length;
    if (message.length === 0) continue;
    const split = message.indexOf(keyDelimiter);
    messages.push(split < 0 ? [null, message] : [message.subarray(0, split), message.subarray(split + keyDelimiter.length)]);
  }
  return messages;
}

function escapeDelimiter(delimiter: Buffer): string {
  return [...delimiter].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
}

function encodeGroup(group: ProduceGroup): { input: Buffer; messageDelimiter: Buffer; keyDelimiter: Buffer } {
  const parts = group.records.map((record) => ({
    key: record.key == null ? null : toBuffer(record.key),
    value: record.value === null ? Buffer.alloc(0) : toBuffer(record.value),
  }));
  const used = new Set<number>();
  for (const { key, value } of parts) {
    for (const byte of key ?? []) used.add(byte);
    for (const byte of value) used.add(byte);
  }
  const free = Array.from({ length: 256 }, (_, byte) => byte).filter((byte) => isDelimiterByte(byte) && !used.has(byte));
  for (let attempt = 0; attempt < 16; attempt++) {
    let messageDelimiter: Buffer;
    let keyDelimiter: Buffer;
    if (free.length >= 2 && attempt === 0) {
      messageDelimiter = Buffer.from([free[0]!]);
      keyDelimiter = Buffer.from([free[1]!]);
    } else {
      // Every byte value occurs in the data: use long random markers and let
      // the split check below reject the (vanishingly rare) ambiguous pick.
      const randomMarker = (): Buffer =>
        Buffer.from(Array.from({ length: 16 }, () => 1 + Math.floor(Math.random() * 255)).map((byte) => (byte === 0x5c ? 0x5b : byte)));
      messageDelimiter = randomMarker();
      keyDelimiter = randomMarker();
    }
    const chunks: Buffer[] = [];
    for (const { key, value } of parts) {
      // In plain mode a null key is expressed by leaving out the key delimiter.
      if (key !== null || group.mode === 'null-flag') chunks.push(key ?? Buffer.alloc(0), keyDelimiter);
      chunks.push(value, messageDelimiter);
    }
    const input = Buffer.concat(chunks);
    const split = kcatSplit(input, messageDelimiter, keyDelimiter);
    const faithful =
      split.length === parts.length &&
      split.every(([key, value], index) => {
        const expected = parts[index]!;
        const keyMatches = expected.key === null ? key === null || (group.mode === 'null-flag' && key.length === 0) : key?.equals(expected.key) === true;
        return keyMatches && value.equals(expected.value);
      });
    if (faithful) return { input, messageDelimiter, keyDelimiter };
  }
  throw new Error('could not find unambiguous kcat delimiters for these records');
}

const DELIVERY_LINE = /Message delivered to partition (-?\d+) \(offset (-?\d+)\) on broker (-?\d+)/g;

function parseDeliveries(stderr: string): Delivery[] {
  return [...stderr.matchAll(DELIVERY_LINE)].map((match) => ({
    partition: Number(match[1]),
    offset: Number(match[2]),
    broker: Number(match[3]),
  }));
}

/**
 * Produces `records` to `topic` with kcat, in order, and returns where each was
 * delivered (in delivery-report order). Consecutive records sharing partition,
 * headers and null-ness go in one kcat run. Rejects with the kcat stderr if any
 * delivery fails (e.g. "Local: Message timed out" once message.timeout.ms passes).
 *
 * kcat limits: header values are strings without NUL bytes, record timestamps
 * are "now", and a null value cannot be combined with an empty key (nor an
 * empty value with a null key).
 */
export async function kcatProduce(
  bootstrapServers: string,
  topic: string,
  records: readonly PeerRecord[],
  options: KcatProduceOptions = {},
): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  for (const group of groupForKcat(records)) {
    const { input, messageDelimiter, keyDelimiter } = encodeGroup(group);
    // kcat refuses input messages larger than its buffer (message.max.bytes, default 1 MB).
    const largest = Math.max(...group.records.map((record) => (record.key == null ? 0 : toBuffer(record.key).length) + (record.value === null ? 0 : toBuffer(record.value).length)));
    const args = ['-P', '-b', bootstrapServers, '-t', topic, '-v', '-v', '-K', escapeDelimiter(keyDelimiter), '-D', escapeDelimiter(messageDelimiter)];
    if (group.partition !== undefined) args.push('-p', String(group.partition));
    if (group.mode === 'null-flag') args.push('-Z');
    if (options.compression && options.compression !== 'none') args.push('-X', `compression.codec=${options.compression}`);
    if (largest + 64 > 1_000_000) args.push('-X', `message.max.bytes=${largest + 1024}`);
    for (const [name, value] of group.headers) {
      args.push('-H', value === null ? name : `${name}=${toBuffer(value).toString('utf8')}`);
    }
    args.push(...configArgs(options.config));
    const result = await runProcess('kcat', args, { stdin: input, timeoutMs: options.timeoutMs ?? 30_000, allowFailure: true });
    const delivered = parseDeliveries(result.stderr);
    if (result.exitCode !== 0 || result.timedOut || delivered.length !== group.records.length) {
      throw new PeerProcessError(
        `kcat produce ${describeExit(result)}; ${delivered.length} of ${group.records.length} records delivered`,
        result,
      );
    }
    deliveries.push(...delivered);
  }
  return deliveries;
}

// ---------------------------------------------------------------- kcat: consume

export interface KcatConsumeOptions extends KcatOptions {
  readonly topic: string;
  /** Missing: all partitions. */
  readonly partition?: number;
  /** Start position (default 'beginning'); a number is an absolute offset. */
  readonly offset?: 'beginning' | 'end' | 'stored' | number;
  /** Stop after this many records (kcat waits for them until the timeout). */
  readonly count?: number;
  /** Stop at the end of the partition(s) (kcat -e). */
  readonly exitAtEnd?: boolean;
}

interface KcatJsonRecord {
  topic: string;
  partition: number;
  offset: number;
  tstype?: 'create' | 'logappend' | 'unknown';
  ts?: number;
  headers?: Array<string | null>;
  key: string | null;
  payload: string | null;
}

/**
 * kcat -J writes keys, values and header values with raw bytes, escaping only
 * control characters, quotes and backslashes. Decoding its output as latin1
 * maps every byte to one code point, so JSON.parse followed by a latin1 encode
 * gives back the exact bytes, binary or not.
 */
function fromKcatString(text: string | null): Buffer | null {
  return text === null ? null : Buffer.from(text, 'latin1');
}

function parseKcatRecord(line: string): ConsumedRecord {
  const raw = JSON.parse(line) as KcatJsonRecord;
  const headers: Array<readonly [string, Buffer | null]> = [];
  const flat = raw.headers ?? [];
  for (let index = 0; index + 1 < flat.length; index += 2) {
    headers.push([Buffer.from(flat[index] ?? '', 'latin1').toString('utf8'), fromKcatString(flat[index + 1] ?? null)]);
  }
  return {
    topic: Buffer.from(raw.topic, 'latin1').toString('utf8'),
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.ts ?? null,
    timestampType: raw.tstype ?? null,
    key: fromKcatString(raw.key),
    value: fromKcatString(raw.payload),
    headers,
  };
}

/** Consumes records with kcat (-C -J) and returns them parsed, bytes exact. */
export async function kcatConsume(bootstrapServers: string, options: KcatConsumeOptions): Promise<ConsumedRecord[]> {
  if (options.count === undefined && !options.exitAtEnd) {
    throw new RangeError('kcatConsume needs count or exitAtEnd, or it never returns');
  }
  const args = ['-C', '-J', '-q', '-b', bootstrapServers, '-t', options.topic, '-o', String(options.offset ?? 'beginning')];
  if (options.partition !== undefined) args.push('-p', String(options.partition));
  if (options.count !== undefined) args.push('-c', String(options.count));
  if (options.exitAtEnd) args.push('-e');
  args.push(...configArgs(options.config));
  const result = await runProcess('kcat', args, { timeoutMs: options.timeoutMs ?? 30_000, allowFailure: true });
  const lines = result.stdout.toString('latin1').split('\n').filter((line) => line.length > 0);
  let records: ConsumedRecord[];
  try {
    records = lines.map(parseKcatRecord);
  } catch (error) {
    throw new PeerProcessError(`kcat consume printed unparsable output: ${(error as Error).message}`, result);
  }
  if (result.exitCode !== 0 || result.timedOut) {
    const wanted = options.count === undefined ? '' : ` of ${options.count}`;
    throw new PeerProcessError(`kcat consume ${describeExit(result)} after ${records.length}${wanted} records`, result);
  }
  return records;
}

// ---------------------------------------------------------------- kcat: metadata

export interface KcatMetadata {
  readonly originatingBroker: { readonly id: number; readonly name: string };
  readonly controllerId: number;
  readonly brokers: ReadonlyArray<{ readonly id: number; readonly host: string; readonly port: number }>;
  readonly topics: ReadonlyArray<{
    readonly name: string;
    readonly error: string | null;
    readonly partitions: ReadonlyArray<{
      readonly partition: number;
      readonly leader: number;
      readonly replicas: readonly number[];
      readonly isrs: readonly number[];
      readonly error: string | null;
    }>;
  }>;
}

interface KcatJsonMetadata {
  originating_broker: { id: number; name: string };
  controllerid: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{
    topic: string;
    error?: string;
    partitions: Array<{ partition: number; leader: number; error?: string; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }>;
  }>;
}

/** `kcat -L -J`: brokers and topics (all, or just `topic`), sorted by id / name / partition. */
export async function kcatMetadata(
  bootstrapServers: string,
  options: KcatOptions & { readonly topic?: string } = {},
): Promise<KcatMetadata> {
  const args = ['-L', '-J', '-q', '-b', bootstrapServers];
  if (options.topic !== undefined) args.push('-t', options.topic);
  args.push(...configArgs(options.config));
  const result = await runProcess('kcat', args, { timeoutMs: options.timeoutMs ?? 30_000 });
  let raw: KcatJsonMetadata;
  try {
    raw = JSON.parse(result.stdout.toString('utf8')) as KcatJsonMetadata;
  } catch (error) {
    throw new PeerProcessError(`kcat -L printed unparsable output: ${(error as Error).message}`, result);
  }
  return {
    originatingBroker: raw.originating_broker,
    controllerId: raw.controllerid,
    brokers: raw.brokers
      .map(({ id, name }) => {
        const colon = name.lastIndexOf(':');
        return { id, host: name.slice(0, colon), port: Number(name.slice(colon + 1)) };
      })
      .sort((a, b) => a.id - b.id),
    topics: raw.topics
      .map((topic) => ({
        name: topic.topic,
        error: topic.error ?? null,
        partitions: topic.partitions
          .map((partition) => ({
            partition: partition.partition,
            leader: partition.leader,
            replicas: partition.replicas.map(({ id }) => id),
            isrs: partition.isrs.map(({ id }) => id),
            error: partition.error ?? null,
          }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/**
 * The API versions one broker advertised to librdkafka, read from kcat's
 * protocol debug log ("ApiKey Metadata (3) Versions 0..2"). `broker` is a
 * single "host:port"; the map is keyed by API key.
 */
export async function kcatApiVersions(
  broker: string,
  options: KcatOptions = {},
): Promise<Map<number, { min: number; max: number }>> {
  if (broker.includes(',')) throw new RangeError('kcatApiVersions takes a single broker');
  const args = ['-L', '-b', broker, '-d', 'protocol,feature', ...configArgs(options.config)];
  const result = await runProcess('kcat', args, { timeoutMs: options.timeoutMs ?? 30_000 });
  const versions = new Map<number, { min: number; max: number }>();
  // Only the bootstrap connection's answer: kcat may also talk to other brokers.
  const line = new RegExp(`\\[thrd:${broker.replace(/[.]/g, '\\.')}/bootstrap\\]: .*ApiKey \\S+ \\((\\d+)\\) Versions (\\d+)\\.\\.(\\d+)`);
  for (const text of result.stderr.split('\n')) {
    const match = line.exec(text);
    if (match && !versions.has(Number(match[1]))) versions.set(Number(match[1]), { min: Number(match[2]), max: Number(match[3]) });
  }
  if (versions.size === 0) throw new PeerProcessError('kcat logged no ApiVersions for the broker', result);
  return versions;
}

// ---------------------------------------------------------------- python peers

export const PYTHON = '/usr/bin/python3';

export interface RunPythonOptions {
  readonly stdin?: string | Buffer;
  /** Safety net (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * Runs a Python peer script with /usr/bin/python3 (where Debian installs
 * python3-kafka and python3-confluent-kafka). A relative `script` is looked up
 * in test/peers/. Rejects with the script's stderr on a non-zero exit.
 */
export function runPython(script: string, args: readonly string[] = [], options: RunPythonOptions = {}): Promise<ProcessResult> {
  const path = isAbsolute(script) ? script : join(repoRoot(), 'test', 'peers', script);
  return runProcess(PYTHON, ['-u', path, ...args], {
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    timeoutMs: options.timeoutMs ?? 60_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
}

/** Settings passed as keyword arguments to kafka-python's KafkaProducer / KafkaConsumer. */
export type KafkaPythonConfig = Readonly<Record<string, string | number | boolean | null | readonly number[]>>;

/** What kafka-python reported for one produced record: where it landed, or why not. */
export type KafkaPythonSendResult =
  | { readonly partition: number; readonly offset: number; readonly timestamp: number; readonly error?: undefined }
  | { readonly error: string; readonly partition?: undefined; readonly offset?: undefined; readonly timestamp?: undefined };

function base64OrNull(bytes: Bytes | null | undefined): string | null {
  return bytes == null ? null : toBuffer(bytes).toString('base64');
}

/**
 * Produces `records` with kafka-python (test/peers/kafka_python_produce.py),
 * waiting for each send, and returns one result per record in order. A failed
 * send is a result with `error` (the exception), not a rejection.
 */
export async function kafkaPythonProduce(
  bootstrapServers: string,
  topic: string,
  records: readonly PeerRecord[],
  options: { readonly config?: KafkaPythonConfig; readonly timeoutMs?: number } = {},
): Promise<KafkaPythonSendResult[]> {
  const payload = records.map((record) => ({
    key: base64OrNull(record.key),
    value: base64OrNull(record.value),
    headers: (record.headers ?? []).map(([name, value]) => [name, base64OrNull(value)]),
    partition: record.partition ?? null,
    timestamp_ms: record.timestamp ?? null,
  }));
  const result = await runPython(
    'kafka_python_produce.py',
    ['--bootstrap-servers', bootstrapServers, '--topic', topic, '--config', JSON.stringify(options.config ?? {})],
    { stdin: JSON.stringify(payload), timeoutMs: options.timeoutMs ?? 60_000 },
  );
  return JSON.parse(result.stdout.toString('utf8')) as KafkaPythonSendResult[];
}

export interface KafkaPythonConsumeOptions {
  readonly topic: string;
  /** Assign these partitions (no group). Missing: subscribe to the topic with `config.group_id`. */
  readonly partitions?: readonly number[];
  /** Where assigned partitions start (default 'beginning'). */
  readonly offset?: 'beginning' | 'end' | number;
  /** Stop after this many records; fewer within `pollTimeoutMs` is an error. */
  readonly count: number;
  /** How long to wait for the records to arrive (default 20 s). */
  readonly pollTimeoutMs?: number;
  readonly config?: KafkaPythonConfig;
  /** Safety net for the whole process (default pollTimeoutMs + 30 s). */
  readonly timeoutMs?: number;
}

interface KafkaPythonJsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number | null;
  timestamp_type: number | null;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** Consumes `count` records with kafka-python (test/peers/kafka_python_consume.py). */
export async function kafkaPythonConsume(
  bootstrapServers: string,
  options: KafkaPythonConsumeOptions,
): Promise<ConsumedRecord[]> {
  const pollTimeoutMs = options.pollTimeoutMs ?? 20_000;
  const args = [
    '--bootstrap-servers',
    bootstrapServers,
    '--topic',
    options.topic,
    '--count',
    String(options.count),
    '--offset',
    String(options.offset ?? 'beginning'),
    '--poll-timeout-ms',
    String(pollTimeoutMs),
    '--config',
    JSON.stringify(options.config ?? {}),
  ];
  if (options.partitions) args.push('--partitions', options.partitions.join(','));
  const result = await runPython('kafka_python_consume.py', args, { timeoutMs: options.timeoutMs ?? pollTimeoutMs + 30_000 });
  const raw = JSON.parse(result.stdout.toString('utf8')) as KafkaPythonJsonRecord[];
  return raw.map((record) => ({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestamp_type === 0 ? 'create' : record.timestamp_type === 1 ? 'logappend' : null,
    key: record.key === null ? null : Buffer.from(record.key, 'base64'),
    value: record.value === null ? null : Buffer.from(record.value, 'base64'),
    headers: record.headers.map(([name, value]) => [name, value === null ? null : Buffer.from(value, 'base64')] as const),
  }));
}
