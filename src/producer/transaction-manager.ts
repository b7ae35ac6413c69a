/**
 * The producer's idempotence state machine: the producer id and epoch, and per partition the
 * sequence numbers of its batches. Transactions will extend this class (transactional id,
 * AddPartitionsToTxn before a partition's first batch, EndTxn); the sender asks it
 * `mayDrain` / `assignSequence` and reports every outcome to it, so they slot in here.
 *
 * States: 'disabled' (not idempotent, or the broker cannot do it), 'uninitialized' (no producer
 * id yet), 'initializing' (InitProducerId in flight), 'ready', 'fatal' (the broker refused us for
 * good; every send fails with `fatalError`).
 *
 * Sequences (as the Java client, KIP-98/KIP-360):
 *  - a batch gets its base sequence when first drained, and keeps it across retries;
 *  - a partition's batches with sequences are retried strictly in order: a retried batch is sent
 *    only when it is the partition's lowest unacknowledged one, so after a failure at most one
 *    request per partition is in flight until it succeeds;
 *  - a partition's first batch of an epoch travels alone: a broker with no state for the producer
 *    accepts any sequence, so a second batch could otherwise be written before a failed first one
 *    (a stricter rule than the Java client's);
 *  - when the broker refused a batch for good (a fatal error) its sequences were not used: once
 *    the partition has nothing in flight, the batches after it get new sequences in the same epoch;
 *  - when the broker lost our state (UNKNOWN_PRODUCER_ID, or OUT_OF_ORDER_SEQUENCE_NUMBER for the
 *    very next batch it should accept) or a batch's fate is unknown (it expired after being sent),
 *    the epoch is bumped locally (a new producer id when the epoch is exhausted) and, once the
 *    partition has nothing in flight, its unacknowledged batches are renumbered from 0. Other
 *    partitions move to the new epoch when they next have nothing in flight.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../cluster/logger.js';
import { backoffDelay } from '../cluster/timing.js';
import { KafkaError, KafkaProtocolError, KafkaUnsupportedVersionError } from '../protocol/errors.js';
import { InitProducerId } from '../protocol/generated/index.js';
import type { ProducerBatch } from './batch.js';

export type IdempotenceState = 'disabled' | 'uninitialized' | 'initializing' | 'ready' | 'fatal';

const MAX_EPOCH = 0x7fff;
/** InitProducerId's transaction timeout; unused without a transactional id (Java sends its default). */
const TRANSACTION_TIMEOUT_MS = 60_000;

/** The sequence state of one partition. */
export class PartitionSequences {
  /** The producer id and epoch these sequences belong to (-1: none yet). */
  producerId = -1;
  producerEpoch = -1;
  nextSequence = 0;
  lastAcked = -1;
  /** Batches holding sequences, not yet acknowledged or failed, in sequence order. */
  readonly unacked: ProducerBatch[] = [];
  /** A renumbering waiting for the partition to have nothing in flight. */
  rewrite: 'none' | 'same-epoch' | 'new-epoch' = 'none';

  removeUnacked(batch: ProducerBatch): void {
    const index = this.unacked.indexOf(batch);
    if (index >= 0) this.unacked.splice(index, 1);
  }
}

export interface TransactionManagerHost {
  readonly cluster: Cluster;
  readonly logger: Logger;
  /** Called when the state changes (the sender may drain again). */
  wake(): void;
}

