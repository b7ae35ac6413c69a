import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockCluster } from '../../../src/broker/index.js';
import { Metadata } from '../../../src/protocol/generated/metadata.js';
import { connectTo } from './fixtures.js';
import { waitFor } from '../../support/wait.js';

describe('BrokerServer', () => {
  it('closes connections beyond its limit as they arrive, and accepts again once below it', async () => {
    const cluster = await MockCluster.start({ brokers: 1, maxConnectionsPerBroker: 2 });
    const first = await connectTo(cluster, 1);
    const second = await connectTo(cluster, 1);
    // Both are registered once each has been served.
    await first.send(Metadata, 9, { topics: null });
    await second.send(Metadata, 9, { topics: null });
    const third = await connectTo(cluster, 1);
    await third.closed;
    await first.close();
    const fourth = await waitFor(async () => {
      const candidate = await connectTo(cluster, 1);
      try {
        await candidate.send(Metadata, 9, { topics: null });
        return candidate;
      } catch {
        return undefined;
      }
    }, { what: 'a connection to be accepted again' });
    assert.equal((await fourth.send(Metadata, 9, { topics: null })).brokers.length, 1);
    await fourth.close();
    await second.close();
    await cluster.stop();
  });
});
