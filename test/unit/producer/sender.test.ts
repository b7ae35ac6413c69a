/**
 * The sender against a scripted cluster that checks sequences as Kafka does: retries, leader
 * moves, disconnects, in-order retries with five requests in flight, idempotent recovery
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, DUPLICATE_SEQUENCE_NUMBER), per-record
 * errors, batch splitting, fatal errors, delivery timeouts, and fallback without InitProducerId.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaProducer, type ProducerOptions } from '../../../src/producer/index.js';
import { KafkaDeliveryTimeoutError } from '../../../src/producer/errors.js';
import { KafkaProtocolError } from '../../../src/protocol/errors.js';
import { waitFor } from '../../support/wait.js';
import { ScriptedKafka } from './scripted-kafka.js';

const NOT_LEADER_OR_FOLLOWER = 6;

describe('Sender', () => {
  let kafka: ScriptedKafka;
  const producers: KafkaProducer<unknown, unknown>[] = [];
  let topicNumber = 0;

  before(async () => {
    kafka = await ScriptedKafka.start(3, []);
  });
  afterEach(async () => {
    kafka.partitionFault = null;
    kafka.requestFault = null;
    kafka.initProducerIdAnswer = null;
    await Promise.all(producers.splice(0).map((producer) => producer.close({ timeoutMs: 0 })));
  });
  after(async () => {
    await kafka.close();
  });

  /** A fresh topic with partitions led by the given brokers. */
  function topic(leaders: number[]): string {
    const name = `topic-${++topicNumber}`;
    kafka.leaders.set(name, leaders);
    return name;
  }

  function producer(options: Partial<ProducerOptions<Buffer, string>> = {}): KafkaProducer<Buffer, string> {
    const created = new KafkaProducer<Buffer, string>({
      bootstrapServers: kafka.bootstrapServers,
      logLevel: 'silent',
      valueSerializer: 'string',
      retryBackoffMs: 10,
      retryBackoffMaxMs: 50,
      ...options,
    });
    producers.push(created as KafkaProducer<unknown, unknown>);
    return created;
  }

  it('assigns each partition its own sequences under one producer id, one batch per partition per request', async () => {
    const name = topic([1, 1]);
    const client = producer({ lingerMs: 50, batchSize: 100 });
    const values = Array.from({ length: 12 }, (_, i) => `value-${String(i).padStart(30, '0')}`);
    await Promise.all(values.map((value, i) => client.send(name, { value, partition: i % 2 })));
    const batches = kafka.arrived.filter((batch) => batch.topic === name);
    const producerId = client.metrics().producerId;
    assert.ok(producerId >= 1000);
    for (const partition of [0, 1]) {
      const mine = batches.filter((batch) => batch.partition === partition);
      assert.ok(mine.every((batch) => batch.producerId === producerId && batch.producerEpoch === 0));
      let expected = 0;
      for (const batch of mine) {
        assert.equal(batch.baseSequence, expected);
        expected += batch.recordCount;
      }
      assert.equal(expected, 6);
      assert.deepEqual(kafka.values(name, partition), values.filter((_, i) => i % 2 === partition));
    }
  });

  it('retries NOT_LEADER_OR_FOLLOWER after a metadata refresh and follows the partition to its new leader', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0 });
    await client.send(name, { value: 'first' });
    kafka.leaders.set(name, [2]);
    const moved = await client.send(name, { value: 'second' });
    assert.equal(moved.offset, 1);
    const arrivals = kafka.arrived.filter((batch) => batch.topic === name);
    assert.deepEqual(arrivals.map((batch) => [batch.brokerId, batch.baseSequence]), [[1, 0], [1, 1], [2, 1]]);
    assert.deepEqual(kafka.values(name, 0), ['first', 'second']);
    assert.equal(client.metrics().recordsRetried, 1);
  });

  it('retries a dropped connection with the same sequence, and the broker deduplicates a batch it had written', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0 });
    let drops = 0;
    // The broker writes the batch, then the connection drops before the answer.
    kafka.requestFault = (request) => {
      const data = (request.body as { topicData: { name: string }[] }).topicData;
      if (drops === 0 && data.some((entry) => entry.name === name)) {
        drops++;
        return 'close';
      }
      return undefined;
    };
    const first = client.send(name, { value: 'once' });
    assert.equal((await first).offset, 0);
    assert.equal(drops, 1);
    assert.deepEqual(kafka.values(name, 0), ['once']);
  });

  it('keeps records in order and exactly once when an early request of five in flight fails', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0, batchSize: 64 });
    await client.partitionsFor(name);
    let failed = false;
    kafka.partitionFault = ({ topic: faultTopic, batch }) => {
      if (faultTopic === name && !failed && batch.baseSequence === 2) {
        failed = true;
        return NOT_LEADER_OR_FOLLOWER;
      }
      return undefined;
    };
    // One record per batch (64-byte batches): many batches in flight at once.
    const values = Array.from({ length: 40 }, (_, i) => `record-${String(i).padStart(8, '0')}`);
    const results = await Promise.all(values.map((value) => client.send(name, { value })));
    assert.deepEqual(kafka.values(name, 0), values);
    assert.deepEqual(results.map((result) => result.offset), values.map((_, i) => i));
    // Batches after the failed one arrived out of sequence and were retried in order.
    assert.ok(kafka.arrived.filter((batch) => batch.topic === name).length > values.length);
  });

  it('bumps the epoch and renumbers from 0 when the broker lost the producer state (UNKNOWN_PRODUCER_ID)', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0 });
    await client.send(name, { value: 'a' });
    let injected = false;
    kafka.partitionFault = ({ topic: faultTopic }) => {
      if (faultTopic !== name || injected) return undefined;
      injected = true;
      return 59;
    };
    const second = await client.send(name, { value: 'b' });
    assert.equal(second.offset, 1);
    const arrivals = kafka.arrived.filter((batch) => batch.topic === name).map((batch) => [batch.producerEpoch, batch.baseSequence]);
    assert.deepEqual(arrivals, [[0, 0], [0, 1], [1, 0]]);
    assert.equal(client.metrics().producerEpoch, 1);
    const third = await client.send(name, { value: 'c' });
    assert.equal(third.offset, 2);
    assert.deepEqual(kafka.values(name, 0), ['a', 'b', 'c']);
  });

  it('bumps the epoch when the next expected batch is out of sequence, and other partitions follow when idle', async () => {
    const name = topic([1, 1]);
    const client = producer({ lingerMs: 0 });
    await client.send(name, { value: 'p0-a', partition: 0 });
    await client.send(name, { value: 'p1-a', partition: 1 });
    let injected = false;
    kafka.partitionFault = ({ topic: faultTopic, partition }) => {
      if (faultTopic !== name || partition !== 0 || injected) return undefined;
      injected = true;
      return 45;
    };
    await client.send(name, { value: 'p0-b', partition: 0 });
    await client.send(name, { value: 'p1-b', partition: 1 });
    const arrivals = kafka.arrived.filter((batch) => batch.topic === name).map((batch) => [batch.partition, batch.producerEpoch, batch.baseSequence]);
    assert.deepEqual(arrivals, [[0, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0], [1, 1, 0]]);
    assert.deepEqual(kafka.values(name, 0), ['p0-a', 'p0-b']);
    assert.deepEqual(kafka.values(name, 1), ['p1-a', 'p1-b']);
  });

  it('treats DUPLICATE_SEQUENCE_NUMBER as success without an offset', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0 });
    kafka.partitionFault = ({ topic: faultTopic }) => (faultTopic === name ? 46 : undefined);
    const result = await client.send(name, { value: 'dup' });
    assert.equal(result.offset, -1);
    assert.equal(client.metrics().recordsSent, 1);
  });

  it('fails exactly the records named in record_errors and delivers the rest of the batch', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 100 });
    await client.partitionsFor(name);
    let refused = false;
    kafka.partitionFault = ({ topic: faultTopic, records }) => {
      if (faultTopic !== name || refused || records.length !== 5) return undefined;
      refused = true;
      return { errorCode: 87, errorMessage: 'One or more records have been rejected', recordErrors: [{ batchIndex: 1, message: 'Compacted topic cannot accept message without key' }, { batchIndex: 3, message: null }] };
    };
    const sends = ['a', 'b', 'c', 'd', 'e'].map((value) => client.send(name, { value }));
    const outcomes = await Promise.allSettled(sends);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    const second = (outcomes[1] as PromiseRejectedResult).reason as KafkaProtocolError;
    assert.ok(second instanceof KafkaProtocolError);
    assert.equal(second.errorName, 'INVALID_RECORD');
    assert.equal(second.location?.topic, name);
    assert.equal(second.location?.partition, 0);
    assert.match(second.message, /Compacted topic cannot accept message without key/);
    assert.match(((outcomes[3] as PromiseRejectedResult).reason as Error).message, /One or more records have been rejected/);
    assert.deepEqual(kafka.values(name, 0), ['a', 'c', 'e']);
    assert.deepEqual(outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => (outcome as PromiseFulfilledResult<{ offset: number }>).value.offset), [0, 1, 2]);
    const arrivals = kafka.arrived.filter((batch) => batch.topic === name);
    assert.deepEqual(arrivals.map((batch) => [batch.recordCount, batch.baseSequence]), [[5, 0], [3, 0]]);
    assert.equal(client.metrics().recordsErrored, 2);
  });

  it('splits a batch the broker refuses as too large until the parts fit', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 100, batchSize: 4096, compressionType: 'gzip' });
    await client.partitionsFor(name);
    kafka.partitionFault = ({ topic: faultTopic, batch }) => (faultTopic === name && batch.recordCount > 2 ? 10 : undefined);
    const values = Array.from({ length: 9 }, (_, i) => `value-${i}-${'z'.repeat(50)}`);
    const results = await Promise.all(values.map((value) => client.send(name, { value })));
    assert.deepEqual(kafka.values(name, 0), values);
    assert.deepEqual(results.map((result) => result.offset), values.map((_, i) => i));
    const stored = kafka.arrived.filter((batch) => batch.topic === name && batch.recordCount <= 2);
    assert.equal(stored.reduce((sum, batch) => sum + batch.recordCount, 0), 9);
    let sequence = 0;
    for (const batch of stored) {
      assert.equal(batch.baseSequence, sequence);
      sequence += batch.recordCount;
    }
  });

  it('fails a batch with a fatal error naming topic and partition, and keeps the partition usable', async () => {
    const name = topic([1, 2]);
    const client = producer({ lingerMs: 0 });
    let injected = false;
    kafka.partitionFault = ({ topic: faultTopic, partition }) => {
      if (faultTopic !== name || partition !== 0 || injected) return undefined;
      injected = true;
      return 29; // TOPIC_AUTHORIZATION_FAILED
    };
    await assert.rejects(client.send(name, { value: 'refused', partition: 0 }), (error: unknown) => {
      assert.ok(error instanceof KafkaProtocolError);
      assert.equal(error.errorName, 'TOPIC_AUTHORIZATION_FAILED');
      assert.deepEqual([error.location?.topic, error.location?.partition, error.location?.apiName], [name, 0, 'Produce']);
      return true;
    });
    assert.equal((await client.send(name, { value: 'fine', partition: 1 })).offset, 0);
    // The refused batch's sequence was never used: the next batch reuses it.
    assert.equal((await client.send(name, { value: 'after', partition: 0 })).offset, 0);
    assert.deepEqual(
      kafka.arrived.filter((batch) => batch.topic === name && batch.partition === 0).map((batch) => batch.baseSequence),
      [0, 0],
    );
  });

  it('fails sends the broker never answers with KafkaDeliveryTimeoutError after deliveryTimeoutMs', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0, requestTimeoutMs: 150, deliveryTimeoutMs: 400 });
    await client.partitionsFor(name);
    kafka.requestFault = () => 'ignore';
    const started = performance.now();
    await assert.rejects(client.send(name, { value: 'lost' }), (error: unknown) => {
      assert.ok(error instanceof KafkaDeliveryTimeoutError);
      assert.equal(error.topic, name);
      assert.equal(error.partition, 0);
      assert.match(error.message, /1 record\(s\) for topic-\d+-0 not acknowledged within deliveryTimeoutMs \(400 ms\)/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 390 && elapsed < 5000, `failed after ${elapsed} ms`);
  });

  it('falls back to a non-idempotent producer when the cluster has no InitProducerId', async () => {
    const lines: string[] = [];
    const name = topic([1]);
    kafka.initProducerIdAnswer = () => ({ errorCode: 35 });
    const client = producer({
      lingerMs: 0,
      logLevel: 'warn',
      logger: { debug() {}, info() {}, warn: (message) => void lines.push(message), error: (message) => void lines.push(message) },
    });
    const result = await client.send(name, { value: 'plain' });
    assert.equal(result.offset, 0);
    assert.equal(kafka.arrived.filter((batch) => batch.topic === name)[0]!.producerId, -1);
    assert.ok(lines.some((line) => /does not support idempotent producing/.test(line)), lines.join('\n'));
  });

  it('sends batches needing an asynchronous codec in order (zstd)', async () => {
    const name = topic([1]);
    const client = producer({ lingerMs: 0, batchSize: 128, compressionType: 'zstd' });
    const values = Array.from({ length: 30 }, (_, i) => `zstd-${i}-${'q'.repeat(60)}`);
    await Promise.all(values.map((value) => client.send(name, { value })));
    assert.deepEqual(kafka.values(name, 0), values);
    assert.ok(kafka.arrived.filter((batch) => batch.topic === name).every((batch) => batch.compression === 4));
  });

  it('counts in-flight requests per broker and records latency', async () => {
    const name = topic([2]);
    const client = producer({ lingerMs: 0 });
    await client.send(name, { value: 'x' });
    await waitFor(() => client.metrics().brokers['2']?.requestsSent === 1, { what: 'broker 2 metrics' });
    const broker = client.metrics().brokers['2']!;
    assert.equal(broker.inFlightRequests, 0);
    assert.ok(broker.averageLatencyMs > 0);
  });
});
