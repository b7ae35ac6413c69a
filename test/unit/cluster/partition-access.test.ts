/**
 * KafkaClient's low-level produce/fetch/listOffsets against a tiny broker written here (a
 * net.Server answering ApiVersions, Metadata, Produce, Fetch and ListOffsets with the generated
 * codecs), so that each test controls the exact bytes: corrupt batches through the real fetch
 * path (bad CRC, truncated batch, bad varint, codec garbage, lengths beyond the data) give typed
 * errors naming the topic-partition and offset and leave the client usable; the record format
 * follows the negotiated Produce version; errors are typed and retried as they should be; a batch
 * larger than maxBytes is fetched whole; read_committed drops aborted transactions.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { KafkaClient, KafkaFetchError, type KafkaClientOptions } from '../../../src/cluster/kafka-client.js';
import { KafkaAbortError, KafkaInvalidArgumentError, KafkaProtocolError, KafkaUnsupportedVersionError } from '../../../src/protocol/errors.js';
import type { ApiDescriptor, Input } from '../../../src/protocol/api.js';
import {
  API_BY_KEY,
  ApiKey,
  type ApiKeyName,
  type FetchRequest,
  type FetchResponsePartitionData,
  type ListOffsetsRequest,
  type ProduceRequest,
  type ProduceResponsePartitionProduceResponse,
} from '../../../src/protocol/generated/index.js';
import { FrameAssembler } from '../../../src/protocol/primitives/frame-assembler.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import {
  KafkaCorruptRecordError,
  LegacyMessageSetBuilder,
  RecordBatchBuilder,
  buildEndTransactionMarkerBatch,
  crc32c,
  readRecordBatches,
} from '../../../src/records/index.js';

const TOPIC = 't';

interface ReceivedRequest {
  readonly api: string;
  readonly version: number;
  readonly body: unknown;
}

type Answer = Input<unknown> | Promise<Input<unknown>> | 'no-answer';

/** What the tests script per request; Metadata and ApiVersions are answered by the broker itself. */
interface Handlers {
  Produce?: (request: ProduceRequest, version: number) => Input<ProduceResponsePartitionProduceResponse>;
  /** A promise delays the answer (a broker-side long poll); 'no-answer' never answers. */
  Fetch?: (request: FetchRequest, version: number) => Input<FetchResponsePartitionData> | Promise<Input<FetchResponsePartitionData>> | 'no-answer';
  ListOffsets?: (request: ListOffsetsRequest, version: number) => Answer;
}

const ADVERTISED: Partial<Record<ApiKeyName, readonly [number, number]>> = {
  ApiVersions: [0, 3],
  Metadata: [0, 12],
  Produce: [0, 9],
  Fetch: [0, 12],
  ListOffsets: [0, 7],
};

