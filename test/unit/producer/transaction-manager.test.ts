/**
 * The idempotence state machine: InitProducerId against a scripted broker (success, retries,
 * fallback, fatal), and the sequence rules for draining, acknowledging, retrying, renumbering and
 * epoch bumps, on real batches.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../../src/cluster/cluster.js';
import { silentLogger } from '../../../src/cluster/logger.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import { ProducerBatch } from '../../../src/producer/batch.js';
import { PartitionSequences, TransactionManager } from '../../../src/producer/transaction-manager.js';
import { CompressionType } from '../../../src/compression/types.js';
import { waitFor } from '../../support/wait.js';
import { ScriptedKafka } from './scripted-kafka.js';

function batch(firstRecord: number, records: number): ProducerBatch {
  const created = new ProducerBatch('t', 0, firstRecord, { compression: CompressionType.None, compressionLevel: undefined, writeLimit: 16384 }, 1, Buffer.alloc(1024), 0);
  for (let i = 0; i < records; i++) created.append(null, -1, Buffer.from('v'), 1, undefined, 0, null);
  return created;
}

/** Drains `batch` as the sender does: asks, then assigns its sequence. */
function drain(manager: TransactionManager, sequences: PartitionSequences, drained: ProducerBatch, inFlight = 0): void {
  assert.ok(manager.mayDrain(sequences, [drained], inFlight), 'may drain');
  manager.assignSequence(sequences, drained);
}

/** Clusters made by readyManager, closed after the suite so no connection attempt outlives it. */
const readyClusters: Cluster[] = [];

/** A manager that already has producer id 7, epoch 0 (no broker involved). */
function readyManager(): TransactionManager {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: '127.0.0.1:1', logLevel: 'silent' }));
  readyClusters.push(cluster);
  const manager = new TransactionManager({ cluster, logger: silentLogger, wake() {} }, true);
  manager.state = 'ready';
  manager.producerId = 7;
  manager.producerEpoch = 0;
  return manager;
}

