/**
 * A small scripted Kafka cluster for producer unit tests, over real sockets: brokers built on the
 * cluster tests' ScriptedBroker, answering ApiVersions, Metadata, InitProducerId and Produce.
 * Produce appends to in-memory partition logs with the broker's rules for idempotent producers
 * (per producer id: epoch fencing, a new epoch starts at sequence 0, sequences must follow, a
 * retry of one of the last five batches is answered with its first offset), so tests see exactly
 * what a broker would have stored. Tests inject faults per partition or per request.
 */
import type { Input } from '../../../src/protocol/api.js';
import type { ProduceRequest, ProduceResponse } from '../../../src/protocol/generated/index.js';
import { readRecordBatches } from '../../../src/records/record-set.js';
import { ScriptedBroker, advertise, type ScriptedAnswer, type ScriptedRequest } from '../cluster/scripted-broker.js';

export interface StoredRecord {
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { key: string; value: Buffer | null }[];
  readonly timestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly sequence: number;
}

/** What a stored batch looked like on arrival, for tests that check producer state. */
export interface ArrivedBatch {
  readonly brokerId: number;
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
  readonly compression: number;
  readonly sizeInBytes: number;
}

/** An injected partition outcome: an error code, or one with per-record errors. */
export type PartitionFault = number | { errorCode: number; recordErrors?: { batchIndex: number; message: string | null }[]; errorMessage?: string };

export interface FaultContext {
  readonly brokerId: number;
  readonly topic: string;
  readonly partition: number;
  readonly batch: ArrivedBatch;
  readonly records: readonly { key: Buffer | null; value: Buffer | null }[];
}

interface ProducerEntry {
  epoch: number;
  lastSequence: number;
  recent: { first: number; last: number; offset: number }[];
}

const NOT_LEADER_OR_FOLLOWER = 6;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const INVALID_PRODUCER_EPOCH = 47;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;

export class ScriptedKafka {
  readonly logs = new Map<string, StoredRecord[]>();
  readonly arrived: ArrivedBatch[] = [];
  /** Leader broker id per partition, by topic. */
  readonly leaders = new Map<string, number[]>();
  /** Topics Metadata reports with this error instead. */
  readonly topicErrors = new Map<string, number>();
  /** Called for each partition of each Produce request; a fault replaces the normal outcome. */
  partitionFault: ((context: FaultContext) => PartitionFault | undefined) | null = null;
  /** Called for each Produce request; 'close' drops the connection, 'ignore' never answers. */
  requestFault: ((request: ScriptedRequest, brokerId: number) => 'close' | 'ignore' | Promise<'close' | 'ignore' | undefined> | undefined) | null = null;
  /** Producer ids InitProducerId hands out. */
  private nextProducerId = 1000;
  private readonly producers = new Map<string, Map<number, ProducerEntry>>();
  initProducerIdAnswer: (() => { errorCode: number }) | null = null;

  private constructor(readonly brokers: ScriptedBroker[]) {}

  static async start(brokerCount: number, topics: readonly { name: string; partitions: number }[], produceVersions: readonly [number, number] = [3, 9]): Promise<ScriptedKafka> {
    const brokers: ScriptedBroker[] = [];
    for (let i = 0; i < brokerCount; i++) brokers.push(await ScriptedBroker.start({}));
    const kafka = new ScriptedKafka(brokers);
    for (const topic of topics) kafka.leaders.set(topic.name, Array.from({ length: topic.partitions }, (_, index) => (index % brokerCount) + 1));
    brokers.forEach((broker, index) => {
      const brokerId = index + 1;
      broker.handlers.ApiVersions = advertise({ ApiVersions: [0, 3], Metadata: [0, 12], Produce: produceVersions, InitProducerId: [0, 4] });
      broker.handlers.Metadata = () => ({ response: kafka.metadata() });
      broker.handlers.InitProducerId = () => {
        const override = kafka.initProducerIdAnswer?.();
        if (override !== undefined && override.errorCode !== 0) return { response: { errorCode: override.errorCode, producerId: -1n, producerEpoch: -1 } };
        return { response: { errorCode: 0, producerId: BigInt(kafka.nextProducerId++), producerEpoch: 0 } };
      };
      broker.handlers.Produce = (request) => kafka.produce(request, brokerId);
    });
    return kafka;
  }

  get bootstrapServers(): string {
    return this.brokers.map((broker) => broker.address).join(',');
  }

  log(topic: string, partition: number): StoredRecord[] {
    const key = `${topic}-${partition}`;
    let log = this.logs.get(key);
    if (log === undefined) {
      log = [];
      this.logs.set(key, log);
    }
    return log;
  }

  /** The values stored in a partition, as UTF-8 text. */
  values(topic: string, partition: number): string[] {
    return this.log(topic, partition).map((record) => record.value?.toString('utf8') ?? '<null>');
  }

  async close(): Promise<void> {
    await Promise.all(this.brokers.map((broker) => broker.close()));
  }