/** A one-broker cluster on loopback, node id 1, leading partition 0 of topic 't'. */
class TinyBroker {
  readonly requests: ReceivedRequest[] = [];
  readonly scriptErrors: Error[] = [];
  private readonly waiters: Array<() => void> = [];
  handlers: Handlers = {};
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<TinyBroker> {
    const server = createServer();
    const broker = new TinyBroker(server);
    server.on('connection', (socket) => broker.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return broker;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves when the next request arrives. */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  requestsOf(api: ApiKeyName): ReceivedRequest[] {
    return this.requests.filter((request) => request.api === api);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const assembler = new FrameAssembler(
      {
        handleFrame: (buffer, start, end) => {
          try {
            this.answer(socket, buffer.subarray(start, end));
          } catch (error) {
            // A script mistake: the client sees a closed connection and the test a failed call.
            this.scriptErrors.push(error as Error);
            socket.destroy();
          }
        },
        handleFramingError: () => socket.destroy(),
      },
      64 << 20,
    );
    socket.on('data', (chunk: Buffer) => assembler.push(chunk));
  }

  private answer(socket: Socket, frame: Buffer): void {
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const api = API_BY_KEY.get(apiKey) as ApiDescriptor<unknown, unknown>;
    let position = 8;
    const clientIdLength = frame.readInt16BE(position);
    position += 2 + Math.max(0, clientIdLength);
    if (api.requestHeaderVersion(version) >= 2) position += 1; // no tagged fields in our client's headers
    const body = api.decodeRequest(new Reader(frame, position), version);
    this.requests.push({ api: api.name, version, body });
    for (const waiter of this.waiters.splice(0)) waiter();
    const response = this.respond(api.name as ApiKeyName, body, version);
    if (response === 'no-answer') return;
    if (response instanceof Promise) {
      response.then(
        (later) => this.send(socket, api, version, correlationId, later),
        (error: unknown) => {
          this.scriptErrors.push(error as Error);
          socket.destroy();
        },
      );
      return;
    }
    this.send(socket, api, version, correlationId, response);
  }

  private send(socket: Socket, api: ApiDescriptor<unknown, unknown>, version: number, correlationId: number, response: Input<unknown>): void {
    const writer = new Writer();
    api.encodeResponse(writer, version, response);
    const payload = writer.finish();
    const headerLength = api.responseHeaderVersion(version) >= 1 ? 5 : 4;
    const out = Buffer.alloc(4 + headerLength + payload.length);
    out.writeInt32BE(headerLength + payload.length, 0);
    out.writeInt32BE(correlationId, 4);
    payload.copy(out, 4 + headerLength);
    socket.write(out);
  }

  private respond(api: ApiKeyName, body: unknown, version: number): Answer {
    switch (api) {
      case 'ApiVersions':
        return { errorCode: 0, apiKeys: Object.entries(ADVERTISED).map(([name, [min, max]]) => ({ apiKey: ApiKey[name as ApiKeyName], minVersion: min, maxVersion: max })) };
      case 'Metadata':
        return {
          brokers: [{ nodeId: 1, host: '127.0.0.1', port: this.port, rack: null }],
          clusterId: 'tiny',
          controllerId: 1,
          topics: [{ errorCode: 0, name: TOPIC, partitions: [{ partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }] }],
        };
      case 'Produce': {
        const request = body as ProduceRequest;
        const partition = this.handlers.Produce!(request, version);
        if (request.acks === 0) return 'no-answer';
        return { responses: [{ name: TOPIC, partitionResponses: [{ index: 0, ...partition }] }] };
      }
      case 'Fetch': {
        const partition = this.handlers.Fetch!(body as FetchRequest, version);
        if (partition === 'no-answer') return 'no-answer';
        if (partition instanceof Promise) return partition.then((data) => ({ responses: [{ topic: TOPIC, partitions: [{ partitionIndex: 0, ...data }] }] }));
        return { responses: [{ topic: TOPIC, partitions: [{ partitionIndex: 0, ...partition }] }] };
      }
      case 'ListOffsets':
        return this.handlers.ListOffsets!(body as ListOffsetsRequest, version);
      default:
        throw new Error(`the tiny broker does not serve ${api}`);
    }
  }
}

const BASE_TIMESTAMP = 1_700_000_000_000;

function batchOf(baseOffset: number, count: number, options: { valueBytes?: number } = {}): Buffer {
  const builder = new RecordBatchBuilder({ baseOffset });
  for (let index = 0; index < count; index++) {
    const value = options.valueBytes === undefined ? `v${index}` : Buffer.alloc(options.valueBytes, index);
    builder.append({ key: `k${index}`, value, timestamp: BASE_TIMESTAMP + index, headers: [{ key: 'h', value: `${index}` }] });
  }
  return builder.closeSync();
}

/** Recomputes a batch's CRC-32C after an edit, so that the edit itself is what the reader meets. */
function withFreshCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17);
  return batch;
}

