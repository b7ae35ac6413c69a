/**
 * The consumer's fetching against a scripted broker (real sockets, responses encoded with the
 * generated codecs, record bytes built with src/records). Neither librdkafka's mock nor the
 * embedded broker keeps transactions (the mock lists no aborted transactions, the embedded broker
 * refuses transactional batches), so read_committed is shown here: a log with an aborted and a
 * committed transaction, their markers, and the aborted-transaction list a broker sends.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { buildEndTransactionMarkerBatch } from '../../../src/records/control.js';
import type { FetchRequest } from '../../../src/protocol/generated/index.js';
import { KafkaConsumer } from '../../../src/consumer/index.js';
import { ScriptedBroker, advertise, selfMetadata, type ScriptedRequest } from '../cluster/scripted-broker.js';

const TOPIC = 'txn';
const LEADER_EPOCH = 5;
const PRODUCER = 7;

function transactional(baseOffset: number, values: readonly string[], producerId = PRODUCER): Buffer {
  const builder = new RecordBatchBuilder({ baseOffset, producerId, producerEpoch: 0, baseSequence: baseOffset, isTransactional: producerId >= 0, partitionLeaderEpoch: LEADER_EPOCH });
  for (const value of values) builder.append({ value, timestamp: 1_700_000_000_000 });
  return builder.closeSync();
}

function plain(baseOffset: number, values: readonly string[]): Buffer {
  const builder = new RecordBatchBuilder({ baseOffset, partitionLeaderEpoch: LEADER_EPOCH });
  for (const value of values) builder.append({ value, timestamp: 1_700_000_000_000 });
  return builder.closeSync();
}

/**
 * The log: offsets 0-1 an aborted transaction, 2 a plain record, 3 its ABORT marker, 4-5 a
 * committed transaction, 6 its COMMIT marker, 7 a plain record.
 */
const LOG = Buffer.concat([
  transactional(0, ['aborted-1', 'aborted-2']),
  plain(2, ['plain-1']),
  buildEndTransactionMarkerBatch({ type: 'abort', producerId: PRODUCER, producerEpoch: 0, coordinatorEpoch: 1, offset: 3, partitionLeaderEpoch: LEADER_EPOCH }),
  transactional(4, ['committed-1', 'committed-2']),
  buildEndTransactionMarkerBatch({ type: 'commit', producerId: PRODUCER, producerEpoch: 0, coordinatorEpoch: 1, offset: 6, partitionLeaderEpoch: LEADER_EPOCH }),
  plain(7, ['plain-2']),
]);
const LOG_END = 8;

describe('fetching against a scripted broker', () => {
  let broker: ScriptedBroker;

  before(async () => {
    broker = await ScriptedBroker.start({ ApiVersions: advertise({ Metadata: [0, 9], Fetch: [4, 12], ListOffsets: [1, 5] }) });
    broker.handlers.Metadata = selfMetadata(broker, 1, [
      { errorCode: 0, name: TOPIC, isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: LEADER_EPOCH, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] },
    ]);
    broker.handlers.ListOffsets = (request) => {
      const body = request.body as { topics: { name: string; partitions: { partitionIndex: number; timestamp: bigint }[] }[] };
      return {
        response: {
          topics: body.topics.map((topic) => ({
            name: topic.name,
            partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: 0, timestamp: -1n, offset: partition.timestamp === -2n ? 0n : BigInt(LOG_END), leaderEpoch: LEADER_EPOCH })),
          })),
        },
      };
    };
    broker.handlers.Fetch = async (request: ScriptedRequest) => {
      const body = request.body as FetchRequest;
      const partition = body.topics[0]?.partitions[0];
      const offset = partition === undefined ? LOG_END : Number(partition.fetchOffset);
      const readCommitted = body.isolationLevel === 1;
      if (offset >= LOG_END) {
        // A long poll with nothing new: answer after maxWaitMs, as a broker does.
        await new Promise((resolve) => setTimeout(resolve, body.maxWaitMs));
      }
      return {
        response: {
          errorCode: 0,
          sessionId: 0,
          responses: body.topics.map((topic) => ({
            topic: topic.topic,
            partitions: topic.partitions.map((entry) => ({
              partitionIndex: entry.partition,
              errorCode: 0,
              highWatermark: BigInt(LOG_END),
              lastStableOffset: BigInt(LOG_END),
              logStartOffset: 0n,
              abortedTransactions: readCommitted ? [{ producerId: BigInt(PRODUCER), firstOffset: 0n }] : null,
              records: offset < LOG_END ? LOG : Buffer.alloc(0),
            })),
          })),
        },
      };
    };
  });
  after(async () => {
    await broker?.close();
  });

  for (const isolationLevel of ['read_committed', 'read_uncommitted'] as const) {
    it(`${isolationLevel}: ${isolationLevel === 'read_committed' ? 'aborted records and markers are skipped' : 'every data record is returned, markers are skipped'}; the position ends after the last batch`, async () => {
      const consumer = new KafkaConsumer({ bootstrapServers: broker.address, isolationLevel, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50, logLevel: 'silent', valueDeserializer: 'string' });
      const fetchesBefore = broker.requestsOf('Fetch').length;
      try {
        consumer.assign([{ topic: TOPIC, partition: 0 }]);
        const values: (string | null)[] = [];
        const offsets: number[] = [];
        const expected = isolationLevel === 'read_committed' ? 4 : 6;
        while (values.length < expected) {
          for (const record of await consumer.poll({ timeoutMs: 5000 })) {
            values.push(record.value);
            offsets.push(record.offset);
            assert.equal(record.leaderEpoch, LEADER_EPOCH);
          }
        }
        if (isolationLevel === 'read_committed') {
          assert.deepEqual(values, ['plain-1', 'committed-1', 'committed-2', 'plain-2']);
          assert.deepEqual(offsets, [2, 4, 5, 7]);
        } else {
          assert.deepEqual(values, ['aborted-1', 'aborted-2', 'plain-1', 'committed-1', 'committed-2', 'plain-2']);
          assert.deepEqual(offsets, [0, 1, 2, 4, 5, 7]);
        }
        assert.equal((await consumer.poll({ timeoutMs: 200 })).count, 0);
        assert.equal(await consumer.position({ topic: TOPIC, partition: 0 }), LOG_END);
        assert.equal(consumer.currentLag({ topic: TOPIC, partition: 0 }), 0);
      } finally {
        await consumer.close();
      }
      const fetches = broker.requestsOf('Fetch').slice(fetchesBefore).map((request) => request.body as FetchRequest);
      assert.ok(fetches.length >= 2);
      for (const fetch of fetches) {
        assert.equal(fetch.isolationLevel, isolationLevel === 'read_committed' ? 1 : 0);
        assert.equal(fetch.topics[0]!.partitions[0]!.currentLeaderEpoch, LEADER_EPOCH, 'the leader epoch from the metadata');
      }
      // Nothing was fetched twice from the same offset except long polls at the end.
      assert.deepEqual(fetches.map((fetch) => Number(fetch.topics[0]!.partitions[0]!.fetchOffset)).filter((offset) => offset < LOG_END), [0]);
    });
  }
});
