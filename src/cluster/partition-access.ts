/**
 * Low-level partition access, as kafka-python's SimpleProducer/SimpleConsumer offered it: write one
 * batch of records to a partition, read a partition from an offset, look offsets up. No producer
 * buffering, no consumer group, no position kept: each call is one operation on one partition.
 *
 *     await client.produce('orders', 0, [{ key: 'k', value: 'v' }], { compression: 'lz4' });
 *     const { records, nextOffset } = await client.fetch('orders', 0, 0);
 *     const { offset } = await client.listOffsets('orders', 0, 'latest');
 *
 * `produce` writes the record format the Produce version negotiated with the leader implies
 * (v3+: record batches, magic 2; v2: magic 1 messages; v0-v1: magic 0), retries metadata-class
 * and connection errors within its timeout, and is not idempotent: a retried produce whose first
 * attempt did reach the broker (the answer was lost) writes its records twice.
 *
 * `fetch` decodes every format (magic 0, 1, 2, in any mix) and, as KIP-74 does on the broker side
 * since Fetch v3, always makes progress: when the broker returns only the start of a batch larger
 * than `maxBytes` (Fetch v0-v2, or a broker that does not apply KIP-74), it fetches again sized to
 * that batch, whose length the partial bytes announce.
 */
import { CompressionType, compressionName, toCompressionType, type CompressionName } from '../compression/types.js';
import type { Input } from '../protocol/api.js';
import {
  KafkaCorruptRecordError,
  LOG_OVERHEAD,
  LegacyMessageSetBuilder,
  ReadCommittedFilter,
  RecordBatchBuilder,
  TimestampType,
  readRecordBatches,
  type KafkaRecord,
  type RecordBatch,
  type RecordBytes,
  type RecordHeaderInput,
} from '../records/index.js';
import {
  KafkaDecodeError,
  KafkaInvalidArgumentError,
  KafkaProtocolError,
  KafkaUnsupportedVersionError,
  type ErrorLocation,
} from '../protocol/errors.js';
import {
  Fetch,
  ListOffsets,
  Produce,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  type ProduceRequest,
  type ProduceResponse,
} from '../protocol/generated/index.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../network/options.js';
import type { BrokerChannel } from './broker-pool.js';
import type { Cluster } from './cluster.js';

// ---- public types ----

/** A record to produce. Keys, values and header values are bytes or UTF-8 text; null is null. */
export interface ProduceRecord {
  key?: RecordBytes | null | undefined;
  value?: RecordBytes | null | undefined;
  /** Need record batches (Produce v3+, Kafka 0.11). */
  headers?: readonly RecordHeaderInput[] | undefined;
  /** Create time in ms since the epoch (default: now). Magic 0 messages carry no timestamp. */
  timestamp?: number | undefined;
}

/** 0: no answer; 1: the leader wrote it; -1 or 'all': every in-sync replica has it. */
export type ProduceAcks = 0 | 1 | -1 | 'all';

