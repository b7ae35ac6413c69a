/**
 * Connection with the generated codecs: the fake broker decodes requests and encodes responses
 * with the same descriptors, so header versions (e.g. ApiVersions' response header staying v0
 * in flexible versions) are exercised end to end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../../../src/network/connection.js';
import type { ApiDescriptor } from '../../../src/protocol/api.js';
import { KafkaDecodeError, KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { ApiVersions, type ApiVersionsResponse } from '../../../src/protocol/generated/api-versions.js';
import { Metadata, type MetadataResponse } from '../../../src/protocol/generated/metadata.js';
import { Produce, type ProduceResponse } from '../../../src/protocol/generated/produce.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { FakeBroker, parseRequestHeader, type BrokerPeer, type ReceivedRequest } from './fake-broker.js';

type AnyDescriptor = ApiDescriptor<unknown, unknown>;

/** Serves the given APIs: decodes each request with its descriptor and answers with `answer`. */
function serve(apis: AnyDescriptor[], answer: (apiKey: number, version: number, request: unknown) => object | undefined): (request: ReceivedRequest, peer: BrokerPeer) => void {
  const byKey = new Map(apis.map((api) => [api.apiKey, api]));
  return (received, peer) => {
    const api = byKey.get(received.apiKey);
    if (!api) throw new Error(`no descriptor for api key ${received.apiKey}`);
    const { bodyOffset } = parseRequestHeader(received.frame, api.requestHeaderVersion(received.apiVersion));
    const request = api.decodeRequest(new Reader(received.frame, bodyOffset), received.apiVersion);
    const response = answer(received.apiKey, received.apiVersion, request);
    if (response === undefined) return;
    const writer = new Writer();
    writer.writeInt32(0);
    writer.writeInt32(received.correlationId);
    if (api.responseHeaderVersion(received.apiVersion) >= 1) writer.writeUVarint(0);
    api.encodeResponse(writer, received.apiVersion, response);
    const frame = writer.finish();
    frame.writeInt32BE(frame.length - 4, 0);
    peer.socket.write(frame);
  };
}

const apiVersionsAnswer = {
  errorCode: 0,
  apiKeys: [
    { apiKey: 0, minVersion: 3, maxVersion: 11 },
    { apiKey: 3, minVersion: 0, maxVersion: 12 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
  ],
  throttleTimeMs: 0,
};

async function start(answer: (apiKey: number, version: number, request: unknown) => object | undefined): Promise<{
  broker: FakeBroker;
  connection: Connection;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const broker = await FakeBroker.start({ onRequest: serve([ApiVersions, Metadata, Produce], answer) });
  const connection = new Connection({ host: '127.0.0.1', port: broker.port, clientId: 'generated-test' });
  await connection.connect();
  return {
    broker,
    connection,
    async [Symbol.asyncDispose]() {
      await connection.close();
      await broker.close();
    },
  };
}

describe('Connection with generated codecs', () => {
  for (const version of [0, 1, 2, 3, 4]) {
    it(`ApiVersions v${version} round trip (response header v0 even when flexible)`, async () => {
      const seen: unknown[] = [];
      await using env = await start((_apiKey, _version, request) => {
        seen.push(request);
        return apiVersionsAnswer;
      });
      const response: ApiVersionsResponse = await env.connection.request(ApiVersions, version, {
        clientSoftwareName: 'kafkats',
        clientSoftwareVersion: '0.1.0',
      });
      assert.equal(response.errorCode, 0);
      assert.deepEqual(
        response.apiKeys.map((key) => [key.apiKey, key.minVersion, key.maxVersion]),
        [[0, 3, 11], [3, 0, 12], [18, 0, 4]],
      );
      const request = seen[0] as { clientSoftwareName: string };
      assert.equal(request.clientSoftwareName, version >= 3 ? 'kafkats' : '');
    });
  }

  for (const version of [1, 8, 9, 12]) {
    it(`Metadata v${version} round trip`, async () => {
      await using env = await start(() => ({
        brokers: [{ nodeId: 1, host: 'broker-1', port: 9092, rack: null }],
        clusterId: 'cluster',
        controllerId: 1,
        topics: [{ errorCode: 0, name: 'orders', partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] }],
      }));
      const response: MetadataResponse = await env.connection.request(Metadata, version, { topics: [{ name: 'orders' }] });
      assert.deepEqual(
        response.brokers.map((broker) => [broker.nodeId, broker.host, broker.port]),
        [[1, 'broker-1', 9092]],
      );
      assert.equal(response.topics[0]?.name, 'orders');
      assert.deepEqual(response.topics[0]?.partitions[0]?.replicaNodes, [1]);
    });
  }

  for (const version of [3, 8, 9, 11]) {
    it(`Produce v${version}: acks=0 resolves undefined without a response, acks=-1 waits for one`, async () => {
      const acksSeen: number[] = [];
      await using env = await start((_apiKey, _version, request) => {
        const acks = (request as { acks: number }).acks;
        acksSeen.push(acks);
        if (acks === 0) return undefined;
        return { responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 41n }] }], throttleTimeMs: 0 };
      });
      const topicData = [{ name: 'orders', partitionData: [{ index: 0, records: null }] }];
      const fireAndForget: ProduceResponse | undefined = await env.connection.request(Produce, version, { acks: 0, timeoutMs: 1000, topicData });
      assert.equal(fireAndForget, undefined);
      assert.equal(env.connection.inFlightCount, 0);
      const acknowledged = await env.connection.request(Produce, version, { acks: -1, timeoutMs: 1000, topicData });
      assert.ok(acknowledged !== undefined);
      assert.equal(acknowledged.responses[0]?.partitionResponses[0]?.baseOffset, 41n);
      assert.deepEqual(acksSeen, [0, -1]);
    });
  }

  it('an encoder error from a generated codec fails the call with nothing sent', async () => {
    let requests = 0;
    await using env = await start(() => {
      requests++;
      return apiVersionsAnswer;
    });
    await assert.rejects(env.connection.request(Produce, 9, { acks: 70000 }), KafkaInvalidArgumentError);
    await env.connection.request(ApiVersions, 3, {});
    assert.equal(requests, 1);
  });

  it('a response the generated decoder rejects fails that caller only', async () => {
    await using env = await start(() => undefined);
    const pending = env.connection.request(ApiVersions, 0, {});
    const peer = await env.broker.peer(0);
    await peer.waitForRequests(1);
    // ApiVersions v0: error code, then an array claiming 1000 entries with two bytes behind it.
    peer.respond(peer.requests[0]!.correlationId, Buffer.from([0, 0, 0, 0, 0x03, 0xe8, 0, 1]));
    await assert.rejects(pending, KafkaDecodeError);
    assert.equal(env.connection.isReady, true);
  });
});
