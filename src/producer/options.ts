/**
 * `KafkaProducer` options: camelCase mirrors of the Java producer's configs, with its defaults
 * (those of Java 4.0: `linger.ms` 5, idempotence on), validated at construction.
 *
 * Conflicts are handled as Java 4.0 does:
 *  - idempotence (on by default) needs acks=all and retries > 0: when the user set
 *    `enableIdempotence: true` explicitly, other values are a `KafkaConfigError`; when they did
 *    not, idempotence is turned off (logged at info);
 *  - idempotence needs `maxInFlightRequestsPerConnection` <= 5 (the broker remembers the last 5
 *    batches of a producer for duplicate detection): a larger value is an error unless
 *    idempotence is off (`enableIdempotence: false`, or turned off by the rule above; Java 4.0
 *    throws even then);
 *  - `deliveryTimeoutMs` must be at least `lingerMs + requestTimeoutMs`: an explicit smaller value
 *    is an error; the default is raised to that sum (logged at warn).
 */
import { COMMON_CLIENT_CHECKS, COMMON_CLIENT_OPTIONS, type CommonClientOptions } from '../cluster/options.js';
import { option, resolveOptions, type OptionCheck, type ResolvedOptions } from '../cluster/config.js';
import { KafkaConfigError } from '../protocol/errors.js';
import type { Partitioner } from './partitioner.js';
import { isSerializerOption, type SerializerOption } from './serializers.js';

export type Acks = 0 | 1 | -1 | 'all';
export type ProducerCompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const INT32_MAX = 2 ** 31 - 1;
/** The broker keeps the metadata of a producer's last 5 batches per partition for deduplication. */
export const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

export interface ProducerOptions<K = Buffer, V = Buffer> extends CommonClientOptions {
  /** `acks`: 0 (no acknowledgement), 1 (the leader) or 'all' / -1 (every in-sync replica). Default 'all'. */
  acks?: Acks;
  /** `compression.type`. Default 'none'. */
  compressionType?: ProducerCompressionType;
  /** `compression.gzip.level` / `compression.lz4.level` / `compression.zstd.level`: the codec's level. Default: the codec's own. */
  compressionLevel?: number;
  /** `linger.ms`: how long a batch that is not full waits for more records. Default 5. */
  lingerMs?: number;
  /** `batch.size`: the size a batch of one partition grows to before it is sent (0: one record per batch). Default 16384. */
  batchSize?: number;
  /** `buffer.memory`: bytes of records waiting to be sent or acknowledged, at most. Default 33554432. */
  bufferMemory?: number;
  /** `max.block.ms`: how long `send` (and `partitionsFor`) wait for buffer memory or metadata. Default 60000. */
  maxBlockMs?: number;
  /** `max.request.size`: the largest Produce request, and so the largest record. Default 1048576. */
  maxRequestSize?: number;
  /** `enable.idempotence`: exactly one copy of each record, in order, despite retries. Default true. */
  enableIdempotence?: boolean;
  /** `retries`: how often a batch is retried (within `deliveryTimeoutMs`). Default 2147483647. */
  retries?: number;
  /** `delivery.timeout.ms`: the time from `send` to its success or failure, at most. Default 120000. */
  deliveryTimeoutMs?: number;
  /** `max.in.flight.requests.per.connection`: unanswered Produce requests per broker. Default 5. */
  maxInFlightRequestsPerConnection?: number;
  /** `partitioner.class`: a function choosing the partition of records without an explicit one. */
  partitioner?: Partitioner<K, V>;
  /** `partitioner.ignore.keys`: spread keyed records like keyless ones. Default false. */
  partitionerIgnoreKeys?: boolean;
  /** `partitioner.adaptive.partitioning.enable`: favour partitions whose brokers keep up. Default true. */
  partitionerAdaptivePartitioningEnable?: boolean;
  /** `key.serializer`: 'buffer' (default), 'string', 'json', a function or a `Serializer` object. */
  keySerializer?: SerializerOption<K>;
  /** `value.serializer`: 'buffer' (default), 'string', 'json', a function or a `Serializer` object. */
  valueSerializer?: SerializerOption<V>;
}

const serializerSpec = option.custom<SerializerOption<unknown>>({
  expected: "'buffer', 'string', 'json', a function or an object with serialize()",
  default: 'buffer',
  parse: (value, fail) => {
    if (!isSerializerOption(value)) throw fail("must be 'buffer', 'string', 'json', a function (data, topic, headers) => bytes, or an object with serialize(topic, data, headers)");
    return value as SerializerOption<unknown>;
  },
});