  private metadata(): Input<unknown> {
    return {
      brokers: this.brokers.map((broker, index) => ({ nodeId: index + 1, host: '127.0.0.1', port: broker.port, rack: null })),
      clusterId: 'scripted-kafka',
      controllerId: 1,
      topics: [
        ...[...this.leaders].map(([name, leaders]) => ({
          errorCode: this.topicErrors.get(name) ?? 0,
          name,
          isInternal: false,
          partitions: (this.topicErrors.has(name) ? [] : leaders).map((leader, index) => ({
            errorCode: 0,
            partitionIndex: index,
            leaderId: leader,
            leaderEpoch: 0,
            replicaNodes: [leader],
            isrNodes: [leader],
            offlineReplicas: [],
          })),
        })),
        ...[...this.topicErrors].filter(([name]) => !this.leaders.has(name)).map(([name, errorCode]) => ({ errorCode, name, isInternal: false, partitions: [] })),
      ],
    };
  }

  private async produce(request: ScriptedRequest, brokerId: number): Promise<ScriptedAnswer> {
    const fault = await this.requestFault?.(request, brokerId);
    if (fault === 'close' || fault === 'ignore') return fault;
    const body = request.body as ProduceRequest;
    const responses: NonNullable<Input<ProduceResponse>['responses']>[number][] = [];
    for (const topic of body.topicData) {
      const partitionResponses = [];
      for (const partition of topic.partitionData) {
        partitionResponses.push(this.producePartition(brokerId, topic.name, partition.index, partition.records!));
      }
      responses.push({ name: topic.name, partitionResponses });
    }
    if (body.acks === 0) return 'ignore';
    return { response: { responses, throttleTimeMs: 0 } };
  }

  private producePartition(brokerId: number, topic: string, partition: number, records: Buffer) {
    const answer = (errorCode: number, baseOffset = -1, extra: { recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[]; errorMessage?: string | null } = {}) => ({
      index: partition,
      errorCode,
      baseOffset: BigInt(baseOffset),
      logAppendTimeMs: -1n,
      logStartOffset: 0n,
      recordErrors: extra.recordErrors ?? [],
      errorMessage: extra.errorMessage ?? null,
    });
    const leaders = this.leaders.get(topic);
    if (leaders === undefined || partition >= leaders.length) return answer(UNKNOWN_TOPIC_OR_PARTITION);
    const [batch] = readRecordBatches(records).batches;
    const decoded = batch!.recordsSync();
    const arrived: ArrivedBatch = {
      brokerId,
      topic,
      partition,
      producerId: batch!.producerId,
      producerEpoch: batch!.producerEpoch,
      baseSequence: batch!.baseSequence,
      recordCount: decoded.length,
      compression: batch!.compression,
      sizeInBytes: batch!.sizeInBytes,
    };
    this.arrived.push(arrived);
    if (leaders[partition] !== brokerId) return answer(NOT_LEADER_OR_FOLLOWER);
    const fault = this.partitionFault?.({ brokerId, topic, partition, batch: arrived, records: decoded.map((record) => ({ key: record.key, value: record.value })) });
    if (fault !== undefined) {
      if (typeof fault === 'number') return answer(fault);
      return answer(fault.errorCode, -1, {
        recordErrors: (fault.recordErrors ?? []).map((error) => ({ batchIndex: error.batchIndex, batchIndexErrorMessage: error.message })),
        errorMessage: fault.errorMessage ?? null,
      });
    }
    const log = this.log(topic, partition);
    const lastSequence = arrived.baseSequence + arrived.recordCount - 1;
    if (arrived.producerId >= 0) {
      const key = `${topic}-${partition}`;
      let table = this.producers.get(key);
      if (table === undefined) {
        table = new Map();
        this.producers.set(key, table);
      }
      const entry = table.get(arrived.producerId);
      if (entry !== undefined) {
        if (arrived.producerEpoch < entry.epoch) return answer(INVALID_PRODUCER_EPOCH);
        if (arrived.producerEpoch > entry.epoch) {
          if (arrived.baseSequence !== 0) return answer(OUT_OF_ORDER_SEQUENCE_NUMBER);
        } else {
          const duplicate = entry.recent.find((recent) => recent.first === arrived.baseSequence && recent.last === lastSequence);
          if (duplicate !== undefined) return answer(0, duplicate.offset);
          if (arrived.baseSequence !== entry.lastSequence + 1) return answer(OUT_OF_ORDER_SEQUENCE_NUMBER);
        }
      }
    }
    const baseOffset = log.length;
    decoded.forEach((record, index) => {
      log.push({
        offset: baseOffset + index,
        key: record.key === null ? null : Buffer.from(record.key),
        value: record.value === null ? null : Buffer.from(record.value),
        headers: record.headers.map((header) => ({ key: header.key, value: header.value === null ? null : Buffer.from(header.value) })),
        timestamp: record.timestamp,
        producerId: arrived.producerId,
        producerEpoch: arrived.producerEpoch,
        sequence: arrived.baseSequence < 0 ? -1 : arrived.baseSequence + index,
      });
    });
    if (arrived.producerId >= 0) {
      const table = this.producers.get(`${topic}-${partition}`)!;
      const entry = table.get(arrived.producerId);
      const recent = { first: arrived.baseSequence, last: lastSequence, offset: baseOffset };
      if (entry === undefined || arrived.producerEpoch > entry.epoch) {
        table.set(arrived.producerId, { epoch: arrived.producerEpoch, lastSequence, recent: [recent] });
      } else {
        entry.lastSequence = lastSequence;
        entry.recent.push(recent);
        if (entry.recent.length > 5) entry.recent.shift();
      }
    }
    return answer(0, baseOffset);
  }

  /** Forgets every producer's state (as a broker does when retention removed its batches). */
  forgetProducers(): void {
    this.producers.clear();
  }
}
