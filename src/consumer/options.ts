/**
 * `KafkaConsumer` options: camelCase mirrors of the Java consumer's configs with Java 4.0's
 * defaults, validated at construction (unknown keys and conflicting settings are
 * `KafkaConfigError`s naming the keys).
 *
 * Conflicts, as Java handles them:
 *  - `enableAutoCommit` defaults to true with a `groupId` and to false without one; an explicit
 *    `enableAutoCommit: true` without `groupId` is an error (there is nowhere to commit);
 *  - `groupInstanceId` needs a `groupId`;
 *  - `heartbeatIntervalMs` must be lower than `sessionTimeoutMs`;
 *  - the assignors must share a rebalance protocol (checked when there is a `groupId`).
 */
import { COMMON_CLIENT_CHECKS, COMMON_CLIENT_OPTIONS, type CommonClientOptions } from '../cluster/options.js';
import { option, resolveOptions, type OptionCheck, type ResolvedOptions } from '../cluster/config.js';
import { KafkaConfigError, KafkaError } from '../protocol/errors.js';
import { CooperativeStickyAssignor, RangeAssignor, RoundRobinAssignor, StickyAssignor, chooseRebalanceProtocol, type PartitionAssignor } from './assignors/index.js';
import { isDeserializerOption, type DeserializerOption } from './deserializers.js';
import type { CommitListener } from './commit-types.js';

const INT32_MAX = 2 ** 31 - 1;

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';
import type { IsolationLevel } from '../cluster/partition-access.js';

export type { IsolationLevel };
/** The built-in assignors by their protocol names (the Java client's names). */
export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export interface ConsumerOptions<K = Buffer, V = Buffer> extends CommonClientOptions {
  /** `group.id`: the consumer group, needed by `subscribe()` and by commits. Default: none. */
  groupId?: string;
  /** `group.instance.id`: a static member id (KIP-345): restarts within the session timeout cause no rebalance. */
  groupInstanceId?: string;
  /** `auto.offset.reset`: where to start without a committed offset or after an out-of-range position. Default 'latest'. */
  autoOffsetReset?: AutoOffsetReset;
  /** `enable.auto.commit`: commit consumed positions every `autoCommitIntervalMs`, before a rebalance and on close. Default true with a groupId. */
  enableAutoCommit?: boolean;
  /** `auto.commit.interval.ms`. Default 5000. */
  autoCommitIntervalMs?: number;
  /** `session.timeout.ms`: the coordinator drops a member that sent no heartbeat for this long. Default 45000. */
  sessionTimeoutMs?: number;
  /** `heartbeat.interval.ms`. Default 3000. */
  heartbeatIntervalMs?: number;
  /** `max.poll.interval.ms`: the member leaves the group when the application does not poll for this long; also the rebalance timeout. Default 300000. */
  maxPollIntervalMs?: number;
  /** `max.poll.records`: records one `poll()` returns at most. Default 500. */
  maxPollRecords?: number;
  /** `fetch.min.bytes`: the broker waits for this much data (or `fetchMaxWaitMs`). Default 1. */
  fetchMinBytes?: number;
  /** `fetch.max.bytes`: the most data one fetch response holds (a larger first batch still comes back). Default 52428800. */
  fetchMaxBytes?: number;
  /** `fetch.max.wait.ms`: how long the broker waits for `fetchMinBytes`. Default 500. */
  fetchMaxWaitMs?: number;
  /** `max.partition.fetch.bytes`: the most data per partition in one fetch response. Default 1048576. */
  maxPartitionFetchBytes?: number;
  /** `isolation.level`: 'read_committed' hides aborted transactional records and waits for open transactions. Default 'read_uncommitted'. */
  isolationLevel?: IsolationLevel;
  /** `partition.assignment.strategy`: assignor names or `PartitionAssignor` objects, preferred first. Default ['range', 'cooperative-sticky']. */
  partitionAssignmentStrategy?: readonly (AssignorName | PartitionAssignor)[];
  /** `client.rack`: this consumer's rack, for rack-aware assignment and fetching from the closest replica (KIP-392). */
  clientRack?: string;
  /** `check.crcs`: verify the CRC-32C of fetched record batches. Default true. */
  checkCrcs?: boolean;
  /** `key.deserializer`: 'buffer' (default), 'string', 'json', a function or a `Deserializer` object. */
  keyDeserializer?: DeserializerOption<K>;
  /** `value.deserializer`: 'buffer' (default), 'string', 'json', a function or a `Deserializer` object. */
  valueDeserializer?: DeserializerOption<V>;
  /** `exclude.internal.topics`: a RegExp subscription never matches internal topics (__consumer_offsets...). Default true. */
  excludeInternalTopics?: boolean;
  /** `allow.auto.create.topics`: subscribing to a missing topic may create it, if the broker allows. Default true. */
  allowAutoCreateTopics?: boolean;
  /** `default.api.timeout.ms`: the time limit of blocking calls without their own (commit, committed, position, offsets...). Default 60000. */
  defaultApiTimeoutMs?: number;
  /**
   * Hears the outcome of `commitAsync()` and of automatic commits. Without it a failed
   * asynchronous commit is logged as a warning. Its methods may be async; whatever they throw is
   * logged, never rethrown.
   */
  commitListener?: CommitListener;
}