export const PRODUCER_OPTIONS = {
  ...COMMON_CLIENT_OPTIONS,
  acks: option.custom<-1 | 0 | 1>({
    expected: "0, 1, -1 or 'all'",
    default: -1,
    aliases: ['request.required.acks', 'requestRequiredAcks'],
    parse: (value, fail) => {
      if (value === 'all' || value === -1 || value === '-1') return -1;
      if (value === 0 || value === '0') return 0;
      if (value === 1 || value === '1') return 1;
      throw fail(`must be 0, 1, -1 or 'all', got ${JSON.stringify(value) ?? String(value)}`);
    },
  }),
  compressionType: option.enumOf(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const, { default: 'none', aliases: ['compression', 'compression.codec', 'compressionCodec'] }),
  compressionLevel: option.integer({ min: -131072, max: 22 }),
  lingerMs: option.integer({ min: 0, max: INT32_MAX, default: 5, aliases: ['queue.buffering.max.ms', 'linger'] }),
  batchSize: option.integer({ min: 0, max: INT32_MAX, default: 16_384 }),
  bufferMemory: option.integer({ min: 1, max: Number.MAX_SAFE_INTEGER, default: 33_554_432 }),
  maxBlockMs: option.integer({ min: 0, max: INT32_MAX, default: 60_000 }),
  maxRequestSize: option.integer({ min: 1, max: INT32_MAX, default: 1_048_576 }),
  enableIdempotence: option.boolean({ default: true, aliases: ['idempotent', 'enable.idempotence'] }),
  retries: option.integer({ min: 0, max: INT32_MAX, default: INT32_MAX }),
  deliveryTimeoutMs: option.integer({ min: 1, max: INT32_MAX, default: 120_000, aliases: ['message.timeout.ms', 'messageTimeoutMs'] }),
  maxInFlightRequestsPerConnection: option.integer({ min: 1, max: INT32_MAX, default: 5, aliases: ['max.in.flight', 'maxInFlight'] }),
  partitioner: option.custom<Partitioner<unknown, unknown> | null>({
    expected: 'a function ({ topic, key, keyBytes, value, valueBytes, partitions, availablePartitions }) => partition',
    default: null,
    aliases: ['partitioner.class', 'partitionerClass', 'createPartitioner'],
    parse: (value, fail) => {
      if (typeof value !== 'function') throw fail('must be a function ({ topic, key, keyBytes, value, valueBytes, partitions, availablePartitions }) => partition');
      return value as Partitioner<unknown, unknown>;
    },
  }),
  partitionerIgnoreKeys: option.boolean({ default: false }),
  partitionerAdaptivePartitioningEnable: option.boolean({ default: true }),
  keySerializer: serializerSpec,
  valueSerializer: serializerSpec,
};

export type ProducerSchema = typeof PRODUCER_OPTIONS;

export interface ResolvedProducerOptions extends ResolvedOptions<ProducerSchema> {
  /** Whether the producer is idempotent, after the conflict rules above. */
  readonly idempotent: boolean;
  /** What the conflict rules changed, for the producer to log once its logger is set up. */
  readonly notes: readonly { readonly level: 'info' | 'warn'; readonly message: string }[];
}

const PRODUCER_CHECKS: readonly OptionCheck<ProducerSchema>[] = [
  ...(COMMON_CLIENT_CHECKS as unknown as readonly OptionCheck<ProducerSchema>[]),
  (resolved, given) => {
    const sum = resolved.lingerMs + resolved.requestTimeoutMs;
    if (given.has('deliveryTimeoutMs') && resolved.deliveryTimeoutMs < sum) {
      return `deliveryTimeoutMs (${resolved.deliveryTimeoutMs}) must be at least lingerMs + requestTimeoutMs (${resolved.lingerMs} + ${resolved.requestTimeoutMs} = ${sum})`;
    }
    return null;
  },
];

/**
 * Validates producer options (throws `KafkaConfigError` naming the key) and applies the conflict
 * rules in the module comment.
 */
export function resolveProducerOptions(input: unknown): ResolvedProducerOptions {
  const given = new Set<string>();
  const resolved = resolveOptions(PRODUCER_OPTIONS, input, {
    what: 'KafkaProducer',
    checks: [
      ...PRODUCER_CHECKS,
      (_resolved, keys) => {
        for (const key of keys) given.add(key);
        return null;
      },
    ],
  });
  const notes: { level: 'info' | 'warn'; message: string }[] = [];
  let idempotent = resolved.enableIdempotence;
  if (idempotent) {
    const explicit = given.has('enableIdempotence');
    const conflicts: string[] = [];
    if (resolved.acks !== -1) conflicts.push(`acks is ${resolved.acks}, not 'all'`);
    if (resolved.retries === 0) conflicts.push('retries is 0');
    if (conflicts.length > 0) {
      if (explicit) throw new KafkaConfigError(`KafkaProducer options: enableIdempotence needs acks 'all' and retries > 0, but ${conflicts.join(' and ')}`);
      idempotent = false;
    }
    if (idempotent && resolved.maxInFlightRequestsPerConnection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      throw new KafkaConfigError(
        `KafkaProducer options: maxInFlightRequestsPerConnection must be at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} with idempotence (got ${resolved.maxInFlightRequestsPerConnection}); set enableIdempotence: false to allow more`,
      );
    }
    if (!idempotent) notes.push({ level: 'info', message: `idempotence disabled because ${conflicts.join(' and ')} (set enableIdempotence: true to make this an error)` });
  }
  let deliveryTimeoutMs = resolved.deliveryTimeoutMs;
  const floor = Math.min(resolved.lingerMs + resolved.requestTimeoutMs, INT32_MAX);
  if (deliveryTimeoutMs < floor) {
    notes.push({ level: 'warn', message: `deliveryTimeoutMs raised from its default ${deliveryTimeoutMs} to lingerMs + requestTimeoutMs = ${floor}` });
    deliveryTimeoutMs = floor;
  }
  return { ...resolved, deliveryTimeoutMs, idempotent, notes };
}
