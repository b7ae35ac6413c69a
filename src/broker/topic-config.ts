/**
 * Topic configuration: Kafka's topic config names and defaults, the values a client may give in
 * CreateTopics, and the few settings the embedded broker acts on (retention by bytes, the largest
 * batch, the timestamp type and bounds, compaction's key requirement).
 */

/** Kafka's ConfigSource values, as DescribeConfigs and CreateTopics v5+ report them. */
export const ConfigSource = {
  DynamicTopic: 1,
  Default: 5,
} as const;

const LONG_MAX = '9223372036854775807';

/** Every topic-level config name Kafka knows, with its default as Kafka lists it. */
const KAFKA_TOPIC_CONFIG_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['cleanup.policy', 'delete'],
  ['compression.type', 'producer'],
  ['compression.gzip.level', '-1'],
  ['compression.lz4.level', '9'],
  ['compression.zstd.level', '3'],
  ['delete.retention.ms', '86400000'],
  ['file.delete.delay.ms', '60000'],
  ['flush.messages', LONG_MAX],
  ['flush.ms', LONG_MAX],
  ['follower.replication.throttled.replicas', ''],
  ['index.interval.bytes', '4096'],
  ['leader.replication.throttled.replicas', ''],
  ['local.retention.bytes', '-2'],
  ['local.retention.ms', '-2'],
  ['max.compaction.lag.ms', LONG_MAX],
  ['max.message.bytes', '1048588'],
  ['message.downconversion.enable', 'true'],
  ['message.format.version', '3.0-IV1'],
  ['message.timestamp.after.max.ms', LONG_MAX],
  ['message.timestamp.before.max.ms', LONG_MAX],
  ['message.timestamp.difference.max.ms', LONG_MAX],
  ['message.timestamp.type', 'CreateTime'],
  ['min.cleanable.dirty.ratio', '0.5'],
  ['min.compaction.lag.ms', '0'],
  ['min.insync.replicas', '1'],
  ['preallocate', 'false'],
  ['remote.log.copy.disable', 'false'],
  ['remote.log.delete.on.disable', 'false'],
  ['remote.storage.enable', 'false'],
  ['retention.bytes', '-1'],
  ['retention.ms', '604800000'],
  ['segment.bytes', '1073741824'],
  ['segment.index.bytes', '10485760'],
  ['segment.jitter.ms', '0'],
  ['segment.ms', '604800000'],
  ['unclean.leader.election.enable', 'false'],
]);

/** The broker-wide settings topic configs fall back to. */
export interface TopicConfigDefaults {
  /** Per-partition retention when the topic sets none (the embedded broker always bounds a log). */
  readonly retentionBytes: number;
  readonly maxMessageBytes: number;
  /** Kafka 4.0 rejects records stamped more than an hour ahead (KIP-1030); earlier releases did not. */
  readonly timestampAfterMaxMs: number;
}

/** The settings the broker acts on, resolved from a topic's configs and the defaults. */
export interface EffectiveTopicConfig {
  readonly retentionBytes: number;
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
  readonly compacted: boolean;
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
}

/** A config value Kafka would refuse: `message` is what the broker says. */
export class TopicConfigError extends Error {}

function parseLong(name: string, value: string, min: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw new TopicConfigError(`Invalid value ${value} for configuration ${name}: Not a number of type LONG`);
  const parsed = BigInt(value.trim());
  if (parsed < BigInt(min)) throw new TopicConfigError(`Invalid value ${value} for configuration ${name}: Value must be at least ${min}`);
  // Kafka's "no limit" is Long.MAX_VALUE; anything past 2^53 behaves the same here.
  return parsed > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(parsed);
}

function parseInt32(name: string, value: string, min: number): number {
  const parsed = parseLong(name, value, min);
  if (parsed > 0x7fffffff) throw new TopicConfigError(`Invalid value ${value} for configuration ${name}: Not a number of type INT`);
  return parsed;
}

