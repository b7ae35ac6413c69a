/**
 * KafkaProducer's API against a scripted cluster over real sockets: results, ordering, batching,
 * serializers, headers, flush, close, backpressure (bufferMemory / maxBlockMs), AbortSignal,
 * unknown topics, acks=0, and that failed sends never become unhandled rejections.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaProducer, type ProducerOptions } from '../../../src/producer/index.js';
import { KafkaRecordTooLargeToSendError } from '../../../src/producer/errors.js';
import { KafkaAbortError, KafkaBufferExhaustedError, KafkaInvalidArgumentError, KafkaProtocolError, KafkaStateError } from '../../../src/protocol/errors.js';
import { waitFor } from '../../support/wait.js';
import { ScriptedKafka } from './scripted-kafka.js';

describe('KafkaProducer', () => {
  let kafka: ScriptedKafka;
  const producers: KafkaProducer<unknown, unknown>[] = [];

  before(async () => {
    kafka = await ScriptedKafka.start(2, [
      { name: 'orders', partitions: 4 },
      { name: 'single', partitions: 1 },
    ]);
  });
  afterEach(async () => {
    kafka.partitionFault = null;
    kafka.requestFault = null;
    await Promise.all(producers.splice(0).map((producer) => producer.close({ timeoutMs: 0 })));
  });
  after(async () => {
    await kafka.close();
  });

  function producer<K = Buffer, V = Buffer>(options: Partial<ProducerOptions<K, V>> = {}): KafkaProducer<K, V> {
    const created = new KafkaProducer<K, V>({ bootstrapServers: kafka.bootstrapServers, logLevel: 'silent', ...options });
    producers.push(created as KafkaProducer<unknown, unknown>);
    return created;
  }

  it('resolves each send with topic, partition, offset and timestamp once acknowledged, in order per partition', async () => {
    const client = producer<string, string>({ keySerializer: 'string', valueSerializer: 'string', lingerMs: 20 });
    const sends = Array.from({ length: 40 }, (_, i) => client.send('single', { key: `k${i}`, value: `v${i}`, timestamp: 1_700_000_000_000 + i }));
    const results = await Promise.all(sends);
    assert.deepEqual(
      results.map((result) => [result.topic, result.partition, result.offset, result.timestamp]),
      Array.from({ length: 40 }, (_, i) => ['single', 0, i, 1_700_000_000_000 + i]),
    );
    assert.deepEqual(kafka.values('single', 0).slice(0, 40), Array.from({ length: 40 }, (_, i) => `v${i}`));
    const stored = kafka.log('single', 0)[7]!;
    assert.equal(stored.key?.toString(), 'k7');
    assert.equal(stored.timestamp, 1_700_000_000_007);
    const metrics = client.metrics();
    assert.equal(metrics.recordsSent, 40);
    assert.equal(metrics.recordsErrored, 0);
    assert.equal(metrics.bufferAvailableBytes, metrics.bufferTotalBytes);
  });

  it('puts keyed records on murmur2 partitions and writes headers, null keys and tombstones', async () => {
    const client = producer();
    const before = kafka.log('orders', 0).length + kafka.log('orders', 1).length + kafka.log('orders', 2).length + kafka.log('orders', 3).length;
    const keyed = await client.send('orders', { key: Buffer.from('user-1'), value: Buffer.from('a'), headers: { trace: 'x1', bin: Buffer.from([0, 1, 2]), none: null } });
    // (murmur2('user-1') & 0x7fffffff) % 4, computed by kafka-python: 0.
    assert.equal(keyed.partition, 0);
    const stored = kafka.log('orders', 0)[keyed.offset]!;
    assert.deepEqual(
      stored.headers.map((header) => [header.key, header.value === null ? null : [...header.value]]),
      [['trace', [...Buffer.from('x1')]], ['bin', [0, 1, 2]], ['none', null]],
    );
    const tombstone = await client.send('orders', { key: Buffer.from('user-1'), value: null, headers: [{ key: 'h', value: 'a' }, { key: 'h', value: 'b' }] });
    assert.equal(tombstone.partition, 0);
    const storedTombstone = kafka.log('orders', 0)[tombstone.offset]!;
    assert.equal(storedTombstone.value, null);
    assert.deepEqual(storedTombstone.headers.map((header) => `${header.key}=${header.value?.toString()}`), ['h=a', 'h=b']);
    const keyless = await client.send('orders', { value: Buffer.from('no key') });
    assert.equal(kafka.log('orders', keyless.partition)[keyless.offset]!.key, null);
    const total = kafka.log('orders', 0).length + kafka.log('orders', 1).length + kafka.log('orders', 2).length + kafka.log('orders', 3).length;
    assert.equal(total - before, 3);
  });

  it('honours an explicit partition and a custom partitioner (given serialized and original key and value)', async () => {
    const seen: unknown[] = [];
    const client = producer<{ id: number }, string>({
      keySerializer: 'json',
      valueSerializer: 'string',
      partitioner: (input) => {
        seen.push([input.topic, input.key, input.keyBytes?.toString(), input.value, input.valueBytes?.toString(), input.partitions.length, input.availablePartitions.length]);
        return 3;
      },
    });
    const custom = await client.send('orders', { key: { id: 7 }, value: 'seven' });
    assert.equal(custom.partition, 3);
    assert.deepEqual(seen, [['orders', { id: 7 }, '{"id":7}', 'seven', 'seven', 4, 4]]);
    const explicit = await client.send('orders', { key: { id: 7 }, value: 'eight', partition: 1 });
    assert.equal(explicit.partition, 1);
    assert.equal(seen.length, 1, 'an explicit partition skips the partitioner');
  });

  it('batches by batchSize and lingerMs: records wait for linger, flush sends them at once', async () => {
    const client = producer<Buffer, string>({ valueSerializer: 'string', lingerMs: 60_000, batchSize: 200 });
    const start = kafka.log('single', 0).length;
    const arrivedBefore = kafka.arrived.length;
    const sends = Array.from({ length: 10 }, (_, i) => client.send('single', { value: `record-${String(i).padStart(20, '0')}` }));
    // Full batches go at once; the last, partial one waits for its linger.
    await waitFor(() => kafka.log('single', 0).length - start >= 8, { what: 'full batches' });
    const full = kafka.log('single', 0).length - start;
    assert.ok(full < 10, `only full batches were sent (${full})`);
    await client.flush();
    assert.equal(kafka.log('single', 0).length - start, 10);
    await Promise.all(sends);
    const batches = kafka.arrived.slice(arrivedBefore).filter((batch) => batch.topic === 'single');
    assert.ok(batches.length >= 2, 'several batches');
    for (const batch of batches) assert.ok(batch.sizeInBytes <= 200 || batch.recordCount === 1, `batch of ${batch.sizeInBytes} bytes`);
  });

  it('rejects bad input with typed errors and loses nothing else', async () => {
    const client = producer<Buffer, unknown>({ valueSerializer: (value) => (typeof value === 'number' ? String(value) : (value as Buffer)) });
    await assert.rejects(client.send('', { value: 1 }), KafkaInvalidArgumentError);
    await assert.rejects(client.send('single', { value: 1, partition: -1 }), /partition must be a non-negative integer/);
    await assert.rejects(client.send('single', { value: 1, timestamp: 1.5 }), /timestamp must be a non-negative safe integer/);
    await assert.rejects(client.send('single', { value: 1, headers: [{ key: 3 }] as never }), /headers given as an array/);
    const strict = producer();
    await assert.rejects(strict.send('single', { value: { not: 'bytes' } as never }), /the value must be a Buffer, Uint8Array, string or null/);
    const ok = await client.send('single', { value: 42 });
    assert.equal(kafka.log('single', 0)[ok.offset]!.value!.toString(), '42');
  });

  it('rejects a record larger than maxRequestSize or bufferMemory before sending it', async () => {
    const client = producer({ maxRequestSize: 1000, bufferMemory: 5000 });
    const arrived = kafka.arrived.length;
    await assert.rejects(client.send('single', { value: Buffer.alloc(1000) }), (error: unknown) => {
      assert.ok(error instanceof KafkaRecordTooLargeToSendError);
      assert.equal(error.errorName, 'MESSAGE_TOO_LARGE');
      assert.equal(error.topic, 'single');
      assert.match(error.message, /the record is 1\d{3} bytes when serialized, larger than maxRequestSize \(1000\)/);
      return true;
    });
    const roomy = producer({ bufferMemory: 5000 });
    await assert.rejects(roomy.send('single', { value: Buffer.alloc(6000) }), /larger than bufferMemory \(5000\)/);
    assert.equal(kafka.arrived.length, arrived);
  });

  it('with acks=0 resolves once written, with offset -1', async () => {
    const client = producer({ acks: 0 });
    const start = kafka.log('single', 0).length;
    const result = await client.send('single', { value: Buffer.from('fire') });
    assert.equal(result.offset, -1);
    await waitFor(() => kafka.log('single', 0).length === start + 1, { what: 'the record stored' });
  });

  it('makes sends wait for buffer memory, fails them after maxBlockMs, and delivers everything buffered once the broker answers', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    kafka.requestFault = async () => {
      await stalled;
      return undefined;
    };
    const client = producer({ bufferMemory: 4096, batchSize: 1024, lingerMs: 0, maxBlockMs: 300, enableIdempotence: false, acks: 1 });
    await client.partitionsFor('single');
    const start = kafka.log('single', 0).length;
    const value = Buffer.alloc(900, 1);
    // Each 900-byte record needs its own 1 KiB batch: four fit in 4 KiB.
    const buffered = Array.from({ length: 4 }, () => client.send('single', { value }));
    assert.equal(client.metrics().bufferAvailableBytes, 0);
    const blocked = client.send('single', { value });
    const aborter = new AbortController();
    const aborted = client.send('single', { value }, { signal: aborter.signal });
    assert.equal(client.metrics().waitingSends, 2);
    aborter.abort();
    await assert.rejects(aborted, KafkaAbortError);
    await assert.rejects(blocked, (error: unknown) => {
      assert.ok(error instanceof KafkaBufferExhaustedError);
      assert.match(error.message, /within maxBlockMs \(300 ms\)/);
      return true;
    });
    assert.equal(client.metrics().bufferAvailableBytes, 0, 'the buffered records still hold the memory');
    release();
    const results = await Promise.all(buffered);
    assert.deepEqual(results.map((result) => result.offset - results[0]!.offset), [0, 1, 2, 3]);
    assert.equal(kafka.log('single', 0).length - start, 4);
    assert.equal(client.metrics().bufferAvailableBytes, 4096);
  });

  it('waits for a topic that does not exist yet, then fails with UNKNOWN_TOPIC_OR_PARTITION after maxBlockMs', async () => {
    const client = producer({ maxBlockMs: 250, retryBackoffMs: 20, retryBackoffMaxMs: 50 });
    kafka.topicErrors.set('missing', 3);
    try {
      await assert.rejects(client.send('missing', { value: Buffer.from('x') }), (error: unknown) => {
        assert.ok(error instanceof KafkaProtocolError);
        assert.equal(error.errorName, 'UNKNOWN_TOPIC_OR_PARTITION');
        assert.match(error.message, /missing.*topic not present in metadata after 250 ms/);
        return true;
      });
      // The topic appears while a send waits: it is delivered.
      const waiting = client.send('missing', { value: Buffer.from('late') });
      kafka.topicErrors.delete('missing');
      kafka.leaders.set('missing', [1]);
      const result = await waiting;
      assert.deepEqual([result.topic, result.partition, result.offset], ['missing', 0, 0]);
    } finally {
      kafka.topicErrors.delete('missing');
    }
  });

  it('fails the sends of a topic the broker refuses for good at once (TOPIC_AUTHORIZATION_FAILED)', async () => {
    kafka.topicErrors.set('forbidden', 29);
    try {
      const client = producer({ maxBlockMs: 60_000 });
      await assert.rejects(client.send('forbidden', { value: Buffer.from('x') }), (error: unknown) => {
        assert.ok(error instanceof KafkaProtocolError);
        assert.equal(error.errorName, 'TOPIC_AUTHORIZATION_FAILED');
        assert.equal(error.location?.topic, 'forbidden');
        return true;
      });
    } finally {
      kafka.topicErrors.delete('forbidden');
    }
  });

  it('never lets an ignored failed send become an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      kafka.partitionFault = ({ topic }) => (topic === 'single' ? 87 : undefined);
      const client = producer({ lingerMs: 0 });
      // Fire and forget: nobody awaits these.
      for (let i = 0; i < 5; i++) void client.send('single', { value: Buffer.from(`lost-${i}`) });
      void client.send('', { value: Buffer.from('bad topic') });
      await client.flush();
      assert.equal(client.metrics().recordsErrored, 5);
      // Unhandled rejections are reported after the microtask queue drains: give it a macrotask.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('close() delivers what was sent, then refuses sends; close({ timeoutMs: 0 }) fails what remains', async () => {
    const client = producer({ lingerMs: 60_000 });
    const start = kafka.log('single', 0).length;
    const sent = client.send('single', { value: Buffer.from('before close') });
    await client.close();
    assert.equal((await sent).offset, start);
    await assert.rejects(client.send('single', { value: Buffer.from('after') }), KafkaStateError);
    await assert.rejects(client.flush(), KafkaStateError);

    kafka.requestFault = () => 'ignore';
    const stuck = producer({ lingerMs: 0, requestTimeoutMs: 60_000 });
    const pending = stuck.send('single', { value: Buffer.from('never answered') });
    await waitFor(() => stuck.metrics().inFlightRequests === 1, { what: 'the request in flight' });
    await stuck.close({ timeoutMs: 0 });
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof KafkaStateError);
      assert.match(error.message, /closed before the record was delivered/);
      return true;
    });
  });

  it('serializes with the string and json serializers and custom Serializer objects', async () => {
    const client = producer<string, { n: number }>({ keySerializer: 'string', valueSerializer: { serialize: (_topic, data) => Buffer.from(`n=${data.n}`) } });
    const result = await client.send('single', { key: 'ключ', value: { n: 5 } });
    const stored = kafka.log('single', 0)[result.offset]!;
    assert.equal(stored.key?.toString('utf8'), 'ключ');
    assert.equal(stored.value?.toString(), 'n=5');
    const json = producer<Buffer, unknown>({ valueSerializer: 'json' });
    const jsonResult = await json.send('single', { value: { a: [1, 'b'] } });
    assert.equal(kafka.log('single', 0)[jsonResult.offset]!.value?.toString(), '{"a":[1,"b"]}');
  });

  it('infers the key and value types from the serializer options', async () => {
    const typed = new KafkaProducer({
      bootstrapServers: kafka.bootstrapServers,
      logLevel: 'silent',
      keySerializer: 'string',
      valueSerializer: (value: { n: number }) => Buffer.from(`n=${value.n}`),
    });
    producers.push(typed as KafkaProducer<unknown, unknown>);
    const result = await typed.send('single', { key: 'k', value: { n: 3 } });
    assert.equal(kafka.log('single', 0)[result.offset]!.value?.toString(), 'n=3');
    // @ts-expect-error the value serializer takes { n: number }, not a string
    const mistyped = (): unknown => typed.send('single', { key: 'k', value: 'text' });
    assert.equal(typeof mistyped, 'function');
  });

  it('reports partitions with partitionsFor', async () => {
    const client = producer();
    const partitions = await client.partitionsFor('orders');
    assert.deepEqual(
      partitions.map((partition) => [partition.topic, partition.partition, partition.leader]),
      [['orders', 0, 1], ['orders', 1, 2], ['orders', 2, 1], ['orders', 3, 2]],
    );
  });
});