const assignorNames: Readonly<Record<AssignorName, () => PartitionAssignor>> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  sticky: () => new StickyAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
};

/** Resolves names to fresh assignor instances (sticky assignors keep per-consumer state). */
function parseAssignors(value: unknown, fail: (message: string) => KafkaConfigError): PartitionAssignor[] {
  const expected = "a non-empty array of 'range', 'roundrobin', 'sticky', 'cooperative-sticky' or PartitionAssignor objects";
  const list = typeof value === 'string' ? value.split(',').map((name) => name.trim()) : value;
  if (!Array.isArray(list) || list.length === 0) throw fail(`must be ${expected}`);
  return (list as unknown[]).map((entry) => {
    if (typeof entry === 'string') {
      const make = assignorNames[entry as AssignorName];
      if (make === undefined) throw fail(`names an unknown assignor '${entry}' (known: ${Object.keys(assignorNames).join(', ')})`);
      return make();
    }
    const candidate = entry as Partial<PartitionAssignor> | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.name !== 'string' || typeof candidate.assign !== 'function' || !Array.isArray(candidate.supportedProtocols)) {
      throw fail(`must be ${expected} (an assignor needs name, supportedProtocols and assign())`);
    }
    return candidate as PartitionAssignor;
  });
}

const deserializerSpec = option.custom<DeserializerOption<unknown>>({
  expected: "'buffer', 'string', 'json', a function or an object with deserialize()",
  default: 'buffer',
  parse: (value, fail) => {
    if (!isDeserializerOption(value)) throw fail("must be 'buffer', 'string', 'json', a function (data, topic, headers) => value, or an object with deserialize(topic, data, headers)");
    return value as DeserializerOption<unknown>;
  },
});

