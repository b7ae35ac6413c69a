/**
 * The consumer's own typed errors (all `KafkaError`s). Broker error codes stay
 * `KafkaProtocolError`s; these name the situations a consumer application handles itself.
 */
import { KafkaError } from '../protocol/errors.js';
import type { TopicPartition } from '../cluster/cluster.js';

/**
 * A key or value deserializer threw for a record (the Java client's RecordDeserializationException).
 * The consumer's position stays at the record: the next poll fails the same way unless the
 * application seeks past it (`consumer.seek(error.topicPartition, error.offset + 1)`).
 */
export class KafkaRecordDeserializationError extends KafkaError {
  readonly topicPartition: TopicPartition;
  readonly offset: number;
  /** Which part failed. */
  readonly part: 'key' | 'value';

  constructor(topicPartition: TopicPartition, offset: number, part: 'key' | 'value', cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`could not deserialize the ${part} of the record at offset ${offset} of ${topicPartition.topic}-${topicPartition.partition}: ${reason}`, {
      code: -1,
      errorName: 'RECORD_DESERIALIZATION_ERROR',
      retriable: false,
      cause,
    });
    this.topicPartition = { topic: topicPartition.topic, partition: topicPartition.partition };
    this.offset = offset;
    this.part = part;
  }
}

/**
 * The position of a partition is out of the log's range and `autoOffsetReset` is 'none'
 * (the Java client's OffsetOutOfRangeException), or a partition has no committed offset and no
 * reset policy (NoOffsetForPartitionException: `offset` is null then). Seek the partitions to
 * continue.
 */
export class KafkaOffsetOutOfRangeError extends KafkaError {
  /** Each partition with the offset that was out of range (null: no committed offset to start from). */
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly offset: number | null }[];

  constructor(partitions: readonly { topic: string; partition: number; offset: number | null }[]) {
    const described = partitions.map((p) => (p.offset === null ? `${p.topic}-${p.partition} (no committed offset)` : `${p.topic}-${p.partition} at ${p.offset}`)).join(', ');
    super(`offsets out of range with no reset policy (autoOffsetReset 'none'): ${described}`, { code: 1, errorName: 'OFFSET_OUT_OF_RANGE', retriable: false });
    this.partitions = partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset }));
  }
}

/**
 * A record batch is larger than the fetch size allows and the broker is too old (Fetch before
 * v3) to return it anyway: raise `maxPartitionFetchBytes` (the Java client's RecordTooLargeException).
 */
export class KafkaRecordTooLargeError extends KafkaError {
  readonly topicPartition: TopicPartition;
  readonly offset: number;

  constructor(topicPartition: TopicPartition, offset: number, fetchSize: number) {
    super(
      `the record batch at offset ${offset} of ${topicPartition.topic}-${topicPartition.partition} is larger than the fetch size ${fetchSize}: raise maxPartitionFetchBytes`,
      { code: 10, errorName: 'MESSAGE_TOO_LARGE', retriable: false },
    );
    this.topicPartition = { topic: topicPartition.topic, partition: topicPartition.partition };
    this.offset = offset;
  }
}