export class TransactionManager {
  state: IdempotenceState;
  producerId = -1;
  producerEpoch = -1;
  fatalError: KafkaError | null = null;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly host: TransactionManagerHost,
    idempotent: boolean,
  ) {
    this.state = idempotent ? 'uninitialized' : 'disabled';
  }

  get idempotent(): boolean {
    return this.state !== 'disabled';
  }

  /** Whether batches may be drained now (a producer id is known, or none is needed). */
  get canSend(): boolean {
    return this.state === 'ready' || this.state === 'disabled';
  }

  /** Starts InitProducerId when there is no producer id and none is being fetched. */
  ensureProducerId(): void {
    if (this.state !== 'uninitialized' || this.retryTimer !== null || this.closed) return;
    this.state = 'initializing';
    void this.initProducerId();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async initProducerId(): Promise<void> {
    const { cluster, logger } = this.host;
    try {
      const response = await cluster.withRetries(
        async (attempt) => {
          const channel = await cluster.route('any', { signal: attempt.signal });
          const version = channel.versions.tryPick(InitProducerId);
          if (version === null) throw new KafkaUnsupportedVersionError(`${channel.label} does not support InitProducerId`);
          const answer = await channel.send(
            InitProducerId,
            { transactionalId: null, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS, producerId: -1n, producerEpoch: -1 },
            { version, signal: attempt.signal, timeoutMs: attempt.requestTimeoutMs() },
          );
          if (answer.errorCode !== 0) throw new KafkaProtocolError(answer.errorCode, { apiName: 'InitProducerId', brokerId: channel.node.id });
          return answer;
        },
        { what: 'InitProducerId', timeoutMs: cluster.options.requestTimeoutMs },
      );
      if (this.closed) return;
      const producerId = Number(response.producerId);
      if (!Number.isSafeInteger(producerId) || producerId < 0) throw new KafkaProtocolError(-1, { apiName: 'InitProducerId' }, `invalid producer id ${response.producerId}`);
      this.producerId = producerId;
      this.producerEpoch = response.producerEpoch;
      this.state = 'ready';
      this.failures = 0;
      logger.debug('producer id assigned', { producerId, producerEpoch: this.producerEpoch });
    } catch (error) {
      if (this.closed) return;
      const failure = error instanceof KafkaError ? error : new KafkaError(String(error));
      if (failure instanceof KafkaUnsupportedVersionError || failure.code === UNSUPPORTED_VERSION) {
        this.state = 'disabled';
        logger.warn('the cluster does not support idempotent producing (no InitProducerId): continuing without idempotence, so retries may duplicate records', {
          error: failure.message,
        });
      } else if (failure.retriable) {
        this.state = 'uninitialized';
        this.failures++;
        const wait = backoffDelay(cluster.options.retryBackoffMs, cluster.options.retryBackoffMaxMs, this.failures);
        logger.debug('InitProducerId failed; retrying', { error: failure.message, waitMs: wait });
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.ensureProducerId();
        }, wait);
      } else {
        this.state = 'fatal';
        this.fatalError = failure;
        logger.error('the producer cannot obtain a producer id; every send will fail', { error: failure.message });
      }
    }
    this.host.wake();
  }

  /** Moves to the next epoch (a new producer id when the epoch is exhausted). */
  bumpEpoch(): void {
    if (this.state !== 'ready') return;
    if (this.producerEpoch >= MAX_EPOCH) {
      this.host.logger.info('producer epoch exhausted; requesting a new producer id', { producerId: this.producerId });
      this.producerId = -1;
      this.producerEpoch = -1;
      this.state = 'uninitialized';
      this.ensureProducerId();
      return;
    }
    this.producerEpoch++;
    this.host.logger.info('bumped the producer epoch to recover sequence numbers', { producerId: this.producerId, producerEpoch: this.producerEpoch });
  }

  // ---- per-partition sequences ----

  /**
   * Whether the first queued batch of a partition may be drained now; performs a pending
   * renumbering or a move to the current epoch when the partition has nothing in flight.
   * `queue` is the partition's batches, the first being the candidate; `inFlight` the number of
   * its batches in requests awaiting a response.
   */
  mayDrain(sequences: PartitionSequences, queue: readonly ProducerBatch[], inFlight: number): boolean {
    if (this.state !== 'ready') return false;
    if (sequences.rewrite !== 'none') {
      if (inFlight > 0 || !this.renumber(sequences, queue)) return false;
    }
    const first = queue[0]!;
    if (first.baseSequence < 0) {
      if (sequences.producerId !== this.producerId || sequences.producerEpoch !== this.producerEpoch) {
        // Batches of the old epoch must resolve before sequence 0 of the new one is sent.
        if (sequences.unacked.length > 0 || inFlight > 0) return false;
        sequences.producerId = this.producerId;
        sequences.producerEpoch = this.producerEpoch;
        sequences.nextSequence = 0;
        sequences.lastAcked = -1;
      }
      // A broker accepts any sequence from a producer it has no state for: until the partition's
      // first batch of this epoch is acknowledged, a later batch could be written before it.
      return sequences.lastAcked >= 0 || sequences.unacked.length === 0;
    }
    // A retry goes only when it is the lowest unacknowledged batch.
    return sequences.unacked[0] === first;
  }

  /** Gives a batch being drained for the first time its producer id, epoch and sequences. */
  assignSequence(sequences: PartitionSequences, batch: ProducerBatch): void {
    if (batch.baseSequence >= 0) return;
    batch.producerId = sequences.producerId;
    batch.producerEpoch = sequences.producerEpoch;
    batch.baseSequence = sequences.nextSequence;
    sequences.nextSequence = (sequences.nextSequence + batch.recordCount) % 0x80000000;
    sequences.unacked.push(batch);
  }

  /** Renumbers the partition's unacknowledged batches (all queued now); false to wait. */
  private renumber(sequences: PartitionSequences, queue: readonly ProducerBatch[]): boolean {
    const newEpoch = sequences.rewrite === 'new-epoch';
    if (newEpoch) {
      if (sequences.producerId === this.producerId && sequences.producerEpoch === this.producerEpoch) this.bumpEpoch();
      if (this.state !== 'ready') return false;
      sequences.producerId = this.producerId;
      sequences.producerEpoch = this.producerEpoch;
      sequences.lastAcked = -1;
    }
    let next = newEpoch ? 0 : (sequences.lastAcked + 1) % 0x80000000;
    // The batches that held or need sequences come first in the queue, in order.
    let last = -1;
    for (let index = 0; index < queue.length; index++) if (queue[index]!.baseSequence >= 0) last = index;
    sequences.unacked.length = 0;
    for (let index = 0; index <= last; index++) {
      const batch = queue[index]!;
      batch.producerId = sequences.producerId;
      batch.producerEpoch = sequences.producerEpoch;
      batch.baseSequence = next;
      next = (next + batch.recordCount) % 0x80000000;
      sequences.unacked.push(batch);
    }
    sequences.nextSequence = next;
    sequences.rewrite = 'none';
    this.host.logger.debug('renumbered batches', { batches: last + 1, epoch: sequences.producerEpoch, nextSequence: next });
    return true;
  }

  /** A batch was acknowledged (or reported a duplicate of one that was). */
  acknowledged(sequences: PartitionSequences, batch: ProducerBatch): void {
    if (batch.baseSequence < 0) return;
    sequences.removeUnacked(batch);
    if (batch.producerId === sequences.producerId && batch.producerEpoch === sequences.producerEpoch) {
      const last = (batch.baseSequence + batch.recordCount - 1) % 0x80000000;
      if (sequences.lastAcked < 0 || last > sequences.lastAcked || sequences.lastAcked - last > 0x40000000) sequences.lastAcked = last;
    }
  }

  /**
   * A batch failed with a sequence error and will be retried: decides whether the partition's
   * state on the broker is lost (epoch bump) or the batch merely followed another failure.
   */
  sequenceError(sequences: PartitionSequences, batch: ProducerBatch, code: number): void {
    if (batch.baseSequence < 0 || sequences.rewrite === 'new-epoch') return;
    const current = batch.producerId === sequences.producerId && batch.producerEpoch === sequences.producerEpoch;
    if (!current) return;
    const isNext = batch.baseSequence === (sequences.lastAcked + 1) % 0x80000000;
    if (code === UNKNOWN_PRODUCER_ID || isNext) sequences.rewrite = 'new-epoch';
  }

  /**
   * A batch with a sequence is finished without being acknowledged. `written` is what is known of
   * its fate: false (the broker refused it), or 'unknown' (it expired after an ambiguous attempt).
   */
  abandoned(sequences: PartitionSequences, batch: ProducerBatch, written: false | 'unknown'): void {
    if (batch.baseSequence < 0) return;
    sequences.removeUnacked(batch);
    if (batch.producerId !== sequences.producerId || batch.producerEpoch !== sequences.producerEpoch) return;
    if (written === 'unknown') sequences.rewrite = 'new-epoch';
    else if (sequences.rewrite === 'none') sequences.rewrite = 'same-epoch';
  }
}

const UNSUPPORTED_VERSION = 35;
export const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
export const DUPLICATE_SEQUENCE_NUMBER = 46;
export const UNKNOWN_PRODUCER_ID = 59;
