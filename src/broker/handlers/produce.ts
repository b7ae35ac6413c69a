/**
 * Produce: validates each partition's records (produce-validation.ts), applies the idempotent
 * producer rules (producer-state.ts), and appends the batch as received with its base offset,
 * leader epoch and, for LogAppendTime topics, the append time written in. acks 1 and -1 answer
 * once appended (every replica is in sync here); acks 0 gets no answer, and an error then closes
 * the connection, as Kafka does so that the producer notices.
 */
import {
  ErrorCode,
  Produce,
  type Input,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '../../protocol/index.js';
import { ATTRIBUTE_TRANSACTIONAL } from '../../records/constants.js';
import { BATCH, setBatchBaseOffset, setBatchLogAppendTime, setBatchPartitionLeaderEpoch } from '../../records/index.js';
import type { PartitionState, TopicState } from '../cluster-state.js';
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler, type RequestContext } from '../handler.js';
import { validateProduceRecords, type AcceptedBatch } from '../produce-validation.js';
import { lastSequenceOf } from '../producer-state.js';

type PartitionResponse = Input<ProduceResponsePartitionProduceResponse>;

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, errorMessage };
}

/** NOT_LEADER_OR_FOLLOWER, with the current leader from v10 (KIP-951). */
function notLeader(index: number, partition: PartitionState, version: number): PartitionResponse {
  const response = failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  return version >= 10 ? { ...response, currentLeader: { leaderId: partition.leader, leaderEpoch: partition.leaderEpoch } } : response;
}

/** Appends accepted batches (synchronously, so that concurrent producers cannot interleave). */
function append(partition: PartitionState, topic: TopicState, batches: readonly AcceptedBatch[], index: number, now: number): PartitionResponse {
  const log = partition.log;
  if (batches.length === 0) {
    return { index, errorCode: ErrorCode.NONE, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: BigInt(log.logStartOffset) };
  }
  const first = batches[0]!;
  if (first.producerId >= 0) {
    const check = partition.producers.check(first.producerId, first.producerEpoch, first.baseSequence, lastSequenceOf(first.baseSequence, first.lastOffsetDelta));
    if (check.outcome === 'error') return failed(index, check.errorCode, check.message);
    if (check.outcome === 'duplicate') {
      return {
        index,
        errorCode: ErrorCode.NONE,
        baseOffset: BigInt(check.firstOffset),
        logAppendTimeMs: BigInt(check.logAppendTime),
        logStartOffset: BigInt(log.logStartOffset),
      };
    }
  }
  const baseOffset = log.logEndOffset;
  const logAppendTime = topic.config.logAppendTime ? now : -1;
  const startBefore = log.logStartOffset;
  for (const batch of batches) {
    const offset = log.logEndOffset;
    setBatchBaseOffset(batch.bytes, offset);
    setBatchPartitionLeaderEpoch(batch.bytes, partition.leaderEpoch);
    if (logAppendTime >= 0) setBatchLogAppendTime(batch.bytes, logAppendTime);
    log.append({
      baseOffset: offset,
      lastOffset: offset + batch.lastOffsetDelta,
      bytes: batch.bytes,
      maxTimestamp: logAppendTime >= 0 ? logAppendTime : batch.maxTimestamp,
      leaderEpoch: partition.leaderEpoch,
    });
    if (batch.producerId >= 0) {
      partition.producers.record(batch.producerId, batch.producerEpoch, {
        firstSequence: batch.baseSequence,
        lastSequence: lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta),
        firstOffset: offset,
        lastOffset: offset + batch.lastOffsetDelta,
        logAppendTime,
      });
    }
  }
  if (log.logStartOffset !== startBefore) partition.producers.forgetBefore(log.logStartOffset);
  partition.notify();
  return { index, errorCode: ErrorCode.NONE, baseOffset: BigInt(baseOffset), logAppendTimeMs: BigInt(logAppendTime), logStartOffset: BigInt(log.logStartOffset) };
}

async function producePartition(
  request: ProduceRequest,
  topicName: string,
  index: number,
  records: Buffer | null,
  context: RequestContext,
): Promise<PartitionResponse> {
  const { cluster } = context.services;
  const topic = cluster.topic(topicName);
  const partition = topic?.partitions[index];
  if (!topic || !partition) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (partition.leader !== context.broker.id) return notLeader(index, partition, context.apiVersion);
  if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) return failed(index, ErrorCode.INVALID_REQUIRED_ACKS);
  const now = context.services.now();
  const validation = await validateProduceRecords(records, { apiVersion: context.apiVersion, config: topic.config, now, topic: topicName, partition: index });
  if (!validation.ok) {
    return {
      ...failed(index, validation.errorCode, validation.message),
      recordErrors: validation.recordErrors.map((error) => ({ batchIndex: error.batchIndex, batchIndexErrorMessage: error.message })),
    };
  }
  // Transactions are not served by this broker: no partition is ever part of one.
  if (validation.batches.some((batch) => batch.isTransactional)) return failed(index, ErrorCode.INVALID_TXN_STATE);
  // The topic may have been deleted, or leadership moved, while the records were decompressed.
  if (topic.deleted) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (partition.leader !== context.broker.id) return notLeader(index, partition, context.apiVersion);
  return append(partition, topic, validation.batches, index, now);
}

/** Whether the records start with a transactional record batch (magic 2). */
function hasTransactionalBatch(records: Buffer | null): boolean {
  return records !== null && records.length >= BATCH.headerSize && records[BATCH.magic] === 2 && (records.readInt16BE(BATCH.attributes) & ATTRIBUTE_TRANSACTIONAL) !== 0;
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  api: Produce,
  async handle(request, context) {
    const anyTransactional = request.topicData.some((topic) => topic.partitionData.some((partition) => hasTransactionalBatch(partition.records)));
    if (anyTransactional && request.transactionalId === null) {
      return this.errorResponse(request, context, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const responses = await Promise.all(
      request.topicData.map(async (topic) => ({
        name: topic.name,
        partitionResponses: await Promise.all(topic.partitionData.map((partition) => producePartition(request, topic.name, partition.index, partition.records, context))),
      })),
    );
    const errors = responses.flatMap((topic) => topic.partitionResponses).filter((partition) => partition.errorCode !== ErrorCode.NONE);
    if (request.acks === 0) return errors.length > 0 ? CLOSE_CONNECTION : NO_RESPONSE;
    const leaders = new Set<number>();
    for (const partition of errors) {
      const leaderId = partition.currentLeader?.leaderId;
      if (leaderId !== undefined && leaderId >= 0) leaders.add(leaderId);
    }
    const nodeEndpoints = [...leaders].flatMap((id) => {
      const broker = context.services.cluster.broker(id);
      return broker ? [{ nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack }] : [];
    });
    return { responses, nodeEndpoints: context.apiVersion >= 10 ? nodeEndpoints : [] };
  },
  expectsResponse(request) {
    return request.acks !== 0;
  },
  errorResponse(request, _context, errorCode) {
    return {
      responses: request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((partition) => failed(partition.index, errorCode)),
      })),
    };
  },
});
