/**
 * Connection: connecting (refused, DNS, timeouts, aborts), TLS, the authenticate hook, the broker
 * going away, closing, and releasing every handle.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { once } from 'node:events';
import { Connection } from '../../../src/network/connection.js';
import {
  KafkaAbortError,
  KafkaConfigError,
  KafkaConnectionError,
  KafkaError,
  KafkaProtocolError,
  KafkaTimeoutError,
} from '../../../src/protocol/errors.js';
import { FakeBroker } from './fake-broker.js';
import { Echo, echoBack, echoMessage } from './test-apis.js';

/** A port nothing listens on: bound once, then released. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts and never says a word (a TLS handshake against it hangs). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Connection connect failures', () => {
  it('connection refused fails connect and queued requests with KafkaConnectionError naming host:port', async () => {
    const port = await unusedPort();
    const connection = new Connection({ host: '127.0.0.1', port });
    const queuedFailure = assert.rejects(connection.request(Echo, 0, { value: 1, text: '' }), KafkaConnectionError);
    await assert.rejects(connection.connect(), (error: unknown) => {
      assert.ok(error instanceof KafkaConnectionError);
      assert.equal(error.broker, `127.0.0.1:${port}`);
      assert.ok(error.message.includes(`127.0.0.1:${port}`));
      assert.match(error.message, /ECONNREFUSED/);
      assert.equal(error.retriable, true);
      return true;
    });
    await queuedFailure;
    assert.equal(connection.state, 'closed');
    assert.ok((await connection.closed) instanceof KafkaConnectionError);
    await assert.rejects(connection.connect(), KafkaConnectionError);
  });

  it('an unresolvable host fails with KafkaConnectionError naming it', async () => {
    const connection = new Connection({ host: 'no-such-host.invalid', port: 9092 });
    await assert.rejects(connection.connect(), (error: unknown) => {
      assert.ok(error instanceof KafkaConnectionError);
      assert.ok(error.message.includes('no-such-host.invalid:9092'));
      return true;
    });
  });

  it('names IPv6 brokers in brackets', () => {
    assert.equal(new Connection({ host: '::1', port: 9092 }).broker, '[::1]:9092');
  });

  it('times out setup after connectTimeoutMs (a TLS handshake that never completes)', async () => {
    const server = await silentServer();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: server.port, tls: true, connectTimeoutMs: 60 });
      const started = performance.now();
      await assert.rejects(connection.connect(), (error: unknown) => {
        assert.ok(error instanceof KafkaConnectionError);
        assert.ok(error.cause instanceof KafkaTimeoutError);
        assert.match(error.message, /connectTimeoutMs \(60 ms\)/);
        return true;
      });
      // A Node timer may fire a few ms early against performance.now() (libuv caches loop time).
      assert.ok(performance.now() - started >= 50);
      assert.equal(connection.state, 'closed');
    } finally {
      await server.close();
    }
  });

  it('connect honours its AbortSignal, before and during setup', async () => {
    await assert.rejects(new Connection({ host: '127.0.0.1', port: 9 }).connect(AbortSignal.abort()), KafkaAbortError);
    const server = await silentServer();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: server.port, tls: true });
      const controller = new AbortController();
      const connecting = connection.connect(controller.signal);
      assert.equal(connection.connect(), connecting, 'a second call shares the first');
      controller.abort();
      await assert.rejects(connecting, KafkaAbortError);
      assert.ok((await connection.closed) instanceof KafkaAbortError);
    } finally {
      await server.close();
    }
  });

  it('rejects invalid options with KafkaConfigError', () => {
    assert.throws(() => new Connection({ host: '', port: 1 }), KafkaConfigError);
    assert.throws(() => new Connection({ host: 'h', port: 70000 }), KafkaConfigError);
    assert.throws(() => new Connection({ host: 'h', port: 1, requestTimeoutMs: 0 }), KafkaConfigError);
    assert.throws(() => new Connection({ host: 'h', port: 1, maxInFlightRequests: 1.5 }), KafkaConfigError);
    assert.throws(() => new Connection({ host: 'h', port: 1, maxResponseBytes: -1 }), KafkaConfigError);
    assert.throws(() => new Connection({ host: 'h', port: 1, clientId: 'x'.repeat(40000) }), KafkaConfigError);
  });
});

describe('Connection when the broker goes away', () => {
  it('fails pending requests fast when the broker kills the socket; a new connection then works', async () => {
    const broker = await FakeBroker.start();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 30_000 });
      await connection.connect();
      const closeReasons: (KafkaError | null)[] = [];
      connection.onClose((reason) => closeReasons.push(reason));
      const pending = [1, 2, 3].map((value) => connection.request(Echo, 0, { value, text: '' }));
      const peer = await broker.peer(0);
      await peer.waitForRequests(3);
      const started = performance.now();
      peer.socket.resetAndDestroy();
      await Promise.all(pending.map((request) => assert.rejects(request, KafkaConnectionError)));
      assert.ok(performance.now() - started < 5_000, 'well under the request timeout');
      assert.equal(closeReasons.length, 1);
      assert.ok(closeReasons[0] instanceof KafkaConnectionError);
      assert.equal(connection.isReady, false);
      await assert.rejects(connection.request(Echo, 0, { value: 4, text: '' }), KafkaConnectionError);

      const replacement = new Connection({ host: '127.0.0.1', port: broker.port });
      await replacement.connect();
      (await broker.peer(1)).onRequest = echoBack;
      assert.deepEqual(await replacement.request(Echo, 0, { value: 5, text: 'again' }), { value: 5, text: 'again' });
      await replacement.close();
    } finally {
      await broker.close();
    }
  });

  it('fails pending requests when the broker closes cleanly', async () => {
    const broker = await FakeBroker.start();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: broker.port });
      await connection.connect();
      const pending = connection.request(Echo, 0, { value: 1, text: '' });
      const peer = await broker.peer(0);
      await peer.waitForRequests(1);
      peer.socket.end();
      await assert.rejects(pending, (error: unknown) => error instanceof KafkaConnectionError && /closed the connection/.test(error.message));
    } finally {
      await broker.close();
    }
  });
});

describe('Connection authenticate hook', () => {
  it('runs after the socket is up and before any queued request is sent', async () => {
    const broker = await FakeBroker.start({ onRequest: echoBack });
    try {
      let hookSignal: AbortSignal | null = null;
      const connection = new Connection({
        host: '127.0.0.1',
        port: broker.port,
        authenticate: async (conn, signal) => {
          hookSignal = signal;
          assert.equal(conn.state, 'authenticating');
          assert.equal(conn.isReady, false);
          const first = await conn.request(Echo, 0, { value: -1, text: 'handshake' });
          const second = await conn.request(Echo, 1, { value: -2, text: 'authenticate' });
          assert.equal(first.text + second.text, 'handshakeauthenticate');
        },
      });
      const before = connection.request(Echo, 0, { value: 1, text: 'queued before connect' });
      const connecting = connection.connect();
      const during = connection.request(Echo, 0, { value: 2, text: 'queued while connecting' });
      await connecting;
      assert.equal(connection.isReady, true);
      assert.deepEqual(await before, { value: 1, text: 'queued before connect' });
      assert.deepEqual(await during, { value: 2, text: 'queued while connecting' });
      const peer = await broker.peer(0);
      assert.deepEqual(
        peer.requests.map((request) => echoMessage(request).text),
        ['handshake', 'authenticate', 'queued before connect', 'queued while connecting'],
      );
      assert.ok(hookSignal !== null && !(hookSignal as AbortSignal).aborted);
      await connection.close();
    } finally {
      await broker.close();
    }
  });

  it('a failing hook fails connect with its error and closes, failing queued requests', async () => {
    const broker = await FakeBroker.start({ onRequest: echoBack });
    try {
      const authError = new KafkaProtocolError(58, { apiName: 'SaslAuthenticate' }, 'bad password');
      const connection = new Connection({
        host: '127.0.0.1',
        port: broker.port,
        authenticate: async () => {
          throw authError;
        },
      });
      const queuedFailure = assert.rejects(
        connection.request(Echo, 0, { value: 1, text: 'never sent' }),
        (error: unknown) => error instanceof KafkaConnectionError && error.cause === authError,
      );
      await assert.rejects(connection.connect(), (error: unknown) => error === authError);
      await queuedFailure;
      assert.equal(await connection.closed, authError);
      const peer = await broker.peer(0);
      await peer.closed;
      assert.equal(peer.requests.length, 0);
    } finally {
      await broker.close();
    }
  });

  it('wraps a non-Kafka error thrown by the hook', async () => {
    const broker = await FakeBroker.start();
    try {
      const connection = new Connection({
        host: '127.0.0.1',
        port: broker.port,
        authenticate: () => Promise.reject(new Error('mechanism exploded')),
      });
      await assert.rejects(connection.connect(), (error: unknown) => error instanceof KafkaConnectionError && /mechanism exploded/.test(error.message));
    } finally {
      await broker.close();
    }
  });

  it('a hook that never finishes is cut off by connectTimeoutMs and its signal fires', async () => {
    const broker = await FakeBroker.start();
    try {
      let hookSignal: AbortSignal | null = null;
      const connection = new Connection({
        host: '127.0.0.1',
        port: broker.port,
        connectTimeoutMs: 50,
        authenticate: (_conn, signal) => {
          hookSignal = signal;
          return new Promise<void>(() => {});
        },
      });
      await assert.rejects(connection.connect(), (error: unknown) => error instanceof KafkaConnectionError && error.cause instanceof KafkaTimeoutError);
      assert.equal((hookSignal as AbortSignal | null)?.aborted, true);
    } finally {
      await broker.close();
    }
  });
});

describe('Connection over TLS', () => {
  let directory = '';
  let key: Buffer;
  let cert: Buffer;

  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'kafkats-tls-'));
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(directory, 'key.pem'), '-out', join(directory, 'cert.pem'), '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(directory, 'key.pem'));
    cert = readFileSync(join(directory, 'cert.pem'));
  });

  after(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('exchanges requests over TLS, verifying the broker certificate', async () => {
    const broker = await FakeBroker.start({ tls: { key, cert }, onRequest: echoBack });
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const connection = new Connection({ host, port: broker.port, tls: { ca: cert } });
        await connection.connect();
        const responses = await Promise.all([1, 2, 3].map((value) => connection.request(Echo, 1, { value, text: `tls ${value}` })));
        assert.deepEqual(responses, [1, 2, 3].map((value) => ({ value, text: `tls ${value}` })));
        await connection.close();
      }
    } finally {
      await broker.close();
    }
  });

  it('fails connect with KafkaConnectionError when the certificate is not trusted', async () => {
    const broker = await FakeBroker.start({ tls: { key, cert } });
    try {
      const connection = new Connection({ host: '127.0.0.1', port: broker.port, tls: true });
      await assert.rejects(connection.connect(), (error: unknown) => error instanceof KafkaConnectionError && /self[- ]signed/i.test(error.message));
    } finally {
      await broker.close();
    }
  });
});

describe('Connection close', () => {
  it('close() fails pending requests, refuses new ones and reports null to listeners', async () => {
    const broker = await FakeBroker.start();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: broker.port });
      await connection.connect();
      const reasons: (KafkaError | null)[] = [];
      connection.onClose((reason) => reasons.push(reason));
      const unsubscribed: (KafkaError | null)[] = [];
      connection.onClose((reason) => unsubscribed.push(reason))();
      const pending = connection.request(Echo, 0, { value: 1, text: '' });
      await (await broker.peer(0)).waitForRequests(1);
      const failed = assert.rejects(pending, (error: unknown) => error instanceof KafkaConnectionError && /closed by the client/.test(error.message));
      await connection.close();
      await failed;
      assert.deepEqual(reasons, [null]);
      assert.deepEqual(unsubscribed, []);
      assert.equal(await connection.closed, null);
      await assert.rejects(connection.request(Echo, 0, { value: 2, text: '' }), KafkaConnectionError);
      await connection.close();
      const late: (KafkaError | null)[] = [];
      connection.onClose((reason) => late.push(reason));
      assert.deepEqual(late, [null]);
    } finally {
      await broker.close();
    }
  });

  it('close() during connect fails connect', async () => {
    const server = await silentServer();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: server.port, tls: true });
      const failed = assert.rejects(connection.connect(), (error: unknown) => error instanceof KafkaConnectionError && /closed by the client/.test(error.message));
      await connection.close();
      await failed;
    } finally {
      await server.close();
    }
  });

  it('close({ drainTimeoutMs }) lets in-flight requests finish and refuses new ones', async () => {
    const broker = await FakeBroker.start();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 1 });
      await connection.connect();
      const first = connection.request(Echo, 0, { value: 1, text: 'in flight' });
      const second = connection.request(Echo, 0, { value: 2, text: 'queued' });
      const peer = await broker.peer(0);
      await peer.waitForRequests(1);
      const closing = connection.close({ drainTimeoutMs: 10_000 });
      assert.equal(connection.isReady, false);
      await assert.rejects(connection.request(Echo, 0, { value: 3, text: 'refused' }), (error: unknown) => error instanceof KafkaConnectionError && /closing/.test(error.message));
      peer.onRequest = echoBack;
      echoBack(peer.requests[0]!, peer);
      assert.deepEqual(await first, { value: 1, text: 'in flight' });
      assert.deepEqual(await second, { value: 2, text: 'queued' });
      await closing;
      assert.equal(await connection.closed, null);
      assert.equal(peer.requests.length, 2);
    } finally {
      await broker.close();
    }
  });

  it('close({ drainTimeoutMs }) gives up after the bound and fails what is left', async () => {
    const broker = await FakeBroker.start();
    try {
      const connection = new Connection({ host: '127.0.0.1', port: broker.port });
      await connection.connect();
      const pending = connection.request(Echo, 0, { value: 1, text: 'never answered' });
      await (await broker.peer(0)).waitForRequests(1);
      const failed = assert.rejects(pending, KafkaConnectionError);
      const started = performance.now();
      await Promise.all([connection.close({ drainTimeoutMs: 50 }), connection.close({ drainTimeoutMs: 10_000 })]);
      assert.ok(performance.now() - started >= 40, 'waited for the bound');
      assert.ok(performance.now() - started < 5_000, 'the second close did not extend the bound');
      await failed;
    } finally {
      await broker.close();
    }
  });

  it('leaves no handles or timers behind', async () => {
    const resources = (): string[] => process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap').sort();
    const baseline = resources();
    // Request 4 is never answered, so the drain below runs into its bound.
    const broker = await FakeBroker.start({ onRequest: (request, peer) => echoMessage(request).value !== 4 && echoBack(request, peer) });
    const connection = new Connection({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 60_000 });
    await connection.connect();
    await Promise.all([1, 2, 3].map((value) => connection.request(Echo, 0, { value, text: '' })));
    const slow = connection.request(Echo, 0, { value: 4, text: '' }, { timeoutMs: 45_000 });
    assert.ok(resources().length > baseline.length);
    const failed = assert.rejects(slow, KafkaConnectionError);
    await Promise.all([connection.close({ drainTimeoutMs: 20 }), connection.close({ drainTimeoutMs: 20 })]);
    await failed;
    await broker.close();
    assert.deepEqual(resources(), baseline);
  });
});