/** Deterministic bytes that no codec will take for a valid stream. */
function garbage(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

function served(records: Buffer, highWatermark = 100): Input<FetchResponsePartitionData> {
  return { errorCode: 0, highWatermark: BigInt(highWatermark), lastStableOffset: BigInt(highWatermark), logStartOffset: 0n, abortedTransactions: null, records };
}

describe('KafkaClient partition access against a scripted broker', () => {
  let broker: TinyBroker;
  const clients: KafkaClient[] = [];

  function client(options: Partial<KafkaClientOptions> = {}): KafkaClient {
    const created = new KafkaClient({ bootstrapServers: broker.address, logLevel: 'silent', retryBackoffMs: 5, retryBackoffMaxMs: 20, ...options });
    clients.push(created);
    return created;
  }

  before(async () => {
    broker = await TinyBroker.start();
  });
  beforeEach(() => {
    broker.requests.length = 0;
    broker.handlers = {};
  });
  afterEach(() => {
    assert.deepEqual(broker.scriptErrors.splice(0).map((error) => error.message), [], 'the scripted broker answered every request');
  });
  after(async () => {
    await Promise.all(clients.map((created) => created.close()));
    await broker.close();
  });

  describe('corrupt data through the fetch path', () => {
    const good = batchOf(0, 3);
    let served40: Buffer = Buffer.alloc(0);
    let reader: KafkaClient;

    before(() => {
      reader = client();
    });
    beforeEach(() => {
      broker.handlers.Fetch = (request) => served(request.topics[0]!.partitions[0]!.fetchOffset === 40n ? served40 : good);
    });

    async function expectCorrupt(bytes: Buffer, pattern: RegExp): Promise<void> {
      served40 = bytes;
      await assert.rejects(reader.fetch(TOPIC, 0, 40, { maxWaitMs: 0 }), (error: unknown) => {
        assert.ok(error instanceof KafkaCorruptRecordError, `expected KafkaCorruptRecordError, got ${String(error)}`);
        assert.equal(error.topic, TOPIC);
        assert.equal(error.partition, 0);
        assert.equal(error.offset, 40);
        assert.equal(error.errorName, 'CORRUPT_MESSAGE');
        assert.match(error.message, /\(t-0, offset 40\b/);
        assert.match(error.message, pattern);
        return true;
      });
      // The same client (and connection) serves the next fetch.
      const next = await reader.fetch(TOPIC, 0, 0, { maxWaitMs: 0 });
      assert.deepEqual(
        next.records.map((record) => [record.offset, record.key?.toString(), record.value?.toString()]),
        [[0, 'k0', 'v0'], [1, 'k1', 'v1'], [2, 'k2', 'v2']],
      );
    }

    it('a batch with a bad CRC', async () => {
      const batch = batchOf(40, 3);
      batch[batch.length - 1] ^= 0x01;
      await expectCorrupt(batch, /CRC-32C mismatch/);
    });

    it('a truncated batch: more records announced than present', async () => {
      const batch = batchOf(40, 2);
      batch.writeInt32BE(2, 23); // lastOffsetDelta
      batch.writeInt32BE(3, 57); // record count
      await expectCorrupt(withFreshCrc(batch), /truncated varint/);
    });

    it('a bad varint: a record length that never ends', async () => {
      const batch = batchOf(40, 3);
      batch.fill(0xff, 61, 66);
      await expectCorrupt(withFreshCrc(batch), /varint longer than 32 bits/);
    });

    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      it(`codec garbage: a ${codec} batch whose records section is noise`, async () => {
        // zstd may compress asynchronously (the native package): close() serves every codec.
        const builder = new RecordBatchBuilder({ baseOffset: 40, compression: codec });
        for (let index = 0; index < 3; index++) builder.append({ key: `k${index}`, value: Buffer.alloc(64, index), timestamp: BASE_TIMESTAMP });
        const batch = await builder.close();
        garbage(batch.length - 61, batch.length).copy(batch, 61);
        await expectCorrupt(withFreshCrc(batch), new RegExp(`invalid ${codec} data`));
      });
    }

    it('a record whose value length runs beyond the record', async () => {
      const batch = batchOf(40, 1);
      // Record 0: length, attributes, timestamp delta, offset delta, key length (2), 'k0', value length.
      assert.equal(batch[68], 4, 'zigzag(2), the value length of "v0"');
      batch[68] = 100; // zigzag(50)
      await expectCorrupt(withFreshCrc(batch), /length 50 runs past the end of the record/);
    });

    it('a batch whose length runs beyond the data the broker has', async () => {
      const batch = batchOf(40, 3);
      batch.writeInt32BE(batch.length - 12 + 500, 8);
      await expectCorrupt(batch, new RegExp(`announces ${batch.length + 500} bytes, but the broker returned only ${batch.length}`));
      const fetches = broker.requestsOf('Fetch').filter((request) => (request.body as FetchRequest).topics[0]!.partitions[0]!.fetchOffset === 40n);
      assert.deepEqual(
        fetches.map((request) => (request.body as FetchRequest).topics[0]!.partitions[0]!.partitionMaxBytes),
        [1 << 20],
        'a fetch of 1 MiB already covered the announced length: no second request',
      );
    });

    it('a magic 1 message with a bad CRC', async () => {
      const builder = new LegacyMessageSetBuilder({ magic: 1, baseOffset: 40 });
      builder.append({ key: 'k', value: 'legacy', timestamp: BASE_TIMESTAMP });
      const message = builder.closeSync();
      message[message.length - 1] ^= 0x20;
      await expectCorrupt(message, /CRC-32 mismatch/);
    });

    it('a batch announcing more bytes than a response may hold', async () => {
      served40 = Buffer.concat([batchOf(40, 1).subarray(0, 12), Buffer.alloc(100)]);
      served40.writeInt32BE(200 << 20, 8);
      await assert.rejects(reader.fetch(TOPIC, 0, 40, { maxWaitMs: 0, maxBytes: 112 }), (error: unknown) => {
        assert.ok(error instanceof KafkaFetchError);
        assert.equal(error.errorName, 'MESSAGE_TOO_LARGE');
        assert.deepEqual([error.location?.topic, error.location?.partition, error.offset], [TOPIC, 0, 40]);
        return true;
      });
      assert.equal((await reader.fetch(TOPIC, 0, 0, { maxWaitMs: 0 })).records.length, 3);
    });
  });

  describe('fetch', () => {
    it('returns the records from the offset on, dropping those before it in the first batch', async () => {
      const log = Buffer.concat([batchOf(10, 4), batchOf(14, 2)]);
      broker.handlers.Fetch = () => served(log, 16);
      const result = await client().fetch(TOPIC, 0, 12, { maxWaitMs: 0 });
      assert.deepEqual(
        result.records.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.timestamp, record.timestampType, record.headers.map((h) => [h.key, h.value?.toString()])]),
        [
          [12, 'k2', 'v2', BASE_TIMESTAMP + 2, 'CreateTime', [['h', '2']]],
          [13, 'k3', 'v3', BASE_TIMESTAMP + 3, 'CreateTime', [['h', '3']]],
          [14, 'k0', 'v0', BASE_TIMESTAMP, 'CreateTime', [['h', '0']]],
          [15, 'k1', 'v1', BASE_TIMESTAMP + 1, 'CreateTime', [['h', '1']]],
        ],
      );
      assert.deepEqual([result.nextOffset, result.highWatermark, result.batches.map((batch) => [batch.baseOffset, batch.lastOffset])], [16, 16, [[10, 13], [14, 15]]]);
    });

    it('ignores a partial batch after complete ones', async () => {
      const second = batchOf(3, 2);
      broker.handlers.Fetch = () => served(Buffer.concat([batchOf(0, 3), second.subarray(0, second.length - 5)]), 5);
      const result = await client().fetch(TOPIC, 0, 0, { maxWaitMs: 0 });
      assert.deepEqual([result.records.map((record) => record.offset), result.nextOffset], [[0, 1, 2], 3]);
    });

    for (const pinned of [2, 12]) {
      it(`fetches a batch larger than maxBytes whole with a second request sized to it (Fetch v${pinned})`, async () => {
        const big = batchOf(0, 20, { valueBytes: 100 });
        // A broker without KIP-74 (as before Fetch v3) cuts the data at the partition limit.
        broker.handlers.Fetch = (request) => served(big.subarray(0, request.topics[0]!.partitions[0]!.partitionMaxBytes), 20);
        const result = await client({ maxApiVersions: { Fetch: pinned } }).fetch(TOPIC, 0, 0, { maxBytes: 100, maxWaitMs: 250 });
        assert.equal(result.records.length, 20);
        assert.deepEqual(result.records[19]!.value, Buffer.alloc(100, 19));
        const fetches = broker.requestsOf('Fetch');
        assert.deepEqual(
          fetches.map((request) => {
            const body = request.body as FetchRequest;
            return [request.version, body.topics[0]!.partitions[0]!.partitionMaxBytes, body.maxWaitMs];
          }),
          [
            [pinned, 100, 250],
            [pinned, big.length, 0],
          ],
        );
      });
    }

    it('waits past requestTimeoutMs for a long poll: the request timeout is extended by maxWaitMs', async () => {
      // The broker holds the fetch 600 ms, twice requestTimeoutMs but within it plus maxWaitMs.
      broker.handlers.Fetch = () => new Promise((resolve) => setTimeout(() => resolve(served(batchOf(0, 2), 2)), 600));
      const result = await client({ requestTimeoutMs: 300 }).fetch(TOPIC, 0, 0, { maxWaitMs: 1000 });
      assert.deepEqual(result.records.map((record) => record.offset), [0, 1]);
    });

    it('an aborted fetch rejects with KafkaAbortError; the client goes on', async () => {
      const reader = client();
      await reader.connect();
      broker.handlers.Fetch = () => 'no-answer';
      const controller = new AbortController();
      const arrived = broker.nextRequest();
      const pending = reader.fetch(TOPIC, 0, 0, { maxWaitMs: 60_000, signal: controller.signal });
      await arrived;
      controller.abort();
      await assert.rejects(pending, KafkaAbortError);
      broker.handlers.Fetch = () => served(batchOf(0, 1), 1);
      assert.equal((await reader.fetch(TOPIC, 0, 0, { maxWaitMs: 0 })).records.length, 1);
    });

    it('turns an error code into a KafkaFetchError naming topic-partition and offset', async () => {
      broker.handlers.Fetch = () => ({ errorCode: 1, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 2n, records: null });
      await assert.rejects(client().fetch(TOPIC, 0, 99, { maxWaitMs: 0 }), (error: unknown) => {
        assert.ok(error instanceof KafkaFetchError);
        assert.ok(error instanceof KafkaProtocolError);
        assert.deepEqual([error.code, error.errorName, error.offset, error.retriable], [1, 'OFFSET_OUT_OF_RANGE', 99, false]);
        assert.equal(error.message, 'OFFSET_OUT_OF_RANGE (t-0, Fetch): fetch at offset 99 (log start 2, high watermark 10)');
        return true;
      });
      assert.equal(broker.requestsOf('Fetch').length, 1);
    });

    it('retries NOT_LEADER_OR_FOLLOWER after refreshing metadata', async () => {
      let calls = 0;
      broker.handlers.Fetch = () => (++calls === 1 ? { errorCode: 6, highWatermark: -1n, records: null } : served(batchOf(0, 1), 1));
      const result = await client().fetch(TOPIC, 0, 0, { maxWaitMs: 0 });
      assert.deepEqual([result.records.length, calls], [1, 2]);
      assert.ok(broker.requestsOf('Metadata').length >= 2, 'metadata was refreshed between the attempts');
    });

    it('read_committed drops aborted transactions; both levels drop control records', async () => {
      const transactional = (baseOffset: number, producerId: number, values: string[]): Buffer => {
        const builder = new RecordBatchBuilder({ baseOffset, producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
        for (const value of values) builder.append({ value, timestamp: BASE_TIMESTAMP });
        return builder.closeSync();
      };
      const plain = new RecordBatchBuilder({ baseOffset: 3 });
      plain.append({ value: 'plain-3', timestamp: BASE_TIMESTAMP });
      plain.append({ value: 'plain-4', timestamp: BASE_TIMESTAMP });
      const log = Buffer.concat([
        transactional(0, 7, ['aborted-0', 'aborted-1']),
        buildEndTransactionMarkerBatch({ type: 'abort', producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, offset: 2, timestamp: BASE_TIMESTAMP }),
        plain.closeSync(),
        transactional(5, 8, ['committed-5', 'committed-6']),
        buildEndTransactionMarkerBatch({ type: 'commit', producerId: 8, producerEpoch: 0, coordinatorEpoch: 0, offset: 7, timestamp: BASE_TIMESTAMP }),
      ]);
      broker.handlers.Fetch = () => ({ ...served(log, 8), abortedTransactions: [{ producerId: 7n, firstOffset: 0n }] });
      const reader = client();
      const committed = await reader.fetch(TOPIC, 0, 0, { isolationLevel: 'read_committed', maxWaitMs: 0 });
      const uncommitted = await reader.fetch(TOPIC, 0, 0, { maxWaitMs: 0 });
      assert.deepEqual(committed.records.map((record) => record.value?.toString()), ['plain-3', 'plain-4', 'committed-5', 'committed-6']);
      assert.deepEqual(uncommitted.records.map((record) => record.value?.toString()), ['aborted-0', 'aborted-1', 'plain-3', 'plain-4', 'committed-5', 'committed-6']);
      assert.deepEqual([committed.nextOffset, uncommitted.nextOffset], [8, 8]);
      assert.deepEqual(committed.records.map((record) => [record.producerId, record.isTransactional]), [[-1, false], [-1, false], [8, true], [8, true]]);
      assert.deepEqual(broker.requestsOf('Fetch').map((request) => (request.body as FetchRequest).isolationLevel), [1, 0]);
    });

    it('refuses read_committed below Fetch v4, and bad arguments, before sending anything', async () => {
      await assert.rejects(client({ maxApiVersions: { Fetch: 3 } }).fetch(TOPIC, 0, 0, { isolationLevel: 'read_committed' }), KafkaUnsupportedVersionError);
      const reader = client();
      for (const [offset, options] of [
        [-1, {}],
        [1.5, {}],
        [0, { maxBytes: 0 }],
        [0, { maxWaitMs: -1 }],
        [0, { isolationLevel: 'committed' }],
      ] as const) {
        await assert.rejects(reader.fetch(TOPIC, 0, offset, options as object), KafkaInvalidArgumentError);
      }
      await assert.rejects(reader.fetch('', 0, 0), KafkaInvalidArgumentError);
      assert.equal(broker.requestsOf('Fetch').length, 0);
    });
  });

  describe('produce', () => {
    const records = [
      { key: 'a', value: 'first', timestamp: BASE_TIMESTAMP + 1 },
      { key: null, value: Buffer.from([0, 1, 2]), timestamp: BASE_TIMESTAMP + 2 },
      { key: 'c', value: null, timestamp: BASE_TIMESTAMP + 3 },
    ];

    async function producedBatches(): Promise<{ version: number; magic: number[]; compression: number[]; records: unknown[] }> {
      const [request] = broker.requestsOf('Produce').slice(-1);
      const data = (request!.body as ProduceRequest).topicData[0]!.partitionData[0]!.records;
      const { batches, partialBytes } = readRecordBatches(data);
      assert.equal(partialBytes, 0);
      const decoded = [];
      for (const batch of batches) for (const record of await batch.records()) decoded.push([record.key?.toString() ?? null, record.value?.toString('hex') ?? null, record.timestamp]);
      return { version: request!.version, magic: batches.map((batch) => batch.magic), compression: batches.map((batch) => batch.compression), records: decoded };
    }

    for (const [pin, magic, version] of [
      [undefined, 2, 9],
      [7, 2, 7],
      [2, 1, 2],
      [1, 0, 1],
      [0, 0, 0],
    ] as const) {
      it(`writes magic ${magic} when Produce v${version} is negotiated`, async () => {
        broker.handlers.Produce = () => ({ errorCode: 0, baseOffset: 41n, logAppendTimeMs: -1n, logStartOffset: 3n });
        const producer = client(pin === undefined ? {} : { maxApiVersions: { Produce: pin } });
        const result = await producer.produce(TOPIC, 0, records, { compression: magic === 2 ? 'lz4' : 'gzip' });
        assert.deepEqual(result, { baseOffset: 41, logAppendTime: -1, logStartOffset: version >= 5 ? 3 : -1 });
        const sent = await producedBatches();
        assert.equal(sent.version, version);
        // A compressed legacy set is one wrapper message.
        assert.deepEqual(sent.magic, [magic]);
        assert.deepEqual(sent.compression, [magic === 2 ? 3 : 1]);
        assert.deepEqual(
          sent.records,
          records.map((record) => [record.key, record.value === null ? null : Buffer.from(record.value).toString('hex'), magic === 0 ? -1 : record.timestamp]),
        );
      });
    }

    it('sends legacy messages through Produce v2 to a new broker when asked for magic 1', async () => {
      broker.handlers.Produce = () => ({ errorCode: 0, baseOffset: 5n });
      await client().produce(TOPIC, 0, records, { magic: 1 });
      const sent = await producedBatches();
      assert.deepEqual([sent.version, sent.magic], [2, [1, 1, 1]], 'three uncompressed magic 1 messages');
    });

    it('refuses zstd before Produce v7 and headers before v3, sending nothing', async () => {
      broker.handlers.Produce = () => ({ errorCode: 0 });
      await assert.rejects(client({ maxApiVersions: { Produce: 6 } }).produce(TOPIC, 0, records, { compression: 'zstd' }), (error: unknown) => {
        assert.ok(error instanceof KafkaUnsupportedVersionError);
        assert.match(error.message, /zstd compression needs Produce v7\+ .*broker 1 \(127\.0\.0\.1:\d+\) uses Produce v6/);
        return true;
      });
      await assert.rejects(client({ maxApiVersions: { Produce: 2 } }).produce(TOPIC, 0, [{ value: 'v', headers: [{ key: 'h', value: 'x' }] }]), /record headers need record batches/);
      await assert.rejects(client().produce(TOPIC, 0, records, { magic: 0, compression: 'zstd' }), KafkaInvalidArgumentError);
      assert.equal(broker.requestsOf('Produce').length, 0);
    });

    it('retries NOT_LEADER_OR_FOLLOWER (the same batch goes again: not idempotent)', async () => {
      let calls = 0;
      broker.handlers.Produce = () => (++calls === 1 ? { errorCode: 6, baseOffset: -1n } : { errorCode: 0, baseOffset: 17n });
      const result = await client().produce(TOPIC, 0, records);
      assert.equal(result.baseOffset, 17);
      const sent = broker.requestsOf('Produce').map((request) => (request.body as ProduceRequest).topicData[0]!.partitionData[0]!.records);
      assert.equal(sent.length, 2);
      assert.deepEqual(sent[0], sent[1]);
    });

    it('maps a non-retriable error code to a KafkaProtocolError naming the topic-partition, with the record errors', async () => {
      broker.handlers.Produce = () => ({ errorCode: 87, baseOffset: -1n, recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: 'null key on a compacted topic' }], errorMessage: 'One or more records have been rejected' });
      await assert.rejects(client().produce(TOPIC, 0, records), (error: unknown) => {
        assert.ok(error instanceof KafkaProtocolError);
        assert.deepEqual([error.code, error.location?.topic, error.location?.partition], [87, TOPIC, 0]);
        assert.equal(error.message, 'INVALID_RECORD (t-0, Produce): One or more records have been rejected; record 1: null key on a compacted topic');
        return true;
      });
      assert.equal(broker.requestsOf('Produce').length, 1);
    });

    it('acks 0 resolves without an answer; the connection stays in step', async () => {
      broker.handlers.Produce = () => ({ errorCode: 0, baseOffset: 9n });
      const producer = client();
      assert.deepEqual(await producer.produce(TOPIC, 0, records, { acks: 0 }), { baseOffset: -1, logAppendTime: -1, logStartOffset: -1 });
      assert.equal((await producer.produce(TOPIC, 0, records, { acks: 1 })).baseOffset, 9);
      assert.deepEqual(broker.requestsOf('Produce').map((request) => (request.body as ProduceRequest).acks), [0, 1]);
    });

    it('refuses bad input before sending anything', async () => {
      const producer = client();
      const bad: Array<[unknown, object]> = [
        [[], {}],
        [[{ key: 42 }], {}],
        [[{ value: 'v', timestamp: -5 }], {}],
        [[{ value: 'v', headers: [{ key: 1, value: 'x' }] }], {}],
        [[{ value: 'v' }], { acks: 2 }],
        [[{ value: 'v' }], { magic: 3 }],
        [[{ value: 'v' }], { compression: 'brotli' }],
      ];
      for (const [input, options] of bad) {
        await assert.rejects(producer.produce(TOPIC, 0, input as never, options), KafkaInvalidArgumentError, JSON.stringify([input, options]));
      }
      assert.equal(broker.requests.length, 0);
    });
  });

  describe('listOffsets', () => {
    it('asks for earliest (-2), latest (-1) or a timestamp, at v0 and at newer versions', async () => {
      broker.handlers.ListOffsets = (request, version) => {
        const asked = request.topics[0]!.partitions[0]!.timestamp;
        const offset = asked === -2n ? 3n : asked === -1n ? 50n : 20n;
        return {
          topics: [
            {
              name: TOPIC,
              partitions: [
                version === 0
                  ? { partitionIndex: 0, errorCode: 0, oldStyleOffsets: [offset] }
                  : { partitionIndex: 0, errorCode: 0, offset, timestamp: asked >= 0n ? asked + 5n : -1n, leaderEpoch: 4 },
              ],
            },
          ],
        };
      };
      const fresh = client();
      assert.deepEqual(await fresh.listOffsets(TOPIC, 0, 'earliest'), { offset: 3, timestamp: -1, leaderEpoch: 4 });
      assert.deepEqual(await fresh.listOffsets(TOPIC, 0, 'latest'), { offset: 50, timestamp: -1, leaderEpoch: 4 });
      assert.deepEqual(await fresh.listOffsets(TOPIC, 0, BASE_TIMESTAMP), { offset: 20, timestamp: BASE_TIMESTAMP + 5, leaderEpoch: 4 });
      assert.deepEqual(await client({ maxApiVersions: { ListOffsets: 0 } }).listOffsets(TOPIC, 0, 'latest'), { offset: 50, timestamp: -1, leaderEpoch: null });
      assert.deepEqual(
        broker.requestsOf('ListOffsets').map((request) => [request.version, (request.body as ListOffsetsRequest).topics[0]!.partitions[0]!.timestamp]),
        [[7, -2n], [7, -1n], [7, BigInt(BASE_TIMESTAMP)], [0, -1n]],
      );
    });

    it('maps error codes to typed errors naming the topic-partition', async () => {
      broker.handlers.ListOffsets = () => ({ topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, errorCode: 87 }] }] });
      await assert.rejects(client().listOffsets(TOPIC, 0, 'latest'), (error: unknown) => error instanceof KafkaProtocolError && error.message === 'INVALID_RECORD (t-0, ListOffsets)');
      await assert.rejects(client().listOffsets(TOPIC, 0, -3), KafkaInvalidArgumentError);
    });
  });
});
