/**
 * Connection: requests and responses over a real loopback socket to a fake broker.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../../../src/network/connection.js';
import type { ConnectionOptions } from '../../../src/network/options.js';
import {
  KafkaConnectionError,
  KafkaDecodeError,
  KafkaInvalidArgumentError,
  KafkaUnsupportedVersionError,
} from '../../../src/protocol/errors.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { FakeBroker, parseRequestHeader, responseFrame, type BrokerPeer } from './fake-broker.js';
import { ECHO_API_KEY, Echo, TinyProduce, echoBack, echoBody, echoMessage, echoOnly } from './test-apis.js';

async function setup(
  options: Partial<ConnectionOptions> = {},
  brokerOptions: Parameters<typeof FakeBroker.start>[0] = {},
): Promise<{ broker: FakeBroker; connection: Connection; peer: BrokerPeer; [Symbol.asyncDispose](): Promise<void> }> {
  const broker = await FakeBroker.start(brokerOptions);
  const connection = new Connection({ host: '127.0.0.1', port: broker.port, ...options });
  await connection.connect();
  const peer = await broker.peer(0);
  return {
    broker,
    connection,
    peer,
    async [Symbol.asyncDispose]() {
      await connection.close();
      await broker.close();
    },
  };
}

describe('Connection requests', () => {
  it('sends a v1 header (client id) and decodes a v0 response header', async () => {
    await using env = await setup({ clientId: 'tester' }, { onRequest: echoBack });
    const response = await env.connection.request(Echo, 0, { value: 42, text: 'hello' });
    assert.deepEqual(response, { value: 42, text: 'hello' });
    const [request] = env.peer.requests;
    assert.ok(request);
    // size(4) is stripped; apiKey, apiVersion, correlationId, clientId 'tester', then the body.
    const expected = Buffer.concat([
      Buffer.from([0x7d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
      Buffer.from([0x00, 0x06]),
      Buffer.from('tester'),
      Buffer.from([0x00, 0x00, 0x00, 0x2a, 0x00, 0x05]),
      Buffer.from('hello'),
    ]);
    assert.equal(ECHO_API_KEY, 0x7d00);
    assert.deepEqual(request.frame, expected);
  });

  it('sends a v2 header (empty tagged fields) and reads a v1 response header', async () => {
    await using env = await setup({}, { onRequest: echoBack });
    const response = await env.connection.request(Echo, 1, { value: -7, text: 'flexible' });
    assert.deepEqual(response, { value: -7, text: 'flexible' });
    const request = env.peer.requests[0]!;
    const header = parseRequestHeader(request.frame, 2);
    assert.equal(header.clientId, 'kafkats');
    assert.equal(request.frame[header.bodyOffset - 1], 0, 'tagged field count of the header');
    assert.deepEqual(echoMessage(request), { value: -7, text: 'flexible' });
  });

  it('writes a null client id as length -1', async () => {
    await using env = await setup({ clientId: null }, { onRequest: echoBack });
    await env.connection.request(Echo, 0, { value: 1, text: '' });
    const request = env.peer.requests[0]!;
    assert.equal(parseRequestHeader(request.frame, 1).clientId, null);
    assert.equal(request.frame.readInt16BE(8), -1);
  });

  it('skips non-empty tagged fields in a v1 response header', async () => {
    await using env = await setup({}, {
      onRequest: (request, peer) => {
        const body = echoBody(request);
        // correlation id, 1 tagged field: tag 3, 2 bytes, then the body.
        const frame = Buffer.concat([Buffer.alloc(4), Buffer.alloc(4), Buffer.from([1, 3, 2, 0xaa, 0xbb]), body]);
        frame.writeInt32BE(frame.length - 4, 0);
        frame.writeInt32BE(request.correlationId, 4);
        void peer.write(frame);
      },
    });
    assert.deepEqual(await env.connection.request(Echo, 1, { value: 9, text: 'tags' }), { value: 9, text: 'tags' });
  });

  it('keeps a thousand requests in flight and matches in-order responses', async () => {
    await using env = await setup();
    const count = 1000;
    const responses = Array.from({ length: count }, (_, i) => env.connection.request(Echo, 1, { value: i, text: `m${i}` }));
    await env.peer.waitForRequests(count);
    assert.equal(env.connection.inFlightCount, count);
    assert.deepEqual(
      env.peer.requests.map((request) => request.correlationId),
      Array.from({ length: count }, (_, i) => i),
    );
    for (const request of env.peer.requests) echoBack(request, env.peer);
    const results = await Promise.all(responses);
    assert.deepEqual(results, Array.from({ length: count }, (_, i) => ({ value: i, text: `m${i}` })));
    assert.equal(env.connection.inFlightCount, 0);
  });

  it('matches out-of-order responses to their callers', async () => {
    await using env = await setup();
    const count = 50;
    const responses = Array.from({ length: count }, (_, i) => env.connection.request(Echo, 0, { value: i * 3, text: String(i) }));
    await env.peer.waitForRequests(count);
    // Answer odd positions first, then even ones backwards.
    const order = [...env.peer.requests.filter((_, i) => i % 2 === 1), ...env.peer.requests.filter((_, i) => i % 2 === 0).reverse()];
    for (const request of order) echoBack(request, env.peer);
    const results = await Promise.all(responses);
    assert.deepEqual(results, Array.from({ length: count }, (_, i) => ({ value: i * 3, text: String(i) })));
  });

  it('handles many responses arriving in one chunk', async () => {
    await using env = await setup();
    const count = 200;
    const responses = Array.from({ length: count }, (_, i) => env.connection.request(Echo, 1, { value: i, text: 'x'.repeat(i % 17) }));
    await env.peer.waitForRequests(count);
    const frames = env.peer.requests.map((request) => responseFrame(request.correlationId, echoBody(request), 1));
    await env.peer.write(Buffer.concat(frames));
    const results = await Promise.all(responses);
    assert.equal(results.length, count);
    results.forEach((result, i) => assert.deepEqual(result, { value: i, text: 'x'.repeat(i % 17) }));
  });

  it('handles responses dribbled one byte per write', async () => {
    await using env = await setup();
    const responses = [0, 1, 2].map((i) => env.connection.request(Echo, 0, { value: i, text: 'split across chunks' }));
    await env.peer.waitForRequests(3);
    const bytes = Buffer.concat(env.peer.requests.map((request) => responseFrame(request.correlationId, echoBody(request))));
    for (let i = 0; i < bytes.length; i++) await env.peer.write(bytes.subarray(i, i + 1));
    assert.deepEqual(await Promise.all(responses), [0, 1, 2].map((i) => ({ value: i, text: 'split across chunks' })));
  });

  it('wraps correlation ids from 2^31-1 to 0', async () => {
    await using env = await setup({}, { onRequest: echoBack });
    (env.connection as unknown as { inFlight: { nextCorrelationId: number } }).inFlight.nextCorrelationId = 0x7ffffffe;
    for (let i = 0; i < 3; i++) await env.connection.request(Echo, 0, { value: i, text: '' });
    assert.deepEqual(
      env.peer.requests.map((request) => request.correlationId),
      [0x7ffffffe, 0x7fffffff, 0],
    );
  });

  it('fails the whole connection on an unknown correlation id', async () => {
    await using env = await setup();
    const first = env.connection.request(Echo, 0, { value: 1, text: 'a' });
    const second = env.connection.request(Echo, 0, { value: 2, text: 'b' });
    await env.peer.waitForRequests(2);
    env.peer.respond(12345, Buffer.alloc(6));
    await Promise.all(
      [first, second].map((pending) =>
        assert.rejects(pending, (error: unknown) => {
          assert.ok(error instanceof KafkaConnectionError);
          assert.ok(error.cause instanceof KafkaDecodeError);
          assert.match(error.cause.message, /correlation id 12345/);
          return true;
        }),
      ),
    );
    const reason = await env.connection.closed;
    assert.ok(reason instanceof KafkaDecodeError);
    assert.equal(env.connection.state, 'closed');
    await env.peer.closed;
  });

  it('fails only the caller whose response does not decode, and stays usable', async () => {
    await using env = await setup();
    const broken = env.connection.request(Echo, 0, { value: 1, text: 'abc' });
    await env.peer.waitForRequests(1);
    // int32 then a string length of 10 with only 3 bytes behind it.
    env.peer.respond(env.peer.requests[0]!.correlationId, Buffer.from([0, 0, 0, 1, 0, 10, 0x61, 0x62, 0x63]));
    await assert.rejects(broken, KafkaDecodeError);
    env.peer.onRequest = echoBack;
    assert.deepEqual(await env.connection.request(Echo, 0, { value: 5, text: 'ok' }), { value: 5, text: 'ok' });
    assert.equal(env.connection.isReady, true);
  });

  it('turns encoder range errors into KafkaInvalidArgumentError and sends nothing', async () => {
    await using env = await setup({}, { onRequest: echoBack });
    await assert.rejects(env.connection.request(Echo, 0, { value: 2 ** 40, text: 'x' }), KafkaInvalidArgumentError);
    await assert.rejects(env.connection.request(Echo, 0, { value: 1, text: 'x'.repeat(40000) }), KafkaInvalidArgumentError);
    assert.deepEqual(await env.connection.request(Echo, 0, { value: 3, text: 'after' }), { value: 3, text: 'after' });
    assert.equal(env.peer.requests.length, 1);
    assert.equal(env.peer.requests[0]!.correlationId, 0);
  });

  it('refuses an invalid per-call timeout', async () => {
    await using env = await setup();
    for (const timeoutMs of [0, -5, Number.NaN]) {
      await assert.rejects(env.connection.request(Echo, 0, { value: 1, text: '' }, { timeoutMs }), KafkaInvalidArgumentError);
    }
    assert.equal(env.peer.requests.length, 0);
  });

  it('refuses a version outside the descriptor range', async () => {
    await using env = await setup();
    await assert.rejects(env.connection.request(Echo, 2, { value: 1, text: '' }), KafkaUnsupportedVersionError);
    await assert.rejects(env.connection.request(Echo, -1, { value: 1, text: '' }), KafkaUnsupportedVersionError);
  });

  it('requestRaw returns the response body as a view and sends the body the caller wrote', async () => {
    await using env = await setup({}, {
      onRequest: (request, peer) => {
        const body = parseRequestHeader(request.frame, 2);
        peer.respond(request.correlationId, Buffer.concat([Buffer.from('raw:'), request.frame.subarray(body.bodyOffset)]), 1);
      },
    });
    const response = await env.connection.requestRaw(1, 13, { request: 2, response: 1 }, (writer: Writer) => writer.writeRaw(Buffer.from('fetch-body')));
    assert.equal(response.toString(), 'raw:fetch-body');
    const request = env.peer.requests[0]!;
    assert.equal(request.apiKey, 1);
    assert.equal(request.apiVersion, 13);
  });

  it('requestRaw with expectResponse false resolves undefined once written', async () => {
    await using env = await setup();
    const result = await env.connection.requestRaw(0, 3, { request: 1, response: 0 }, (writer) => writer.writeInt32(1), { expectResponse: false });
    assert.equal(result, undefined);
    assert.equal(env.connection.inFlightCount, 0);
    await env.peer.waitForRequests(1);
  });

  it('requestRaw rejects bad header versions and writer exceptions without sending', async () => {
    await using env = await setup();
    await assert.rejects(env.connection.requestRaw(1, 0, { request: 3, response: 0 }, () => {}), KafkaInvalidArgumentError);
    await assert.rejects(env.connection.requestRaw(1, 0, { request: 1, response: 2 }, () => {}), KafkaInvalidArgumentError);
    await assert.rejects(
      env.connection.requestRaw(1, 0, { request: 1, response: 0 }, () => {
        throw new TypeError('boom');
      }),
      (error: unknown) => error instanceof KafkaInvalidArgumentError && /boom/.test(error.message),
    );
    assert.equal(env.peer.requests.length, 0);
  });
});

describe('Connection Produce acks', () => {
  for (const version of [2, 3, 8, 9, 11]) {
    it(`Produce v${version} with acks=0 resolves undefined and expects no response`, async () => {
      await using env = await setup({}, { onRequest: echoOnly });
      const result = await env.connection.request(TinyProduce, version, { transactionalId: version >= 3 ? 'txn-id' : null, acks: 0, timeoutMs: 100 });
      assert.equal(result, undefined);
      assert.equal(env.connection.inFlightCount, 0);
      await env.peer.waitForRequests(1);
      assert.equal(env.peer.requests[0]!.apiKey, 0);
      // The next request gets its own response, so nothing was waiting for a Produce response.
      assert.deepEqual(await env.connection.request(Echo, 0, { value: 8, text: 'next' }), { value: 8, text: 'next' });
    });
  }

  it('a Produce without acks encodes the default 0 and expects no response', async () => {
    await using env = await setup();
    assert.equal(await env.connection.request(TinyProduce, 9, {}), undefined);
  });

  it('Produce with acks=1 and acks=-1 waits for the response', async () => {
    await using env = await setup({}, {
      onRequest: (request, peer) => peer.respond(request.correlationId, Buffer.from([0, 0, 0, 250]), request.apiVersion >= 9 ? 1 : 0),
    });
    assert.deepEqual(await env.connection.request(TinyProduce, 9, { acks: 1, timeoutMs: 100 }), { throttleTimeMs: 250 });
    assert.deepEqual(await env.connection.request(TinyProduce, 7, { acks: -1, transactionalId: 'abc', timeoutMs: 100 }), { throttleTimeMs: 250 });
  });
});