export interface PartitionProduceOptions {
  /** Default -1 (all in-sync replicas), as the Java producer's default since Kafka 3.0. */
  acks?: ProduceAcks;
  /** Default 'none'. zstd needs Produce v7+ (Kafka 2.1). */
  compression?: CompressionName;
  /**
   * The record format to write; default the one the negotiated Produce version implies. 0 or 1
   * send Produce v2 at most (1 needs v2); 2 needs v3+.
   */
  magic?: 0 | 1 | 2;
  /** Time for the whole call, retries included. Default `requestTimeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PartitionProduceResult {
  /** The offset of the first record; -1 with acks 0. */
  readonly baseOffset: number;
  /** The broker's append time for LogAppendTime topics, else -1 (also before Produce v2). */
  readonly logAppendTime: number;
  /** -1 before Produce v5 and with acks 0. */
  readonly logStartOffset: number;
}

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface PartitionFetchOptions {
  /** Bytes to fetch at most (partition and request limit); a larger first batch is still returned whole. Default 1 MiB. */
  maxBytes?: number;
  /** How long the broker may wait for `minBytes` (Java's `fetch.max.wait.ms`). Default 500. */
  maxWaitMs?: number;
  /** Default 1: answer as soon as there is anything. */
  minBytes?: number;
  /** Default 'read_uncommitted'. 'read_committed' needs Fetch v4+ and drops aborted transactions. */
  isolationLevel?: IsolationLevel;
  /** Verify CRCs (Java's `check.crcs`). Default true. */
  checkCrcs?: boolean;
  /** Time for the whole call, retries included. Default `requestTimeoutMs` + `maxWaitMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** How a record's timestamp was set; magic 0 messages have none. */
export type TimestampTypeName = 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';

/** A fetched record. Keys, values and header values are views into the response: copy what you keep. */
export interface FetchedRecord extends KafkaRecord {
  readonly timestampType: TimestampTypeName;
  /** The record format it was stored (or served) in: 0, 1 or 2. */
  readonly magic: number;
  /** The leader epoch of its batch; null when unknown (legacy formats, old producers). */
  readonly leaderEpoch: number | null;
  /** -1 unless an idempotent or transactional producer wrote it. */
  readonly producerId: number;
  readonly isTransactional: boolean;
}

/** One complete batch (or legacy message) of the response, delivered or not. */
export interface FetchedBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly magic: number;
  readonly compression: CompressionName;
  readonly sizeInBytes: number;
  readonly isControl: boolean;
  readonly isTransactional: boolean;
}

export interface PartitionFetchResult {
  /** The records at `offset` and after, control records and (read_committed) aborted ones left out. */
  readonly records: FetchedRecord[];
  readonly batches: FetchedBatch[];
  readonly highWatermark: number;
  /** -1 before Fetch v4. */
  readonly lastStableOffset: number;
  /** -1 before Fetch v5. */
  readonly logStartOffset: number;
  /** Where to fetch next: after the last complete batch, or `offset` when there was none. */
  readonly nextOffset: number;
}

/** 'earliest', 'latest', or a timestamp (ms): the first offset whose record timestamp is at least it. */
export type OffsetSpec = 'earliest' | 'latest' | number;

export interface ListOffsetsOptions {
  /** 'read_committed' (ListOffsets v2+) makes 'latest' the last stable offset. */
  isolationLevel?: IsolationLevel;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ListedOffset {
  /** -1 when no record has a timestamp at or after the one asked for. */
  readonly offset: number;
  /** The timestamp of the record found; -1 for 'earliest'/'latest' and before ListOffsets v1. */
  readonly timestamp: number;
  /** null before ListOffsets v4 or when the broker did not say. */
  readonly leaderEpoch: number | null;
}

/**
 * A fetch of one partition failed: the broker's error code for it (OFFSET_OUT_OF_RANGE, ...), or
 * MESSAGE_TOO_LARGE for a batch beyond what one response may hold. Names the fetch offset.
 */
export class KafkaFetchError extends KafkaProtocolError {
  readonly offset: number;

