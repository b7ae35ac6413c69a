/**
 * Building Produce requests from batches and matching their answers.
 */
import type { ApiDescriptor } from '../protocol/api.js';
import { Produce, type ProduceRequest, type ProduceResponse, type ProduceResponsePartitionProduceResponse } from '../protocol/generated/index.js';
import type { ProducerBatch } from './batch.js';

/** Bytes a request holds besides the batches, at most: in all, per topic (names aside), per partition. */
const REQUEST_OVERHEAD = 64;
const TOPIC_OVERHEAD = 8;
const PARTITION_OVERHEAD = 12;

export interface ProduceTopicData {
  readonly name: string;
  readonly partitionData: { readonly index: number; readonly records: Buffer }[];
}

/** The request's topics and partitions (in drain order) and the batches' total size. */
export function produceTopicData(batches: readonly ProducerBatch[]): { topicData: ProduceTopicData[]; bytes: number } {
  const topicData: ProduceTopicData[] = [];
  let bytes = 0;
  let last: ProduceTopicData | null = null;
  for (const batch of batches) {
    const records = batch.bytes!;
    bytes += records.length;
    if (last === null || last.name !== batch.topic) last = topicData.find((entry) => entry.name === batch.topic) ?? null;
    if (last === null) {
      last = { name: batch.topic, partitionData: [] };
      topicData.push(last);
    }
    last.partitionData.push({ index: batch.partition, records });
  }
  return { topicData, bytes };
}

/**
 * Produce, encoded into a buffer of the request's size allocated once (the generic encoder grows
 * its buffer by doubling from 256 bytes: a dozen copies for 1 MiB, and up to twice the memory).
 */
export function presizedProduce(topicData: readonly ProduceTopicData[], batchBytes: number): ApiDescriptor<ProduceRequest, ProduceResponse> {
  let names = 0;
  // UTF-8 takes at most three bytes per UTF-16 unit.
  for (const topic of topicData) names += topic.name.length * 3;
  let partitions = 0;
  for (const topic of topicData) partitions += topic.partitionData.length;
  const size = batchBytes + REQUEST_OVERHEAD + names + topicData.length * TOPIC_OVERHEAD + partitions * PARTITION_OVERHEAD;
  return {
    ...Produce,
    encodeRequest(writer, version, request) {
      const needed = writer.offset + size;
      if (writer.buffer.length < needed) {
        const buffer = Buffer.allocUnsafe(needed);
        writer.buffer.copy(buffer, 0, 0, writer.offset);
        writer.buffer = buffer;
      }
      Produce.encodeRequest(writer, version, request);
    },
  };
}

type AnswerFinder = (topic: string, partition: number) => ProduceResponsePartitionProduceResponse | undefined;

/** Finds a partition's answer in a response: by scanning when it is small (the usual case), else by maps. */
export function answerFinder(response: ProduceResponse): AnswerFinder {
  const topics = response.responses;
  let count = 0;
  for (const topic of topics) count += topic.partitionResponses.length;
  if (count <= 16) {
    return (name, partition) => {
      for (const topic of topics) {
        if (topic.name !== name) continue;
        for (const answer of topic.partitionResponses) if (answer.index === partition) return answer;
      }
      return undefined;
    };
  }
  const byTopic = new Map<string, Map<number, ProduceResponsePartitionProduceResponse>>();
  for (const topic of topics) {
    let partitions = byTopic.get(topic.name);
    if (partitions === undefined) {
      partitions = new Map();
      byTopic.set(topic.name, partitions);
    }
    for (const answer of topic.partitionResponses) partitions.set(answer.index, answer);
  }
  return (name, partition) => byTopic.get(name)?.get(partition);
}