/**
 * Validates the configs given for a new topic the way Kafka does for the settings the embedded
 * broker acts on; any other Kafka topic config is accepted and reported back unchanged.
 * Throws TopicConfigError for an unknown name or a bad value.
 */
export function validateTopicConfigs(configs: ReadonlyMap<string, string>): void {
  for (const [name, value] of configs) {
    if (!KAFKA_TOPIC_CONFIG_DEFAULTS.has(name)) throw new TopicConfigError(`Unknown topic config name: ${name}`);
    switch (name) {
      case 'retention.bytes':
        parseLong(name, value, -1);
        break;
      case 'max.message.bytes':
        parseInt32(name, value, 0);
        break;
      case 'message.timestamp.type':
        if (value !== 'CreateTime' && value !== 'LogAppendTime') {
          throw new TopicConfigError(`Invalid value ${value} for configuration ${name}: String must be one of: CreateTime, LogAppendTime`);
        }
        break;
      case 'cleanup.policy':
        for (const policy of value.split(',').map((part) => part.trim())) {
          if (policy !== 'delete' && policy !== 'compact') {
            throw new TopicConfigError(`Invalid value ${value} for configuration ${name}: String must be one of: compact, delete`);
          }
        }
        break;
      case 'message.timestamp.before.max.ms':
      case 'message.timestamp.after.max.ms':
      case 'message.timestamp.difference.max.ms':
        parseLong(name, value, 0);
        break;
      default:
        break;
    }
  }
}

/** The settings the broker acts on, from validated configs. */
export function effectiveTopicConfig(configs: ReadonlyMap<string, string>, defaults: TopicConfigDefaults): EffectiveTopicConfig {
  const retention = configs.get('retention.bytes');
  const retentionBytes = retention === undefined ? -1 : parseLong('retention.bytes', retention, -1);
  const maxMessage = configs.get('max.message.bytes');
  const before = configs.get('message.timestamp.before.max.ms') ?? configs.get('message.timestamp.difference.max.ms');
  const after = configs.get('message.timestamp.after.max.ms') ?? configs.get('message.timestamp.difference.max.ms');
  return {
    // Kafka's -1 means "no limit"; here it means the cluster's bound, so memory stays bounded.
    retentionBytes: retentionBytes < 0 ? defaults.retentionBytes : retentionBytes,
    maxMessageBytes: maxMessage === undefined ? defaults.maxMessageBytes : parseInt32('max.message.bytes', maxMessage, 0),
    logAppendTime: configs.get('message.timestamp.type') === 'LogAppendTime',
    compacted: (configs.get('cleanup.policy') ?? '').split(',').some((policy) => policy.trim() === 'compact'),
    timestampBeforeMaxMs: before === undefined ? Number.MAX_SAFE_INTEGER : parseLong('message.timestamp.before.max.ms', before, 0),
    timestampAfterMaxMs: after === undefined ? defaults.timestampAfterMaxMs : parseLong('message.timestamp.after.max.ms', after, 0),
  };
}

export interface DescribedTopicConfig {
  readonly name: string;
  readonly value: string;
  readonly source: number;
}

/** Every topic config with its value and source, as CreateTopics v5+ lists them. */
export function describeTopicConfigs(configs: ReadonlyMap<string, string>, defaults: TopicConfigDefaults): DescribedTopicConfig[] {
  const described: DescribedTopicConfig[] = [];
  for (const [name, kafkaDefault] of KAFKA_TOPIC_CONFIG_DEFAULTS) {
    const given = configs.get(name);
    if (given !== undefined) {
      described.push({ name, value: given, source: ConfigSource.DynamicTopic });
      continue;
    }
    let value = kafkaDefault;
    if (name === 'max.message.bytes') value = String(defaults.maxMessageBytes);
    if (name === 'retention.bytes') value = String(defaults.retentionBytes);
    if (name === 'message.timestamp.after.max.ms' && defaults.timestampAfterMaxMs !== Number.MAX_SAFE_INTEGER) {
      value = String(defaults.timestampAfterMaxMs);
    }
    described.push({ name, value, source: ConfigSource.Default });
  }
  return described;
}