describe('TransactionManager', () => {
  describe('InitProducerId', () => {
    let kafka: ScriptedKafka;
    before(async () => {
      kafka = await ScriptedKafka.start(1, []);
    });
    after(async () => {
      await kafka.close();
    });

    async function initialize(): Promise<{ manager: TransactionManager; cluster: Cluster }> {
      const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: kafka.bootstrapServers, logLevel: 'silent', retryBackoffMs: 5, retryBackoffMaxMs: 20 }));
      let woken = 0;
      const manager = new TransactionManager({ cluster, logger: silentLogger, wake: () => void woken++ }, true);
      manager.ensureProducerId();
      assert.equal(manager.state, 'initializing');
      await waitFor(() => woken > 0, { what: 'InitProducerId to finish' });
      return { manager, cluster };
    }

    it('gets a producer id and epoch', async () => {
      const { manager, cluster } = await initialize();
      assert.equal(manager.state, 'ready');
      assert.ok(manager.producerId >= 1000);
      assert.equal(manager.producerEpoch, 0);
      assert.ok(manager.canSend);
      await cluster.close();
    });

    it('retries retriable errors', async () => {
      let answers = 0;
      kafka.initProducerIdAnswer = () => ({ errorCode: answers++ < 2 ? 15 : 0 });
      const { manager, cluster } = await initialize();
      await waitFor(() => manager.state === 'ready', { what: 'a producer id after retries' });
      assert.equal(answers, 3);
      kafka.initProducerIdAnswer = null;
      await cluster.close();
    });

    it('falls back to no idempotence when the broker cannot do it, and fails for good when refused', async () => {
      kafka.initProducerIdAnswer = () => ({ errorCode: 35 });
      const unsupported = await initialize();
      assert.equal(unsupported.manager.state, 'disabled');
      assert.equal(unsupported.manager.idempotent, false);
      assert.ok(unsupported.manager.canSend);
      await unsupported.cluster.close();
      kafka.initProducerIdAnswer = () => ({ errorCode: 31 });
      const refused = await initialize();
      assert.equal(refused.manager.state, 'fatal');
      assert.equal(refused.manager.fatalError?.errorName, 'CLUSTER_AUTHORIZATION_FAILED');
      assert.equal(refused.manager.canSend, false);
      kafka.initProducerIdAnswer = null;
      await refused.cluster.close();
    });
  });

  describe('sequences', () => {
    after(async () => {
      await Promise.all(readyClusters.map((cluster) => cluster.close()));
    });

    it('assigns consecutive sequences and lets only the first batch of an epoch travel alone', () => {
      const manager = readyManager();
      const sequences = new PartitionSequences();
      const queue = [batch(0, 3), batch(3, 2), batch(5, 4)];
      assert.ok(manager.mayDrain(sequences, queue, 0));
      const first = queue.shift()!;
      manager.assignSequence(sequences, first);
      assert.deepEqual([first.producerId, first.producerEpoch, first.baseSequence], [7, 0, 0]);
      assert.equal(manager.mayDrain(sequences, queue, 1), false, 'the first batch of the epoch is not acknowledged yet');
      manager.acknowledged(sequences, first);
      assert.equal(sequences.lastAcked, 2);
      assert.ok(manager.mayDrain(sequences, queue, 0));
      manager.assignSequence(sequences, queue[0]!);
      assert.equal(queue[0]!.baseSequence, 3);
      manager.assignSequence(sequences, queue[1]!);
      assert.equal(queue[1]!.baseSequence, 5);
      assert.equal(sequences.nextSequence, 9);
    });

    it('retries a partition strictly in order: only its lowest unacknowledged batch goes', () => {
      const manager = readyManager();
      const sequences = new PartitionSequences();
      const batches = [batch(0, 1), batch(1, 1), batch(2, 1)];
      drain(manager, sequences, batches[0]!);
      manager.acknowledged(sequences, batches[0]!);
      drain(manager, sequences, batches[1]!);
      drain(manager, sequences, batches[2]!, 1);
      // Batches 1 and 2 failed and were put back in order.
      const queue = [batches[1]!, batches[2]!];
      assert.ok(manager.mayDrain(sequences, queue, 0));
      assert.equal(manager.mayDrain(sequences, [batches[2]!], 1), false, 'batch 2 waits for batch 1');
    });

    it('renumbers in the same epoch after a refused batch, once nothing is in flight', () => {
      const manager = readyManager();
      const sequences = new PartitionSequences();
      const batches = [batch(0, 2), batch(2, 3), batch(5, 1)];
      drain(manager, sequences, batches[0]!);
      manager.acknowledged(sequences, batches[0]!);
      drain(manager, sequences, batches[1]!);
      drain(manager, sequences, batches[2]!, 1);
      manager.abandoned(sequences, batches[1]!, false);
      assert.equal(sequences.rewrite, 'same-epoch');
      const queue = [batches[2]!];
      assert.equal(manager.mayDrain(sequences, queue, 1), false, 'waits while a batch is in flight');
      assert.ok(manager.mayDrain(sequences, queue, 0));
      assert.equal(batches[2]!.baseSequence, 2, 'takes the refused batch\'s sequence');
      assert.equal(sequences.nextSequence, 3);
      assert.equal(manager.producerEpoch, 0);
    });

    it('bumps the epoch and renumbers from 0 when the broker lost the state, and other partitions follow when idle', () => {
      const manager = readyManager();
      const lost = new PartitionSequences();
      const other = new PartitionSequences();
      const lostBatches = [batch(0, 2), batch(2, 2)];
      drain(manager, lost, lostBatches[0]!);
      manager.acknowledged(lost, lostBatches[0]!);
      drain(manager, lost, lostBatches[1]!);
      const otherBatch = batch(0, 1);
      drain(manager, other, otherBatch);
      manager.acknowledged(other, otherBatch);
      manager.sequenceError(lost, lostBatches[1]!, 45);
      assert.equal(lost.rewrite, 'new-epoch', 'the next expected batch is out of sequence');
      assert.ok(manager.mayDrain(lost, [lostBatches[1]!], 0));
      assert.equal(manager.producerEpoch, 1);
      assert.deepEqual([lostBatches[1]!.producerEpoch, lostBatches[1]!.baseSequence], [1, 0]);
      const next = batch(1, 1);
      assert.ok(manager.mayDrain(other, [next], 0), 'the other partition has nothing in flight: it moves to epoch 1 at sequence 0');
      manager.assignSequence(other, next);
      assert.deepEqual([next.producerEpoch, next.baseSequence], [1, 0]);
    });

    it('asks for a new producer id when the epoch is exhausted', () => {
      const manager = readyManager();
      manager.producerEpoch = 0x7fff;
      manager.bumpEpoch();
      assert.equal(manager.producerId, -1);
      assert.ok(manager.state === 'initializing' || manager.state === 'uninitialized');
      manager.close();
    });
  });
});
