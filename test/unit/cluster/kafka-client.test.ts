/**
 * KafkaClient over TLS against a scripted broker: the tls option reaches every connection,
 * certificates are verified, and a plaintext client cannot talk to a TLS listener.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { KafkaConnectionError, KafkaTimeoutError } from '../../../src/protocol/errors.js';
import { advertise, ScriptedBroker, selfMetadata } from './scripted-broker.js';

describe('KafkaClient over TLS', () => {
  let directory = '';
  let key: Buffer;
  let cert: Buffer;
  let broker: ScriptedBroker;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'kafkats-cluster-tls-'));
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
    broker = await ScriptedBroker.start({ ApiVersions: advertise({ ApiVersions: [0, 3], Metadata: [0, 12] }) }, { tls: { key, cert } });
    broker.handlers.Metadata = selfMetadata(broker, 1, [{ errorCode: 0, name: 'secure', partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] }]);
  });

  after(async () => {
    await broker?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('connects with the given CA and reads metadata', async () => {
    const client = new KafkaClient({ bootstrapServers: broker.address, tls: { ca: cert }, logLevel: 'silent' });
    try {
      const view = await client.metadata(['secure']);
      assert.deepEqual(view.topics.map((topic) => [topic.name, topic.partitions[0]?.leader]), [['secure', 1]]);
      assert.equal((await client.apiVersions()).source.kind, 'api-versions');
    } finally {
      await client.close();
    }
  });

  it('refuses a certificate it cannot verify', async () => {
    const client = new KafkaClient({ bootstrapServers: broker.address, tls: true, logLevel: 'silent' });
    try {
      await assert.rejects(client.connect({ timeoutMs: 500 }), (error: unknown) => {
        assert.ok(error instanceof KafkaTimeoutError);
        assert.ok(error.cause instanceof KafkaConnectionError);
        assert.match(error.cause.message, /self[- ]signed certificate/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});