export const CONSUMER_OPTIONS = {
  ...COMMON_CLIENT_OPTIONS,
  groupId: option.string({ maxBytes: 0x7fff, aliases: ['group.id', 'group'] }),
  groupInstanceId: option.string({ maxBytes: 0x7fff, aliases: ['group.instance.id'] }),
  autoOffsetReset: option.enumOf(['earliest', 'latest', 'none'] as const, { default: 'latest', aliases: ['auto.offset.reset', 'fromBeginning', 'offsetReset'] }),
  enableAutoCommit: option.boolean({ aliases: ['enable.auto.commit', 'autoCommit'] }),
  autoCommitIntervalMs: option.integer({ min: 1, max: INT32_MAX, default: 5000, aliases: ['auto.commit.interval.ms', 'autoCommitInterval'] }),
  sessionTimeoutMs: option.integer({ min: 1, max: INT32_MAX, default: 45_000, aliases: ['session.timeout.ms', 'sessionTimeout'] }),
  heartbeatIntervalMs: option.integer({ min: 1, max: INT32_MAX, default: 3000, aliases: ['heartbeat.interval.ms', 'heartbeatInterval'] }),
  maxPollIntervalMs: option.integer({ min: 1, max: INT32_MAX, default: 300_000, aliases: ['max.poll.interval.ms', 'rebalanceTimeout', 'rebalanceTimeoutMs'] }),
  maxPollRecords: option.integer({ min: 1, max: INT32_MAX, default: 500, aliases: ['max.poll.records'] }),
  fetchMinBytes: option.integer({ min: 0, max: INT32_MAX, default: 1, aliases: ['fetch.min.bytes', 'minBytes'] }),
  fetchMaxBytes: option.integer({ min: 1, max: INT32_MAX, default: 52_428_800, aliases: ['fetch.max.bytes', 'maxBytes'] }),
  fetchMaxWaitMs: option.integer({ min: 0, max: INT32_MAX, default: 500, aliases: ['fetch.max.wait.ms', 'fetch.wait.max.ms', 'maxWaitTimeInMs', 'maxWaitMs'] }),
  maxPartitionFetchBytes: option.integer({ min: 1, max: INT32_MAX, default: 1_048_576, aliases: ['max.partition.fetch.bytes', 'maxBytesPerPartition'] }),
  isolationLevel: option.enumOf(['read_uncommitted', 'read_committed'] as const, { default: 'read_uncommitted', aliases: ['isolation.level'] }),
  partitionAssignmentStrategy: option.custom<PartitionAssignor[]>({
    expected: "an array of 'range', 'roundrobin', 'sticky', 'cooperative-sticky' or PartitionAssignor objects",
    default: [],
    aliases: ['partition.assignment.strategy', 'partitionAssigners', 'assignors'],
    parse: parseAssignors,
  }),
  clientRack: option.string({ nonEmpty: false, maxBytes: 0x7fff, aliases: ['client.rack', 'rackId'] }),
  checkCrcs: option.boolean({ default: true, aliases: ['check.crcs'] }),
  keyDeserializer: deserializerSpec,
  valueDeserializer: deserializerSpec,
  excludeInternalTopics: option.boolean({ default: true, aliases: ['exclude.internal.topics'] }),
  allowAutoCreateTopics: option.boolean({ default: true, aliases: ['allow.auto.create.topics', 'allowAutoTopicCreation'] }),
  defaultApiTimeoutMs: option.integer({ min: 1, max: INT32_MAX, default: 60_000, aliases: ['default.api.timeout.ms'] }),
  commitListener: option.custom<CommitListener>({
    expected: 'an object with optional onCommitSucceeded(offsets) and onCommitFailed(error, offsets) methods',
    parse: (value, fail) => {
      if (typeof value !== 'object' || value === null) throw fail('must be an object with optional onCommitSucceeded and onCommitFailed methods');
      const listener = value as Record<string, unknown>;
      for (const method of ['onCommitSucceeded', 'onCommitFailed']) {
        if (listener[method] !== undefined && typeof listener[method] !== 'function') throw fail(`has a ${method} that is not a function`);
      }
      return value as CommitListener;
    },
  }),
};

export type ConsumerSchema = typeof CONSUMER_OPTIONS;

export interface ResolvedConsumerOptions extends Omit<ResolvedOptions<ConsumerSchema>, 'enableAutoCommit' | 'partitionAssignmentStrategy'> {
  readonly enableAutoCommit: boolean;
  /** Instances, preferred first (the default list when none was given). */
  readonly partitionAssignmentStrategy: readonly PartitionAssignor[];
}

const CONSUMER_CHECKS: readonly OptionCheck<ConsumerSchema>[] = [
  ...(COMMON_CLIENT_CHECKS as unknown as readonly OptionCheck<ConsumerSchema>[]),
  (resolved) => (resolved.groupInstanceId !== undefined && resolved.groupId === undefined ? 'groupInstanceId needs a groupId' : null),
  (resolved) => (resolved.enableAutoCommit === true && resolved.groupId === undefined ? 'enableAutoCommit needs a groupId (set enableAutoCommit: false, or give a groupId)' : null),
  (resolved) =>
    resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs
      ? `heartbeatIntervalMs (${resolved.heartbeatIntervalMs}) must be lower than sessionTimeoutMs (${resolved.sessionTimeoutMs})`
      : null,
];

/** Validates consumer options (throws `KafkaConfigError` naming the key) and applies the rules in the module comment. */
export function resolveConsumerOptions(input: unknown): ResolvedConsumerOptions {
  const resolved = resolveOptions(CONSUMER_OPTIONS, input, { what: 'KafkaConsumer', checks: CONSUMER_CHECKS });
  const assignors = resolved.partitionAssignmentStrategy.length > 0 ? resolved.partitionAssignmentStrategy : [assignorNames.range(), assignorNames['cooperative-sticky']()];
  if (resolved.groupId !== undefined) {
    try {
      chooseRebalanceProtocol(assignors);
    } catch (error) {
      if (error instanceof KafkaError) throw new KafkaConfigError(`KafkaConsumer option partitionAssignmentStrategy: ${error.message}`);
      throw error;
    }
  }
  return { ...resolved, enableAutoCommit: resolved.enableAutoCommit ?? resolved.groupId !== undefined, partitionAssignmentStrategy: assignors };
}
