/**
 * Connection: timeouts, aborts, the in-flight cap, write backpressure and the response size cap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../../../src/network/connection.js';
import type { ConnectionOptions } from '../../../src/network/options.js';
import { KafkaAbortError, KafkaConnectionError, KafkaDecodeError, KafkaError, KafkaTimeoutError } from '../../../src/protocol/errors.js';
import { FakeBroker, type BrokerPeer } from './fake-broker.js';
import { Echo, TinyProduce, echoBack, echoMessage, echoOnly } from './test-apis.js';

async function setup(options: Partial<ConnectionOptions> = {}): Promise<{
  broker: FakeBroker;
  connection: Connection;
  peer: BrokerPeer;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const broker = await FakeBroker.start();
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

function isConnectionErrorCausedBy(cause: new (...args: never[]) => Error): (error: unknown) => boolean {
  return (error) => error instanceof KafkaConnectionError && error.cause instanceof cause;
}

describe('Connection request timeouts', () => {
  it('a request timing out in flight fails with KafkaTimeoutError and closes the connection', async () => {
    await using env = await setup();
    const started = performance.now();
    const slow = env.connection.request(Echo, 0, { value: 1, text: 'never answered' }, { timeoutMs: 50 });
    const other = env.connection.request(Echo, 0, { value: 2, text: 'in flight too' });
    const otherFailure = assert.rejects(other, isConnectionErrorCausedBy(KafkaTimeoutError));
    await assert.rejects(slow, KafkaTimeoutError);
    assert.ok(performance.now() - started >= 49, 'not before its deadline');
    await otherFailure;
    assert.ok((await env.connection.closed) instanceof KafkaTimeoutError);
    await env.peer.closed;
    assert.equal(env.peer.requests.length, 2);
  });

  it('with closeOnRequestTimeout false only the caller fails and its late response is dropped', async () => {
    await using env = await setup({ closeOnRequestTimeout: false });
    const slow = env.connection.request(Echo, 0, { value: 1, text: 'late' }, { timeoutMs: 50 });
    const other = env.connection.request(Echo, 0, { value: 2, text: 'fine' });
    await assert.rejects(slow, KafkaTimeoutError);
    assert.equal(env.connection.inFlightCount, 2, 'the abandoned request still awaits its response');
    await env.peer.waitForRequests(2);
    for (const request of env.peer.requests) echoBack(request, env.peer);
    assert.deepEqual(await other, { value: 2, text: 'fine' });
    assert.equal(env.connection.inFlightCount, 0);
    assert.equal(env.connection.isReady, true);
    env.peer.onRequest = echoBack;
    assert.deepEqual(await env.connection.request(Echo, 0, { value: 3, text: 'after' }), { value: 3, text: 'after' });
  });

  it('a queued request that times out fails without closing the connection and is never sent', async () => {
    await using env = await setup({ maxInFlightRequests: 1 });
    const first = env.connection.request(Echo, 0, { value: 1, text: 'holds the only slot' });
    const queued = env.connection.request(Echo, 0, { value: 2, text: 'waits' }, { timeoutMs: 40 });
    assert.equal(env.connection.queuedRequestCount, 1);
    await assert.rejects(queued, (error: unknown) => error instanceof KafkaTimeoutError && /waiting to be sent/.test(error.message));
    assert.equal(env.connection.queuedRequestCount, 0);
    assert.equal(env.connection.bufferedBytes, 0);
    assert.equal(env.connection.state, 'ready');
    await env.peer.waitForRequests(1);
    echoBack(env.peer.requests[0]!, env.peer);
    assert.deepEqual(await first, { value: 1, text: 'holds the only slot' });
    env.peer.onRequest = echoBack;
    assert.deepEqual(await env.connection.request(Echo, 0, { value: 3, text: 'next' }), { value: 3, text: 'next' });
    assert.deepEqual(
      env.peer.requests.map((request) => echoMessage(request).value),
      [1, 3],
    );
  });

  it('expires many requests with staggered deadlines, each at its own time', async () => {
    await using env = await setup({ closeOnRequestTimeout: false });
    const started = performance.now();
    const timeouts = [90, 30, 60];
    const settledAt = await Promise.all(
      timeouts.map((timeoutMs, i) =>
        env.connection.request(Echo, 0, { value: i, text: '' }, { timeoutMs }).then(
          () => assert.fail('must time out'),
          (error: unknown) => {
            assert.ok(error instanceof KafkaTimeoutError);
            return performance.now() - started;
          },
        ),
      ),
    );
    settledAt.forEach((elapsed, i) => assert.ok(elapsed >= timeouts[i]! - 1, `request ${i} expired after ${elapsed} ms, deadline ${timeouts[i]}`));
    assert.ok(settledAt[1]! < settledAt[2]! && settledAt[2]! < settledAt[0]!);
  });
});

describe('Connection abort signals', () => {
  it('an already aborted signal fails at once and sends nothing', async () => {
    await using env = await setup();
    env.peer.onRequest = echoBack;
    await assert.rejects(env.connection.request(Echo, 0, { value: 1, text: '' }, { signal: AbortSignal.abort() }), KafkaAbortError);
    assert.deepEqual(await env.connection.request(Echo, 0, { value: 2, text: '' }), { value: 2, text: '' });
    assert.deepEqual(
      env.peer.requests.map((request) => [request.correlationId, echoMessage(request).value]),
      [[0, 2]],
    );
  });

  it('aborting a request queued before connect keeps it off the wire', async () => {
    const broker = await FakeBroker.start({ onRequest: echoBack });
    const connection = new Connection({ host: '127.0.0.1', port: broker.port });
    try {
      const controller = new AbortController();
      const aborted = connection.request(Echo, 0, { value: 1, text: 'aborted' }, { signal: controller.signal });
      const kept = connection.request(Echo, 0, { value: 2, text: 'kept' });
      assert.equal(connection.queuedRequestCount, 2);
      controller.abort(new Error('caller gave up'));
      await assert.rejects(aborted, (error: unknown) => error instanceof KafkaAbortError && error.message === 'caller gave up');
      assert.equal(connection.queuedRequestCount, 1);
      await connection.connect();
      assert.deepEqual(await kept, { value: 2, text: 'kept' });
      const peer = await broker.peer(0);
      assert.deepEqual(
        peer.requests.map((request) => echoMessage(request).text),
        ['kept'],
      );
    } finally {
      await connection.close();
      await broker.close();
    }
  });

  it('aborting in flight fails the caller at once; the late response is dropped without harm', async () => {
    await using env = await setup();
    const controller = new AbortController();
    const aborted = env.connection.request(Echo, 0, { value: 1, text: 'aborted' }, { signal: controller.signal });
    const other = env.connection.request(Echo, 0, { value: 2, text: 'other' });
    await env.peer.waitForRequests(2);
    controller.abort();
    await assert.rejects(aborted, KafkaAbortError);
    for (const request of env.peer.requests) echoBack(request, env.peer);
    assert.deepEqual(await other, { value: 2, text: 'other' });
    assert.equal(env.connection.inFlightCount, 0);
    assert.equal(env.connection.isReady, true);
  });
});

describe('Connection in-flight cap and backpressure', () => {
  it('keeps at most maxInFlightRequests sent and queues the rest in call order', async () => {
    await using env = await setup({ maxInFlightRequests: 2 });
    const responses = Array.from({ length: 5 }, (_, i) => env.connection.request(Echo, 0, { value: i, text: '' }));
    await env.peer.waitForRequests(2);
    assert.equal(env.connection.inFlightCount, 2);
    assert.equal(env.connection.queuedRequestCount, 3);
    for (let answered = 0; answered < 5; answered++) {
      echoBack(env.peer.requests[answered]!, env.peer);
      assert.deepEqual(await responses[answered], { value: answered, text: '' });
      const expectedSent = Math.min(answered + 3, 5);
      await env.peer.waitForRequests(expectedSent);
      assert.equal(env.peer.requests.length, expectedSent, 'never more than two outstanding');
    }
    assert.deepEqual(
      env.peer.requests.map((request) => echoMessage(request).value),
      [0, 1, 2, 3, 4],
    );
  });

  it('queues while the socket is full and refuses requests beyond maxBufferedBytes', async () => {
    const maxBufferedBytes = 8 * 1024 * 1024;
    await using env = await setup({ maxBufferedBytes });
    // The broker stops reading, so the kernel buffers fill and then the socket's own buffer.
    env.peer.socket.pause();
    const text = 'x'.repeat(30_000);
    const accepted: Promise<unknown>[] = [];
    let refusal: unknown = null;
    for (let i = 0; i < 4096 && refusal === null; i++) {
      const before = env.connection.bufferedBytes;
      let failure: unknown = null;
      const response = env.connection.request(Echo, 0, { value: i, text });
      response.catch((error: unknown) => {
        failure = error;
      });
      // One turn of the event loop: a refusal is already settled by then.
      await new Promise((resolve) => setImmediate(resolve));
      if (failure === null) {
        accepted.push(response);
      } else {
        refusal = failure;
        assert.ok(before + text.length > maxBufferedBytes - 64, `refused with only ${before} bytes waiting`);
      }
    }
    assert.ok(refusal instanceof KafkaError, 'a request was refused');
    assert.equal(refusal.errorName, 'BUFFER_EXHAUSTED');
    assert.equal(refusal.retriable, true);
    assert.ok(env.connection.bufferedBytes <= maxBufferedBytes);
    assert.ok(env.connection.queuedRequestCount > 0, 'requests queued behind the full socket');

    env.peer.onRequest = echoBack;
    env.peer.socket.resume();
    const results = await Promise.all(accepted);
    assert.equal(results.length, accepted.length);
    results.forEach((result, i) => assert.deepEqual(result, { value: i, text }));
    assert.equal(env.peer.requests.length, accepted.length);
    assert.equal(env.connection.bufferedBytes, 0);
  });
});

describe('Connection acks=0 behind a full socket', () => {
  it('resolves an acks=0 Produce only once its bytes are written', async () => {
    await using env = await setup();
    env.peer.socket.pause();
    const text = 'y'.repeat(30_000);
    const accepted: Promise<unknown>[] = [];
    for (let i = 0; i < 4096 && env.connection.queuedRequestCount === 0; i++) {
      accepted.push(env.connection.request(Echo, 0, { value: i, text }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(env.connection.queuedRequestCount > 0, 'the socket is full and requests queue');
    let produced = false;
    const produce = env.connection.request(TinyProduce, 3, { acks: 0, timeoutMs: 10 }).then((result) => {
      produced = true;
      return result;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(produced, false, 'not complete while it waits behind the full socket');
    env.peer.onRequest = echoOnly;
    env.peer.socket.resume();
    assert.equal(await produce, undefined);
    const results = await Promise.all(accepted);
    results.forEach((result, i) => assert.deepEqual(result, { value: i, text }));
    assert.equal(env.peer.requests.at(-1)?.apiKey, 0, 'the Produce went out last, in call order');
  });
});

describe('Connection response frame checks', () => {
  it('closes on a frame above maxResponseBytes as soon as its size arrives', async () => {
    await using env = await setup({ maxResponseBytes: 1024 });
    const pending = env.connection.request(Echo, 0, { value: 1, text: '' });
    await env.peer.waitForRequests(1);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025);
    await env.peer.write(size);
    await assert.rejects(pending, isConnectionErrorCausedBy(KafkaDecodeError));
    const reason = await env.connection.closed;
    assert.ok(reason instanceof KafkaDecodeError);
    assert.match(reason.message, /1025 bytes exceeds maxResponseBytes \(1024\)/);
  });

  it('a 2 GiB frame size is refused under the default cap without allocating', async () => {
    await using env = await setup();
    const pending = env.connection.request(Echo, 0, { value: 1, text: '' });
    await env.peer.waitForRequests(1);
    await env.peer.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    await assert.rejects(pending, isConnectionErrorCausedBy(KafkaDecodeError));
    assert.match(String((await env.connection.closed)?.message), /2147483647 bytes exceeds maxResponseBytes \(104857600\)/);
  });

  it('names TLS when the size looks like a TLS record', async () => {
    await using env = await setup();
    const pending = env.connection.request(Echo, 0, { value: 1, text: '' });
    await env.peer.waitForRequests(1);
    await env.peer.write(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]));
    await assert.rejects(pending, KafkaConnectionError);
    assert.match(String((await env.connection.closed)?.message), /TLS listener/);
  });

  it('closes on a frame too small for a correlation id', async () => {
    await using env = await setup();
    const pending = env.connection.request(Echo, 0, { value: 1, text: '' });
    await env.peer.waitForRequests(1);
    await env.peer.write(Buffer.from([0, 0, 0, 3, 0, 0, 0]));
    await assert.rejects(pending, isConnectionErrorCausedBy(KafkaDecodeError));
    assert.match(String((await env.connection.closed)?.message), /size 3 is smaller than a response header/);
  });
});
