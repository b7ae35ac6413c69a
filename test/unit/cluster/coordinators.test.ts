/**
 * FindCoordinator lookups against scripted brokers: batching with v4+, one request per key before
 * v4, shared lookups, per-key errors, the cache and its invalidation.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../../src/cluster/cluster.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import { KafkaProtocolError, KafkaUnsupportedVersionError } from '../../../src/protocol/errors.js';
import type { FindCoordinatorRequest } from '../../../src/protocol/generated/index.js';
import { advertise, ScriptedBroker, selfMetadata } from './scripted-broker.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function setup(findCoordinatorMax: number): Promise<{ broker: ScriptedBroker; cluster: Cluster }> {
  const broker = await ScriptedBroker.start({ ApiVersions: advertise({ ApiVersions: [0, 3], Metadata: [0, 9], FindCoordinator: [0, findCoordinatorMax] }) });
  broker.handlers.Metadata = selfMetadata(broker, 7);
  broker.handlers.FindCoordinator = (request) => {
    const body = request.body as FindCoordinatorRequest;
    const answer = (key: string) =>
      key.startsWith('bad')
        ? { key, nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'not yet' }
        : { key, nodeId: 7, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null };
    if (request.apiVersion >= 4) return { response: { coordinators: body.coordinatorKeys.map(answer) } };
    const { key: _key, ...single } = answer(body.key);
    return { response: single };
  };
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: broker.address, logLevel: 'silent' }));
  closers.push(() => broker.close(), () => cluster.close());
  return { broker, cluster };
}

function keysOf(broker: ScriptedBroker): [number, number, string[]][] {
  return broker.requestsOf('FindCoordinator').map((request) => {
    const body = request.body as FindCoordinatorRequest;
    return [request.apiVersion, body.keyType, request.apiVersion >= 4 ? body.coordinatorKeys : [body.key]];
  });
}

describe('coordinator lookups', () => {
  it('batches the keys of one type looked up in the same tick into one FindCoordinator v4 request', async () => {
    const { broker, cluster } = await setup(4);
    const found = await Promise.all([
      cluster.coordinators.find({ type: 'group', key: 'g1' }),
      cluster.coordinators.find({ type: 'group', key: 'g2' }),
      cluster.coordinators.find({ type: 'transaction', key: 't1' }),
      cluster.coordinators.find({ type: 'group', key: 'g1' }),
    ]);
    assert.deepEqual(found.map((node) => [node.id, node.port]), Array(4).fill([7, broker.port]));
    assert.deepEqual(keysOf(broker), [
      [4, 0, ['g1', 'g2']],
      [4, 1, ['t1']],
    ]);
    // Cached: no new request.
    assert.equal((await cluster.coordinators.find({ type: 'group', key: 'g2' })).id, 7);
    assert.equal(broker.requestsOf('FindCoordinator').length, 2);
    cluster.coordinators.invalidate({ type: 'group', key: 'g2' });
    await cluster.coordinators.find({ type: 'group', key: 'g2' });
    assert.deepEqual(keysOf(broker).at(-1), [4, 0, ['g2']]);
  });

  it('sends one request per key before v4, and keyType only from v1', async () => {
    const { broker, cluster } = await setup(3);
    await Promise.all([cluster.coordinators.find({ type: 'group', key: 'a' }), cluster.coordinators.find({ type: 'transaction', key: 'b' })]);
    assert.deepEqual(keysOf(broker).sort(), [
      [3, 0, ['a']],
      [3, 1, ['b']],
    ]);
  });

  it('fails only the keys the broker has errors for, with a KafkaProtocolError naming the group', async () => {
    const { broker, cluster } = await setup(4);
    const [good, bad] = await Promise.allSettled([cluster.coordinators.find({ type: 'group', key: 'ok' }), cluster.coordinators.find({ type: 'group', key: 'bad-1' })]);
    assert.equal(good.status === 'fulfilled' && good.value.id, 7);
    assert.ok(bad.status === 'rejected' && bad.reason instanceof KafkaProtocolError);
    assert.equal(bad.reason.errorName, 'COORDINATOR_NOT_AVAILABLE');
    assert.equal(bad.reason.retriable, true);
    assert.deepEqual(bad.reason.location, { groupId: 'bad-1', apiName: 'FindCoordinator' });
    assert.equal(bad.reason.message, 'COORDINATOR_NOT_AVAILABLE (group bad-1, FindCoordinator): not yet');
    assert.equal(cluster.coordinators.cached({ type: 'group', key: 'bad-1' }), undefined);
    assert.equal(broker.requestsOf('FindCoordinator').length, 1);
  });

  it('refuses transaction coordinators on a broker with only FindCoordinator v0', async () => {
    const { cluster } = await setup(0);
    await assert.rejects(cluster.coordinators.find({ type: 'transaction', key: 'tx' }), KafkaUnsupportedVersionError);
  });
});