  constructor(code: number, location: ErrorLocation, offset: number, detail: string) {
    super(code, location);
    this.offset = offset;
    this.message = `${this.message}: ${detail}`;
  }
}

// ---- constants ----

/** Long polls get their own connection per broker, so they never hold other requests back. */
export const FETCH_LANE = 'fetch';

const DEFAULT_FETCH_MAX_BYTES = 1 << 20;
const DEFAULT_FETCH_MAX_WAIT_MS = 500;
const INT32_MAX = 0x7fffffff;
const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const MESSAGE_TOO_LARGE = 10;
/** Produce v3 brought record batches, v7 zstd; Fetch v4 isolation levels, v13 topic ids. */
const FIRST_BATCH_PRODUCE_VERSION = 3;
const FIRST_MAGIC_1_PRODUCE_VERSION = 2;
const FIRST_ZSTD_PRODUCE_VERSION = 7;
const FIRST_ISOLATION_FETCH_VERSION = 4;
const LAST_TOPIC_NAME_FETCH_VERSION = 12;
const FIRST_ISOLATION_LIST_OFFSETS_VERSION = 2;
/** A batch must fit in one response frame (with room for the response's own fields). */
const MAX_GROWN_FETCH_BYTES = DEFAULT_MAX_RESPONSE_BYTES - 64 * 1024;
/** Re-fetches for a batch larger than `maxBytes`: one when its size is readable, more only for tiny limits. */
const MAX_GROWTH_ROUNDS = 3;

// ---- validation helpers ----

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KafkaInvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function checkTimeout(value: unknown): number {
  if (typeof value !== 'number' || !(value > 0)) throw new KafkaInvalidArgumentError(`timeoutMs must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

function checkPartition(topic: unknown, partition: unknown): void {
  if (typeof topic !== 'string' || topic.length === 0) throw new KafkaInvalidArgumentError('topic must be a non-empty string');
  checkInteger('partition', partition, 0, INT32_MAX);
}

function isolationCode(level: unknown): number {
  if (level === undefined || level === 'read_uncommitted') return READ_UNCOMMITTED;
  if (level === 'read_committed') return READ_COMMITTED;
  throw new KafkaInvalidArgumentError(`isolationLevel must be 'read_uncommitted' or 'read_committed', got ${JSON.stringify(level)}`);
}

function acksCode(acks: unknown): number {
  if (acks === undefined || acks === 'all' || acks === -1) return -1;
  if (acks === 0 || acks === 1) return acks;
  throw new KafkaInvalidArgumentError(`acks must be 0, 1, -1 or 'all', got ${JSON.stringify(acks)}`);
}

function isBytes(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'string' || value instanceof Uint8Array;
}

/** Checks the records up front, so that bad input fails before anything is sent. */
function checkRecords(records: unknown): readonly ProduceRecord[] {
  if (!Array.isArray(records) || records.length === 0) throw new KafkaInvalidArgumentError('records must be a non-empty array');
  records.forEach((record: unknown, index) => {
    if (typeof record !== 'object' || record === null) throw new KafkaInvalidArgumentError(`record ${index} must be an object`);
    const { key, value, headers, timestamp } = record as Record<string, unknown>;
    if (!isBytes(key) || !isBytes(value)) throw new KafkaInvalidArgumentError(`record ${index}: key and value must be a Buffer, a string or null`);
    if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0)) {
      throw new KafkaInvalidArgumentError(`record ${index}: timestamp must be a non-negative safe integer (ms), got ${String(timestamp)}`);
    }
    if (headers === undefined) return;
    if (!Array.isArray(headers)) throw new KafkaInvalidArgumentError(`record ${index}: headers must be an array of { key, value }`);
    for (const header of headers as unknown[]) {
      const entry = header as { key?: unknown; value?: unknown } | null;
      if (typeof entry !== 'object' || entry === null || typeof entry.key !== 'string' || !isBytes(entry.value)) {
        throw new KafkaInvalidArgumentError(`record ${index}: each header must be { key: string, value: Buffer | string | null }`);
      }
    }
  });
  return records as readonly ProduceRecord[];
}

/** An int64 from a response as a JS number; a value beyond the safe range is a broken response. */
function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new KafkaDecodeError(`${what} ${value} is outside the safe integer range`);
  }
  return Number(value);
}

function timestampTypeName(batch: RecordBatch): TimestampTypeName {
  if (batch.magic === 0) return 'NoTimestampType';
  return batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
}

// ---- produce: choosing the format and building the batch ----

interface ProduceFormat {
  readonly version: number;
  readonly magic: 0 | 1 | 2;
}

/** The Produce version and record format for a broker, or a typed error saying why there is none. */
function produceFormat(channel: BrokerChannel, compression: CompressionType, wanted: 0 | 1 | 2 | undefined, hasHeaders: boolean): ProduceFormat {
  const negotiated = channel.pick(Produce);
  const magic = wanted ?? (negotiated >= FIRST_BATCH_PRODUCE_VERSION ? 2 : negotiated >= FIRST_MAGIC_1_PRODUCE_VERSION ? 1 : 0);
  const uses = `${channel.label} uses Produce v${negotiated}`;
  if (magic === 2 && negotiated < FIRST_BATCH_PRODUCE_VERSION) throw new KafkaUnsupportedVersionError(`record batches (magic 2) need Produce v3+ (Kafka 0.11); ${uses}`);
  if (magic === 1 && negotiated < FIRST_MAGIC_1_PRODUCE_VERSION) throw new KafkaUnsupportedVersionError(`magic 1 messages need Produce v2 (Kafka 0.10); ${uses}`);
  if (compression === CompressionType.Zstd && negotiated < FIRST_ZSTD_PRODUCE_VERSION) throw new KafkaUnsupportedVersionError(`zstd compression needs Produce v7+ (Kafka 2.1); ${uses}`);
  if (magic < 2 && hasHeaders) {
    if (wanted !== undefined) throw new KafkaInvalidArgumentError(`magic ${magic} messages cannot carry record headers`);
    throw new KafkaUnsupportedVersionError(`record headers need record batches (magic 2, Produce v3+, Kafka 0.11); ${uses}, which writes magic ${magic} messages`);
  }
  // Legacy messages go in the newest Produce version that still carries them (brokers refuse them from v3).
  return { version: magic === 2 ? negotiated : Math.min(negotiated, FIRST_BATCH_PRODUCE_VERSION - 1), magic };
}

async function buildRecords(records: readonly ProduceRecord[], magic: 0 | 1 | 2, compression: CompressionType): Promise<Buffer> {
  if (magic === 2) {
    const builder = new RecordBatchBuilder({ compression });
    for (const record of records) builder.append(record);
    return builder.close();
  }
  const builder = new LegacyMessageSetBuilder({ magic, compression });
  for (const record of records) builder.append({ key: record.key, value: record.value, timestamp: record.timestamp });
  return builder.close();
}

function producedPartition(response: ProduceResponse, topic: string, partition: number) {
  const answer = response.responses.find((entry) => entry.name === topic)?.partitionResponses.find((entry) => entry.index === partition);
  if (answer === undefined) throw new KafkaDecodeError(`the Produce response has no answer for ${topic}-${partition}`);
  if (answer.errorCode !== 0) {
    const recordErrors = answer.recordErrors.map((entry) => `record ${entry.batchIndex}${entry.batchIndexErrorMessage ? `: ${entry.batchIndexErrorMessage}` : ''}`);
    const detail = [answer.errorMessage, ...recordErrors].filter((part) => part).join('; ');
    throw new KafkaProtocolError(answer.errorCode, { topic, partition, apiName: 'Produce' }, detail || null);
  }
  return answer;
}

// ---- fetch: the response's partition and its batches ----

function fetchedPartition(response: FetchResponse, topic: string, partition: number, offset: number): FetchResponsePartitionData {
  const location = { topic, partition, apiName: 'Fetch' };
  if (response.errorCode !== 0) throw new KafkaFetchError(response.errorCode, location, offset, `fetch at offset ${offset}`);
  // One topic was asked for, named (v0-v12) or by id (v13+): the answer is its single entry.
  const data = response.responses.length === 1 ? response.responses[0]!.partitions.find((entry) => entry.partitionIndex === partition) : undefined;
  if (data === undefined) throw new KafkaDecodeError(`the Fetch response has no answer for ${topic}-${partition}`);
  if (data.errorCode !== 0) {
    const range = data.highWatermark >= 0n ? ` (log start ${data.logStartOffset}, high watermark ${data.highWatermark})` : '';
    throw new KafkaFetchError(data.errorCode, location, offset, `fetch at offset ${offset}${range}`);
  }
  return data;
}

/**
 * The fetch size that lets the first batch come back whole when the response held only its start,
 * or a typed error when no size can (the batch announces more than the broker has, or more than a
 * response frame may hold).
 */
function grownFetchBytes(partial: Buffer, fetchBytes: number, topic: string, partition: number): number {
  const offset = partial.length >= 8 ? partial.readBigInt64BE(0) : -1n;
  const where = { topic, partition, ...(offset >= 0n && offset <= BigInt(Number.MAX_SAFE_INTEGER) ? { offset: Number(offset) } : {}), position: 0 };
  if (partial.length < LOG_OVERHEAD) return Math.min(MAX_GROWN_FETCH_BYTES, Math.max(fetchBytes * 2, 1024));
  const announced = LOG_OVERHEAD + partial.readInt32BE(8);
  if (announced <= partial.length) throw new KafkaCorruptRecordError(`batch size ${announced - LOG_OVERHEAD} is too small`, where);
  if (announced <= fetchBytes) {
    throw new KafkaCorruptRecordError(`the batch announces ${announced} bytes, but the broker returned only ${partial.length} to a fetch of ${fetchBytes} bytes`, where);
  }
  if (announced > MAX_GROWN_FETCH_BYTES) {
    throw new KafkaFetchError(MESSAGE_TOO_LARGE, { topic, partition, apiName: 'Fetch' }, where.offset ?? -1, `the batch at the fetch position announces ${announced} bytes, more than one response may hold (${MAX_GROWN_FETCH_BYTES})`);
  }
  return announced;
}

interface DecodeSettings {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly isolation: number;
  readonly checkCrcs: boolean;
}

async function decodePartition(data: FetchResponsePartitionData, batchList: readonly RecordBatch[], settings: DecodeSettings): Promise<PartitionFetchResult> {
  const { offset } = settings;
  const filter = settings.isolation === READ_COMMITTED ? new ReadCommittedFilter(data.abortedTransactions) : null;
  const records: FetchedRecord[] = [];
  const batches: FetchedBatch[] = [];
  let nextOffset = offset;
  for (const batch of batchList) {
    // The filter must see every batch in order: it tracks where aborted transactions end.
    const skipped = filter === null ? batch.isControl : filter.skip(batch);
    if (batch.nextOffset > nextOffset) nextOffset = batch.nextOffset;
    // Legacy wrappers know their first offset only once decompressed; they are never control batches.
    const decoded = batch.magic < 2 || (!skipped && batch.nextOffset > offset) ? await batch.records() : null;
    batches.push({
      baseOffset: batch.magic < 2 ? (decoded![0]?.offset ?? batch.lastOffset) : batch.baseOffset,
      lastOffset: batch.lastOffset,
      magic: batch.magic,
      compression: compressionName(batch.compression),
      sizeInBytes: batch.sizeInBytes,
      isControl: batch.isControl,
      isTransactional: batch.isTransactional,
    });
    if (skipped || decoded === null) continue;
    const timestampType = timestampTypeName(batch);
    const leaderEpoch = batch.partitionLeaderEpoch >= 0 ? batch.partitionLeaderEpoch : null;
    for (const record of decoded) {
      // A broker returns whole batches: the records before the fetch offset are the caller's past.
      if (record.offset < offset) continue;
      records.push({
        offset: record.offset,
        timestamp: record.timestamp,
        timestampType,
        key: record.key,
        value: record.value,
        headers: record.headers,
        magic: batch.magic,
        leaderEpoch,
        producerId: batch.producerId,
        isTransactional: batch.isTransactional,
      });
    }
  }
  return {
    records,
    batches,
    highWatermark: safeNumber(data.highWatermark, 'high watermark'),
    lastStableOffset: safeNumber(data.lastStableOffset, 'last stable offset'),
    logStartOffset: safeNumber(data.logStartOffset, 'log start offset'),
    nextOffset,
  };
}

// ---- the operations ----

export class PartitionAccess {
  constructor(private readonly cluster: Cluster) {}

  /** See `KafkaClient.produce`. */
  async produce(topic: string, partition: number, records: readonly ProduceRecord[], options: PartitionProduceOptions = {}): Promise<PartitionProduceResult> {
    this.cluster.assertOpen();
    checkPartition(topic, partition);
    const checked = checkRecords(records);
    const acks = acksCode(options.acks);
    const compression = toCompressionType(options.compression ?? 'none');
    const magic = options.magic;
    if (magic !== undefined && magic !== 0 && magic !== 1 && magic !== 2) throw new KafkaInvalidArgumentError(`magic must be 0, 1 or 2, got ${String(magic)}`);
    if (magic !== undefined && magic < 2 && compression === CompressionType.Zstd) throw new KafkaInvalidArgumentError('zstd needs record batches (magic 2)');
    const timeoutMs = checkTimeout(options.timeoutMs ?? this.cluster.options.requestTimeoutMs);
    const hasHeaders = checked.some((record) => record.headers !== undefined && record.headers.length > 0);
    // Built once per format: a retry that reaches a broker of another version may need another.
    const built = new Map<number, Promise<Buffer>>();
    return this.cluster.withRetries(
      async (attempt) => {
        const channel = await this.cluster.route({ leaderOf: { topic, partition } }, { signal: attempt.signal });
        const format = produceFormat(channel, compression, magic, hasHeaders);
        let batch = built.get(format.magic);
        if (batch === undefined) {
          batch = buildRecords(checked, format.magic, compression);
          built.set(format.magic, batch);
        }
        const requestTimeoutMs = attempt.requestTimeoutMs();
        const body: Input<ProduceRequest> = {
          transactionalId: null,
          acks,
          timeoutMs: Math.min(Math.ceil(requestTimeoutMs), INT32_MAX),
          topicData: [{ name: topic, partitionData: [{ index: partition, records: await batch }] }],
        };
        const response = await channel.send(Produce, body, { version: format.version, signal: attempt.signal, timeoutMs: requestTimeoutMs });
        if (response === undefined) return { baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
        const answer = producedPartition(response, topic, partition);
        return {
          baseOffset: safeNumber(answer.baseOffset, 'base offset'),
          logAppendTime: safeNumber(answer.logAppendTimeMs, 'log append time'),
          logStartOffset: safeNumber(answer.logStartOffset, 'log start offset'),
        };
      },
      { timeoutMs, ...(options.signal ? { signal: options.signal } : {}), what: `Produce to ${topic}-${partition}` },
    );
  }

  /** See `KafkaClient.fetch`. */
  async fetch(topic: string, partition: number, offset: number, options: PartitionFetchOptions = {}): Promise<PartitionFetchResult> {
    this.cluster.assertOpen();
    checkPartition(topic, partition);
    checkInteger('offset', offset, 0, Number.MAX_SAFE_INTEGER);
    const maxBytes = checkInteger('maxBytes', options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES, 1, INT32_MAX);
    const maxWaitMs = checkInteger('maxWaitMs', options.maxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS, 0, INT32_MAX);
    const minBytes = checkInteger('minBytes', options.minBytes ?? 1, 0, INT32_MAX);
    const isolation = isolationCode(options.isolationLevel);
    if (options.checkCrcs !== undefined && typeof options.checkCrcs !== 'boolean') throw new KafkaInvalidArgumentError('checkCrcs must be a boolean');
    const settings: DecodeSettings = { topic, partition, offset, isolation, checkCrcs: options.checkCrcs ?? true };
    const requestTimeoutMs = this.cluster.options.requestTimeoutMs;
    const timeoutMs = checkTimeout(options.timeoutMs ?? requestTimeoutMs + maxWaitMs);
    return this.cluster.withRetries(
      async (attempt) => {
        const channel = await this.cluster.route({ leaderOf: { topic, partition } }, { signal: attempt.signal, lane: FETCH_LANE });
        const topicId = this.cluster.metadata.topic(topic)?.topicId ?? null;
        let version = channel.pick(Fetch);
        // Fetch v13+ names topics by id only: without one (Metadata before v10), stay at v12.
        if (version > LAST_TOPIC_NAME_FETCH_VERSION && topicId === null) version = LAST_TOPIC_NAME_FETCH_VERSION;
        if (isolation === READ_COMMITTED && version < FIRST_ISOLATION_FETCH_VERSION) {
          throw new KafkaUnsupportedVersionError(`read_committed needs Fetch v4+ (Kafka 0.11); ${channel.label} uses Fetch v${version}`);
        }
        let fetchBytes = maxBytes;
        let waitMs = maxWaitMs;
        for (let round = 0; ; round++) {
          const request: Input<FetchRequest> = {
            replicaId: -1,
            maxWaitMs: waitMs,
            minBytes,
            ...(version >= 3 ? { maxBytes: fetchBytes } : {}),
            ...(version >= FIRST_ISOLATION_FETCH_VERSION ? { isolationLevel: isolation } : {}),
            topics: [
              {
                ...(version > LAST_TOPIC_NAME_FETCH_VERSION ? { topicId: topicId! } : { topic }),
                partitions: [{ partition, fetchOffset: BigInt(offset), partitionMaxBytes: fetchBytes }],
              },
            ],
          };
          // A long poll: the broker may hold the request for maxWaitMs before it even starts to answer.
          const response = await channel.send(Fetch, request, {
            version,
            signal: attempt.signal,
            timeoutMs: Math.max(1, Math.min(requestTimeoutMs + waitMs, attempt.remainingMs())),
          });
          const data = fetchedPartition(response, topic, partition, offset);
          const { batches, partialBytes } = readRecordBatches(data.records, { topic, partition, checkCrcs: settings.checkCrcs });
          if (batches.length > 0 || partialBytes === 0) return decodePartition(data, batches, settings);
          // Only the start of a batch larger than fetchBytes came back: ask again, sized to it.
          const grown = grownFetchBytes(data.records!, fetchBytes, topic, partition);
          if (round + 1 >= MAX_GROWTH_ROUNDS) {
            throw new KafkaCorruptRecordError(`no complete batch after ${MAX_GROWTH_ROUNDS} fetches up to ${fetchBytes} bytes`, { topic, partition, offset });
          }
          fetchBytes = grown;
          waitMs = 0;
        }
      },
      { timeoutMs, ...(options.signal ? { signal: options.signal } : {}), what: `Fetch of ${topic}-${partition} at offset ${offset}` },
    );
  }

  /** See `KafkaClient.listOffsets`. */
  async listOffsets(topic: string, partition: number, spec: OffsetSpec, options: ListOffsetsOptions = {}): Promise<ListedOffset> {
    this.cluster.assertOpen();
    checkPartition(topic, partition);
    const timestamp =
      spec === 'earliest' ? EARLIEST_TIMESTAMP : spec === 'latest' ? LATEST_TIMESTAMP : BigInt(checkInteger("an offset spec ('earliest', 'latest' or a timestamp)", spec, 0, Number.MAX_SAFE_INTEGER));
    const isolation = isolationCode(options.isolationLevel);
    const timeoutMs = checkTimeout(options.timeoutMs ?? this.cluster.options.requestTimeoutMs);
    return this.cluster.withRetries(
      async (attempt) => {
        const channel = await this.cluster.route({ leaderOf: { topic, partition } }, { signal: attempt.signal });
        const version = channel.pick(ListOffsets);
        if (isolation === READ_COMMITTED && version < FIRST_ISOLATION_LIST_OFFSETS_VERSION) {
          throw new KafkaUnsupportedVersionError(`read_committed needs ListOffsets v2+ (Kafka 0.11); ${channel.label} uses ListOffsets v${version}`);
        }
        const requestTimeoutMs = attempt.requestTimeoutMs();
        const response = await channel.send(
          ListOffsets,
          {
            replicaId: -1,
            ...(version >= FIRST_ISOLATION_LIST_OFFSETS_VERSION ? { isolationLevel: isolation } : {}),
            topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp, ...(version === 0 ? { maxNumOffsets: 1 } : {}) }] }],
            timeoutMs: Math.min(Math.ceil(requestTimeoutMs), INT32_MAX),
          },
          { version, signal: attempt.signal, timeoutMs: requestTimeoutMs },
        );
        const answer = response.topics.find((entry) => entry.name === topic)?.partitions.find((entry) => entry.partitionIndex === partition);
        if (answer === undefined) throw new KafkaDecodeError(`the ListOffsets response has no answer for ${topic}-${partition}`);
        if (answer.errorCode !== 0) throw new KafkaProtocolError(answer.errorCode, { topic, partition, apiName: 'ListOffsets' });
        if (version === 0) {
          // v0 answers with a list (offsets of segment starts for a timestamp); asked for one.
          const first = answer.oldStyleOffsets[0];
          return { offset: first === undefined ? -1 : safeNumber(first, 'offset'), timestamp: -1, leaderEpoch: null };
        }
        return {
          offset: safeNumber(answer.offset, 'offset'),
          timestamp: safeNumber(answer.timestamp, 'timestamp'),
          leaderEpoch: answer.leaderEpoch >= 0 ? answer.leaderEpoch : null,
        };
      },
      { timeoutMs, ...(options.signal ? { signal: options.signal } : {}), what: `ListOffsets of ${topic}-${partition}` },
    );
  }
}
