/**
 * One benchmark consumer in its own process (started by bench/consumer/index.ts, compiled to
 * dist/bench/consumer/client.js): reads `--count` records of `--topic` from the beginning with
 * the client named by `--client`, touching every value (its length is summed), and prints one
 * JSON line: { count, bytes, startedAt, firstAt, lastAt } (ms since the epoch, sub-millisecond).
 *
 * The settings every client gets (as close as their options allow): fetch.min.bytes 1,
 * fetch.max.wait.ms 500, max.partition.fetch.bytes 1 MiB, fetch.max.bytes 50 MiB, start at the
 * earliest offset; group clients auto-commit every 5 s (the default); kafkats checks CRCs (its
 * default, like Java; `--crc=off` turns it off), the others do not (KafkaJS and
 * @platformatic/kafka never do, librdkafka's check.crcs defaults to false).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const now = (): number => performance.timeOrigin + performance.now();
const startedAt = now();

const { values } = parseArgs({
  options: {
    client: { type: 'string' },
    brokers: { type: 'string' },
    topic: { type: 'string' },
    partitions: { type: 'string', default: '16' },
    count: { type: 'string' },
    group: { type: 'string' },
    crc: { type: 'string', default: 'on' },
    peers: { type: 'string' },
    /** kafkats version pins, e.g. JoinGroup:5,SyncGroup:3 (see index.ts). */
    pins: { type: 'string' },
  },
});
const brokers = values.brokers!;
const topic = values.topic!;
const partitions = Number(values.partitions);
const expected = Number(values.count);
const group = values.group ?? `bench-${process.pid}-${Date.now()}`;

const FETCH = { minBytes: 1, maxWaitMs: 500, maxPartitionBytes: 1_048_576, maxBytes: 52_428_800 };

/** Counts records and value bytes; resolves `done` at the expected count. */
class Tally {
  count = 0;
  bytes = 0;
  firstAt = 0;
  lastAt = 0;
  private finish!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  /** Returns true once every expected record was seen. */
  add(value: { length: number } | null | undefined): boolean {
    if (this.count === 0) this.firstAt = now();
    this.count++;
    if (value) this.bytes += value.length;
    if (this.count === expected) {
      this.lastAt = now();
      this.finish();
      return true;
    }
    return false;
  }
}

async function kafkats(tally: Tally, mode: 'assign' | 'group' | 'iterate'): Promise<void> {
  const { KafkaConsumer } = await import('../../src/consumer/index.js');
  const consumer = new KafkaConsumer({
    bootstrapServers: brokers,
    clientId: 'bench-kafkats',
    logLevel: 'error',
    autoOffsetReset: 'earliest',
    fetchMinBytes: FETCH.minBytes,
    fetchMaxWaitMs: FETCH.maxWaitMs,
    maxPartitionFetchBytes: FETCH.maxPartitionBytes,
    fetchMaxBytes: FETCH.maxBytes,
    checkCrcs: values.crc !== 'off',
    ...(mode === 'group' ? { groupId: group } : {}),
    ...(values.pins ? { maxApiVersions: Object.fromEntries(values.pins.split(',').map((pin) => [pin.split(':')[0]!, Number(pin.split(':')[1])])) } : {}),
  });
  if (mode === 'group') consumer.subscribe([topic]);
  else consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  if (mode === 'iterate') {
    for await (const record of consumer) if (tally.add(record.value)) break;
  } else {
    for (;;) {
      const records = await consumer.poll({ timeoutMs: 60_000 });
      let complete = false;
      for (const record of records) complete = tally.add(record.value);
      if (complete) break;
    }
  }
  await consumer.close();
}

interface KafkaJsLikeConsumer {
  connect(): Promise<void>;
  subscribe(options: { topic?: string; topics?: string[]; fromBeginning?: boolean }): Promise<void>;
  run(options: { eachBatchAutoResolve?: boolean; eachBatch: (payload: { batch: { messages: { value: Buffer | null }[] } }) => Promise<void> }): Promise<void>;
  disconnect(): Promise<void>;
}

async function kafkajs(tally: Tally): Promise<void> {
  const require = createRequire(import.meta.url);
  const { Kafka, logLevel } = require('kafkajs') as { Kafka: new (config: object) => { consumer(config: object): KafkaJsLikeConsumer }; logLevel: { NOTHING: number } };
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group, minBytes: FETCH.minBytes, maxWaitTimeInMs: FETCH.maxWaitMs, maxBytesPerPartition: FETCH.maxPartitionBytes, maxBytes: FETCH.maxBytes });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) tally.add(message.value);
    },
  });
  await tally.done;
  await consumer.disconnect();
}

async function confluent(tally: Tally): Promise<void> {
  const require = createRequire(join(values.peers!, 'package.json'));
  const { KafkaJS } = require('@confluentinc/kafka-javascript') as { KafkaJS: { Kafka: new (config: object) => { consumer(config: object): KafkaJsLikeConsumer }; logLevel: { NOTHING: number } } };
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: brokers.split(','), clientId: 'bench-confluent', logLevel: KafkaJS.logLevel.NOTHING } });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: group, fromBeginning: true, minBytes: FETCH.minBytes, maxWaitTimeInMs: FETCH.maxWaitMs, maxBytesPerPartition: FETCH.maxPartitionBytes, maxBytes: FETCH.maxBytes },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) tally.add(message.value);
    },
  });
  await tally.done;
  await consumer.disconnect();
}

async function platformatic(tally: Tally): Promise<void> {
  const { Consumer } = await import('@platformatic/kafka');
  const consumer = new Consumer({ groupId: group, clientId: 'bench-platformatic', bootstrapBrokers: brokers.split(','), minBytes: FETCH.minBytes, maxWaitTime: FETCH.maxWaitMs, maxBytes: FETCH.maxBytes });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', maxBytesPerPartition: FETCH.maxPartitionBytes });
  stream.on('data', (message: { value: Buffer | null }) => {
    tally.add(message.value);
  });
  await tally.done;
  await stream.close();
  await consumer.close(true);
}

const tally = new Tally();
switch (values.client) {
  case 'kafkats':
    await kafkats(tally, 'assign');
    break;
  case 'kafkats-group':
    await kafkats(tally, 'group');
    break;
  case 'kafkats-iterate':
    await kafkats(tally, 'iterate');
    break;
  case 'kafkajs':
    await kafkajs(tally);
    break;
  case 'confluent':
    await confluent(tally);
    break;
  case 'platformatic':
    await platformatic(tally);
    break;
  default:
    throw new Error(`unknown client ${String(values.client)}`);
}
process.stdout.write(`${JSON.stringify({ count: tally.count, bytes: tally.bytes, startedAt, firstAt: tally.firstAt, lastAt: tally.lastAt })}\n`);
process.exit(0);
