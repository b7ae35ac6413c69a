/**
 * What the broker does with bytes it cannot serve: Kafka closes the connection (answering only an
 * ApiVersions of an unknown version), and every other client is served on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../src/broker/index.js';
import { Metadata } from '../../../src/protocol/generated/metadata.js';
import { Produce } from '../../../src/protocol/generated/produce.js';
import { ApiVersions } from '../../../src/protocol/generated/api-versions.js';
import { connectTo } from './fixtures.js';
import { RawClient } from './raw-client.js';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function header(apiKey: number, version: number, correlationId: number): Buffer {
  const bytes = Buffer.alloc(10);
  bytes.writeInt16BE(apiKey, 0);
  bytes.writeInt16BE(version, 2);
  bytes.writeInt32BE(correlationId, 4);
  bytes.writeInt16BE(-1, 8); // null client id
  return bytes;
}

describe('broker connections', () => {
  let cluster: MockCluster;
  const internalErrors: unknown[] = [];
  before(async () => {
    cluster = await MockCluster.start({ brokers: 1, maxRequestBytes: 64 * 1024, topics: [{ name: 't', partitions: 1 }], onError: (error) => internalErrors.push(error) });
  });
  after(() => cluster.stop());

  /** Sends `bytes` on a fresh connection, expects the broker to close it, then checks another client is served. */
  async function expectClosed(bytes: Buffer): Promise<void> {
    const victim = await connectTo(cluster, 1);
    victim.writeRaw(bytes);
    await victim.closed;
    assert.equal(victim.unexpectedAnswers, 0);
    const bystander = await connectTo(cluster, 1);
    const metadata = await bystander.send(Metadata, 12, { topics: [{ name: 't' }] });
    assert.equal(metadata.topics[0]!.errorCode, 0);
    await bystander.close();
  }

  it('closes the connection on an unknown API key, or one it does not serve', async () => {
    await expectClosed(frame(header(999, 0, 1)));
    await expectClosed(frame(header(57, 0, 1)));
    await expectClosed(frame(Buffer.concat([header(-5, 0, 1)])));
  });

  it('closes the connection on a version it does not accept', async () => {
    const metadataV13 = RawClient.encode(Metadata, 12, { topics: null }, 1);
    metadataV13.writeInt16BE(13, 6);
    await expectClosed(metadataV13);
    await expectClosed(frame(Buffer.concat([header(0, 12, 1), Buffer.alloc(20)])));
    await expectClosed(frame(Buffer.concat([header(3, -1, 1)])));
  });

  it('closes the connection on truncated or malformed bodies', async () => {
    const produce = RawClient.encode(Produce, 9, { acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(100, 1) }] }] }, 1);
    const truncated = frame(produce.subarray(4, produce.length - 30));
    await expectClosed(truncated);
    const lyingLength = frame(Buffer.concat([header(3, 4, 1), Buffer.from([0, 0, 0, 5, 0, 1])]));
    await expectClosed(lyingLength);
    // Metadata v9 is flexible: a topic count varint of 2^35 cannot fit in the frame.
    const flexibleHeader = Buffer.concat([header(3, 9, 1), Buffer.from([0])]);
    await expectClosed(frame(Buffer.concat([flexibleHeader, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])])));
  });

  it('closes the connection on frames too small for a header, negative sizes, oversized frames and TLS', async () => {
    await expectClosed(frame(Buffer.from([0, 3, 0, 0, 0])));
    await expectClosed(Buffer.from([0xff, 0xff, 0xff, 0xfe, 1, 2, 3]));
    const oversized = Buffer.alloc(8);
    oversized.writeInt32BE(64 * 1024 + 1);
    await expectClosed(oversized);
    await expectClosed(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
  });

  it('serves pipelined requests in order, frames split or joined anyhow, ignoring bytes after a body', async () => {
    const client = await connectTo(cluster, 1);
    const frames = Array.from({ length: 200 }, (_, index) => RawClient.encode(Metadata, 9, { topics: [{ name: 't' }] }, index + 1));
    const withTrailer = RawClient.encode(ApiVersions, 2, {}, 201);
    const padded = frame(Buffer.concat([withTrailer.subarray(4), Buffer.from('trailing')]));
    const all = Buffer.concat([...frames, padded]);
    const answers = frames.map((_, index) => client.sendRaw(Buffer.alloc(0), index + 1));
    const lastAnswer = client.sendRaw(Buffer.alloc(0), 201);
    for (let offset = 0; offset < all.length; offset += 7) client.writeRaw(all.subarray(offset, offset + 7));
    const received = await Promise.all(answers);
    assert.deepEqual(received.map((answer) => answer.correlationId), frames.map((_, index) => index + 1));
    assert.equal((await lastAnswer).correlationId, 201);
    await client.close();
  });

  it('keeps serving others while a client does not read its answers', async () => {
    const greedy = await connectTo(cluster, 1);
    const request = RawClient.encode(Metadata, 9, { topics: null }, 1);
    // Far more answers than socket buffers hold; the broker stops reading this client meanwhile.
    greedy.writeRaw(Buffer.concat(Array.from({ length: 20_000 }, () => request)));
    const other = await connectTo(cluster, 1);
    const metadata = await other.send(Metadata, 9, { topics: [{ name: 't' }] });
    assert.equal(metadata.topics[0]!.errorCode, 0);
    await other.close();
    await greedy.close();
    assert.deepEqual(internalErrors, []);
  });
});
