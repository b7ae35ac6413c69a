import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOSE_CONNECTION, FaultInjector } from '../../../src/broker/fault-injection.js';

describe('FaultInjector', () => {
  it('serves a broker\'s own queue before the cluster-wide one, in order', () => {
    const faults = new FaultInjector();
    faults.push(0, [6, CLOSE_CONNECTION]);
    faults.pushForBroker(2, 0, [{ code: 7, rttMs: 50 }]);
    assert.equal(faults.pending(2, 0), 3);
    assert.deepEqual(faults.next(2, 0), { code: 7, rttMs: 50 });
    assert.deepEqual(faults.next(2, 0), { code: 6, rttMs: 0 });
    assert.deepEqual(faults.next(1, 0), { code: -195, rttMs: 0 });
    assert.equal(faults.next(1, 0), undefined);
    assert.equal(faults.next(1, 3), undefined);
  });

  it('clears the cluster-wide queue of one key and keeps broker queues, and bounds what it accepts', () => {
    const faults = new FaultInjector();
    faults.push(1, [1, 2]);
    faults.push(3, [3]);
    faults.pushForBroker(1, 1, [{ code: 9, rttMs: 0 }]);
    faults.clear(1);
    assert.deepEqual([faults.pending(1, 1), faults.pending(1, 3)], [1, 1]);
    assert.throws(() => faults.push(1, [40000]), /error code must be an integer/);
    assert.throws(() => faults.push(-1, [1]), /apiKey/);
    assert.throws(() => faults.pushForBroker(1, 1, [{ code: 1, rttMs: -5 }]), /rttMs/);
    assert.throws(() => faults.push(2, new Array(100_001).fill(1)), /at most 100000/);
    faults.clearAll();
    assert.equal(faults.pending(1, 1), 0);
  });

  it('keeps a delay per broker', () => {
    const faults = new FaultInjector();
    faults.setRtt(1, 250);
    assert.deepEqual([faults.rtt(1), faults.rtt(2)], [250, 0]);
    faults.setRtt(1, 0);
    assert.equal(faults.rtt(1), 0);
    assert.throws(() => faults.setRtt(1, 1.5), /rtt/);
  });
});
