/**
 * Requests per second of a tiny request over one Connection to a loopback fake broker, with a
 * fixed number of requests kept in flight (pipelined).
 *
 *   node --import tsx bench/network/throughput.ts [requests] [window ...]
 *
 * The broker runs in a worker thread (its own core), answering every request with a copy of its
 * body, one socket write per chunk it reads, as a real broker batches its writes.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Connection } from '../../src/network/connection.js';
import type { ApiDescriptor, Input } from '../../src/protocol/api.js';
import type { Reader } from '../../src/protocol/primitives/reader.js';
import type { Writer } from '../../src/protocol/primitives/writer.js';

interface Ping {
  value: number;
}

const PingApi: ApiDescriptor<Ping, Ping> = {
  apiKey: 32001,
  name: 'Ping',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: null,
  deprecatedVersions: null,
  latestVersionUnstable: false,
  listeners: ['broker'],
  requestHeaderVersion: () => 1,
  responseHeaderVersion: () => 0,
  encodeRequest: (writer: Writer, _version: number, request: Input<Ping>) => writer.writeInt32(request.value ?? 0),
  decodeRequest: (reader: Reader) => ({ value: reader.readInt32() }),
  encodeResponse: (writer: Writer, _version: number, response: Input<Ping>) => writer.writeInt32(response.value ?? 0),
  decodeResponse: (reader: Reader) => ({ value: reader.readInt32() }),
};

const BROKER_SOURCE = `
const net = require('node:net');
const { parentPort } = require('node:worker_threads');
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let pending = null;
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    const data = pending === null ? chunk : Buffer.concat([pending, chunk]);
    const responses = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const size = data.readInt32BE(offset);
      if (data.length - offset - 4 < size) break;
      const frame = data.subarray(offset + 4, offset + 4 + size);
      const clientIdLength = Math.max(frame.readInt16BE(8), 0);
      const body = frame.subarray(10 + clientIdLength);
      const response = Buffer.allocUnsafe(8 + body.length);
      response.writeInt32BE(4 + body.length, 0);
      frame.copy(response, 4, 4, 8);
      body.copy(response, 8);
      responses.push(response);
      offset += 4 + size;
    }
    pending = offset === data.length ? null : data.subarray(offset);
    if (responses.length > 0) socket.write(responses.length === 1 ? responses[0] : Buffer.concat(responses));
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

async function run(connection: Connection, total: number, window: number): Promise<number> {
  let started = 0;
  let completed = 0;
  const startedAt = performance.now();
  await new Promise<void>((resolve, reject) => {
    const launch = (): void => {
      const value = started++;
      connection.request(PingApi, 0, { value }).then((response) => {
        if (response.value !== value) {
          reject(new Error(`response ${response.value} for request ${value}`));
          return;
        }
        completed++;
        if (started < total) launch();
        else if (completed === total) resolve();
      }, reject);
    };
    for (let i = 0; i < Math.min(window, total); i++) launch();
  });
  return total / ((performance.now() - startedAt) / 1000);
}

const total = Number(process.argv[2] ?? 300_000);
const windows = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [1, 16, 128, 1024];

const broker = new Worker(BROKER_SOURCE, { eval: true });
const [port] = (await once(broker, 'message')) as [number];
const connection = new Connection({ host: '127.0.0.1', port });
await connection.connect();
await run(connection, Math.min(total, 20_000), 128); // warm-up
for (const window of windows) {
  const count = window === 1 ? Math.min(total, 50_000) : total;
  const rate = await run(connection, count, window);
  console.log(`window ${String(window).padStart(5)}: ${Math.round(rate).toLocaleString('en-US').padStart(9)} requests/s (${count} requests)`);
}
await connection.close();
broker.postMessage('stop');
await once(broker, 'exit');
