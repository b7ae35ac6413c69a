/**
 * The sender: moves ready batches from the accumulator to the brokers and settles them.
 *
 * It runs as passes, scheduled (as a microtask) whenever something changed (a batch filled up, a
 * response came, metadata arrived, a flush began) and by one timer for the next linger, backoff or
 * delivery deadline. Each pass:
 *  1. expires batches older than `deliveryTimeoutMs` (queued or in flight);
 *  2. groups the partitions that have batches by their leader (from the metadata cache; a partition
 *     without a known leader triggers a metadata refresh and waits);
 *  3. for each broker with at least one ready partition (its first batch full, lingered long
 *     enough, or everything is ready because of flush/close/a memory shortage), drains one batch
 *     per partition of that broker into a Produce request of at most `maxRequestSize` bytes,
 *     starting at a rotating index so no partition starves, and repeats while fewer than
 *     `maxInFlightRequestsPerConnection` requests are in flight and partitions are ready.
 *
 * Requests to one broker are written in drain order (batches needing an asynchronous codec are
 * closed first, and later requests wait for them), which keeps a partition's sequence numbers in
 * order on the wire. Responses settle batches: success resolves the sends; retriable errors put the
 * batch back in sequence order with exponential backoff (refreshing metadata for metadata errors,
 * so the batch follows its partition's new leader); other errors fail exactly that batch's sends.
 */
import type { BrokerChannel } from '../cluster/broker-pool.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../cluster/logger.js';
import { METADATA_ERROR_CODES } from '../cluster/retry.js';
import { backoffDelay } from '../cluster/timing.js';
import { CompressionType, toCompressionType } from '../compression/index.js';
import { KafkaConnectionError, KafkaError, KafkaProtocolError, KafkaStateError, KafkaUnsupportedVersionError, errorInfo } from '../protocol/errors.js';
import { Produce, type ProduceResponse, type ProduceResponsePartitionProduceResponse } from '../protocol/generated/index.js';
import type { PartitionQueue, RecordAccumulator } from './accumulator.js';
import type { ProducerBatch } from './batch.js';
import { KafkaDeliveryTimeoutError } from './errors.js';
import { BrokerCounters, type ProducerCounters } from './metrics.js';
import type { ResolvedProducerOptions } from './options.js';
import { answerFinder, presizedProduce, produceTopicData } from './produce-request.js';
import { rebuildBatch } from './rebuild.js';
import { DUPLICATE_SEQUENCE_NUMBER, OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, type TransactionManager } from './transaction-manager.js';

const MESSAGE_TOO_LARGE = 10;

/** Produce v3 is the first with record batches (magic 2); zstd needs v7. */
const MIN_PRODUCE_VERSION = 3;
const MIN_PRODUCE_VERSION_ZSTD = 7;

export interface SenderHost {
  readonly cluster: Cluster;
  readonly logger: Logger;
  readonly options: ResolvedProducerOptions;
  readonly accumulator: RecordAccumulator;
  readonly transactions: TransactionManager;
  readonly counters: ProducerCounters;
  /** Every batch is ready regardless of linger (flush, close, or sends waiting for memory). */
  forceReady(): boolean;
  /** A batch finished (its memory was released): waiting sends may proceed. */
  batchDone(batch: ProducerBatch): void;
}

interface RequestJob {
  readonly batches: ProducerBatch[];
  /** All batches closed. */
  ready: boolean;
  failed: KafkaError | null;
}

class BrokerSender {
  channel: BrokerChannel | null = null;
  connecting = false;
  /** `performance.now()` before which no new connection attempt is made. */
  connectRetryAt = 0;
  connectFailures = 0;
  /** Requests sent or being prepared, awaiting completion. */
  inFlight = 0;
  drainIndex = 0;
  throttledUntil = 0;
  /** Requests prepared (or being prepared) and not yet written, in drain order. */
  readonly pending: RequestJob[] = [];
  /** Batches in requests awaiting responses. */
  readonly inFlightBatches = new Set<ProducerBatch>();
  readonly counters = new BrokerCounters();

  constructor(readonly id: number) {}

  readyChannel(): BrokerChannel | null {
    const channel = this.channel;
    if (channel === null) return null;
    if (channel.connection.isClosed) {
      this.channel = null;
      return null;
    }
    return channel.connection.isReady ? channel : null;
  }
}

export class Sender {
  private readonly brokers = new Map<number, BrokerSender>();
  /** Batches being rebuilt (split, or resent without refused records). */
  private readonly rebuilding = new Set<ProducerBatch>();
  private scheduled = false;
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private metadataRefreshing = false;
  private stopped = false;
  private readonly compression: CompressionType;

  constructor(private readonly host: SenderHost) {
    this.compression = toCompressionType(host.options.compressionType);
  }

  /** Schedules a pass. */
  readonly wake = (): void => {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.runScheduled);
  };

  /** Makes sure a pass runs by `at` (`performance.now()` time). */
  wakeAt(at: number): void {
    if (this.stopped || at >= this.timerDue) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDue = at;
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(at - performance.now())));
  }

  /** Stops scheduling (after close); in-flight responses are still handled. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  get inFlightRequests(): number {
    let count = 0;
    for (const broker of this.brokers.values()) count += broker.inFlight;
    return count;
  }

  brokerMetrics(): Record<string, ReturnType<BrokerCounters['snapshot']>> {
    const result: Record<string, ReturnType<BrokerCounters['snapshot']>> = {};
    for (const [id, broker] of this.brokers) result[id] = broker.counters.snapshot(id, broker.inFlight);
    return result;
  }

  /** Batches in requests (or being rebuilt after one), for flush and close. */
  *inFlightBatches(): Iterable<ProducerBatch> {
    for (const broker of this.brokers.values()) yield* broker.inFlightBatches;
    yield* this.rebuilding;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerDue = Infinity;
    this.wake();
  };

  private readonly runScheduled = (): void => {
    this.scheduled = false;
    if (this.stopped) return;
    this.running = true;
    let nextAt = Infinity;
    try {
      do {
        this.again = false;
        nextAt = this.pass(performance.now());
      } while (this.again && !this.stopped);
    } catch (error) {
      // A bug must not stop the producer silently: log it and try again shortly.
      this.host.logger.error('producer sender pass failed', { error: error instanceof Error ? error.message : String(error) });
      nextAt = performance.now() + this.host.options.retryBackoffMs;
    } finally {
      this.running = false;
    }
    if (nextAt !== Infinity) this.wakeAt(nextAt);
  };

  // ---- one pass ----

  private pass(now: number): number {
    const { accumulator, transactions, options, cluster } = this.host;
    if (transactions.state === 'fatal') {
      this.abortAll(transactions.fatalError!);
      return Infinity;
    }
    let nextAt = this.expire(now);
    if (accumulator.nonEmpty.size === 0) return nextAt;
    if (transactions.idempotent && !transactions.canSend) {
      transactions.ensureProducerId();
      return nextAt;
    }
    const updatedAt = cluster.metadata.updatedAt;
    if (updatedAt !== null && now - updatedAt > options.metadataMaxAgeMs) this.refreshMetadata(false);

    const forced = this.host.forceReady();
    const linger = options.lingerMs;
    const byLeader = new Map<number, PartitionQueue[]>();
    const readyLeaders = new Set<number>();
    let missingLeader = false;
    for (const queue of accumulator.nonEmpty) {
      const first = queue.batches[0]!;
      const leader = this.leaderOf(queue);
      if (leader < 0) {
        missingLeader = true;
        continue;
      }
      if (first.retryAt > now) {
        nextAt = Math.min(nextAt, first.retryAt);
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(queue);
      if (forced || first.sealed || queue.batches.length > 1 || now - first.createdAt >= linger) readyLeaders.add(leader);
      else nextAt = Math.min(nextAt, first.createdAt + linger);
    }
    if (missingLeader) this.refreshMetadata(true);
    for (const leader of readyLeaders) {
      const waitUntil = this.drainBroker(this.broker(leader), byLeader.get(leader)!, now, forced);
      nextAt = Math.min(nextAt, waitUntil);
    }
    return nextAt;
  }

  private leaderOf(queue: PartitionQueue): number {
    const metadata = this.host.cluster.metadata;
    const state = metadata.partition(queue.topic.name, queue.partition);
    if (state === undefined || state.leader < 0 || metadata.broker(state.leader) === undefined) return -1;
    return state.leader;
  }

  private broker(id: number): BrokerSender {
    let broker = this.brokers.get(id);
    if (broker === undefined) {
      broker = new BrokerSender(id);
      this.brokers.set(id, broker);
    }
    return broker;
  }

  /** Sends what is ready for one broker; returns when a pass should look again (Infinity: on an event). */
  private drainBroker(broker: BrokerSender, queues: PartitionQueue[], now: number, forced: boolean): number {
    if (broker.throttledUntil > now) return broker.throttledUntil;
    const channel = broker.readyChannel();
    if (channel === null) {
      if (now < broker.connectRetryAt) return broker.connectRetryAt;
      this.connect(broker);
      return Infinity;
    }
    const max = this.host.options.maxInFlightRequestsPerConnection;
    let first = true;
    while (broker.inFlight < max) {
      if (!first && !this.anyReady(queues, now, forced)) break;
      first = false;
      const batches = this.collect(broker, queues, now);
      if (batches.length === 0) break;
      this.startRequest(broker, batches);
    }
    return Infinity;
  }

  private anyReady(queues: readonly PartitionQueue[], now: number, forced: boolean): boolean {
    const linger = this.host.options.lingerMs;
    for (const queue of queues) {
      const first = queue.batches[0];
      if (first === undefined || first.retryAt > now) continue;
      if (forced || first.sealed || queue.batches.length > 1 || now - first.createdAt >= linger) return true;
    }
    return false;
  }

  /** Takes the first batch of each partition (in rotating order) up to `maxRequestSize`. */
  private collect(broker: BrokerSender, queues: readonly PartitionQueue[], now: number): ProducerBatch[] {
    const { accumulator, transactions, options } = this.host;
    const batches: ProducerBatch[] = [];
    const count = queues.length;
    const start = broker.drainIndex % count;
    let size = 0;
    let index = 0;
    for (; index < count; index++) {
      const queue = queues[(start + index) % count]!;
      const first = queue.batches[0];
      if (first === undefined || first.retryAt > now || queue.holds > 0) continue;
      // With one request in flight per connection, a partition is also limited to one batch in
      // flight (as Java mutes it), so a retry cannot be overtaken even across a leader change.
      if (queue.inFlight > 0 && options.maxInFlightRequestsPerConnection === 1) continue;
      const sequences = transactions.idempotent ? queue.sequences : null;
      if (sequences !== null && !transactions.mayDrain(sequences, queue.batches, queue.inFlight)) continue;
      const batchSize = queue.batches[0]!.estimatedSize();
      if (size + batchSize > options.maxRequestSize && batches.length > 0) break;
      const batch = accumulator.takeFirst(queue);
      batch.sealed = true;
      if (sequences !== null) transactions.assignSequence(sequences, batch);
      queue.inFlight++;
      batch.inRequest = true;
      if (batch.attempts > 0) this.host.counters.recordsRetried += batch.recordCount;
      batch.attempts++;
      batches.push(batch);
      size += batchSize;
    }
    broker.drainIndex = start + index + 1;
    return batches;
  }

  // ---- requests ----

  private startRequest(broker: BrokerSender, batches: ProducerBatch[]): void {
    broker.inFlight++;
    for (const batch of batches) broker.inFlightBatches.add(batch);
    const job: RequestJob = { batches, ready: false, failed: null };
    broker.pending.push(job);
    // Closing compresses; only an asynchronous codec (zstd through a native module, a registered
    // one) makes it wait, and then later requests to the broker wait for this one.
    const closing: Promise<Buffer>[] = [];
    try {
      for (const batch of batches) {
        const bytes = batch.close();
        if (bytes instanceof Promise) closing.push(bytes);
      }
    } catch (error) {
      job.failed = asKafkaError(error);
    }
    if (closing.length === 0 || job.failed !== null) {
      job.ready = true;
      this.writePending(broker);
      return;
    }
    Promise.all(closing).then(
      () => {
        job.ready = true;
        this.writePending(broker);
      },
      (error: unknown) => {
        job.failed = asKafkaError(error);
        job.ready = true;
        this.writePending(broker);
      },
    );
  }

  /** Writes the prepared requests at the head of the broker's queue, in order. */
  private writePending(broker: BrokerSender): void {
    while (broker.pending.length > 0 && broker.pending[0]!.ready) {
      const job = broker.pending.shift()!;
      if (job.failed !== null) {
        this.requestFailed(broker, job.batches, job.failed, false);
        continue;
      }
      const channel = broker.readyChannel() ?? broker.channel;
      if (channel === null) {
        this.requestFailed(broker, job.batches, new KafkaConnectionError(`no connection to broker ${broker.id}`), false);
        continue;
      }
      this.transmit(broker, channel, job.batches);
    }
  }

  private transmit(broker: BrokerSender, channel: BrokerChannel, batches: ProducerBatch[]): void {
    const { options, accumulator } = this.host;
    const version = channel.versions.tryPick(Produce);
    const minimum = this.compression === CompressionType.Zstd ? MIN_PRODUCE_VERSION_ZSTD : MIN_PRODUCE_VERSION;
    if (version === null || version < minimum) {
      const why = this.compression === CompressionType.Zstd ? 'zstd compression needs Produce v7 (Kafka 2.1)' : 'kafkats needs Produce v3 (Kafka 0.11) or later';
      this.requestFailed(broker, batches, new KafkaUnsupportedVersionError(`${channel.label} supports Produce up to v${version ?? 'none'}: ${why}`), false);
      return;
    }
    for (const batch of batches) {
      if (batch.producerId >= 0 || batch.baseSequence >= 0) batch.writeProducerState();
      const topic = accumulator.topics.get(batch.topic);
      if (topic !== undefined && batch.attempts === 1) accumulator.observeCompression(topic, batch.compressionRatio);
    }
    const { topicData, bytes } = produceTopicData(batches);
    broker.counters.requestsSent++;
    broker.counters.bytesSent += bytes;
    const started = performance.now();
    channel
      .send(presizedProduce(topicData, bytes), { transactionalId: null, acks: options.acks, timeoutMs: options.requestTimeoutMs, topicData }, { version, timeoutMs: options.requestTimeoutMs })
      .then(
        (response) => this.responded(broker, batches, response, started, channel),
        (error: unknown) => this.requestFailed(broker, batches, asKafkaError(error), true),
      );
  }

  // ---- outcomes ----

  private releaseRequest(broker: BrokerSender, batches: readonly ProducerBatch[]): void {
    broker.inFlight--;
    for (const batch of batches) {
      broker.inFlightBatches.delete(batch);
      batch.inRequest = false;
      const queue = this.queueOf(batch);
      if (queue !== undefined) queue.inFlight--;
    }
  }

  private responded(broker: BrokerSender, batches: ProducerBatch[], response: ProduceResponse | undefined, started: number, channel: BrokerChannel): void {
    const now = performance.now();
    this.releaseRequest(broker, batches);
    broker.counters.recordLatency(now - started);
    if (response === undefined) {
      // acks=0: written is all we will ever know.
      for (const batch of batches) this.succeeded(batch, -1, -1);
      this.wake();
      return;
    }
    if (response.throttleTimeMs > 0) broker.throttledUntil = now + response.throttleTimeMs;
    const answerOf = answerFinder(response);
    for (const batch of batches) {
      const answer = answerOf(batch.topic, batch.partition);
      if (answer === undefined) {
        this.retryOrFail(batch, new KafkaConnectionError(`the Produce response of ${channel.label} lacked ${batch.topic}-${batch.partition}`), true, now);
      } else {
        this.settle(batch, answer, channel, now);
      }
    }
    this.wake();
  }

  private settle(batch: ProducerBatch, answer: ProduceResponsePartitionProduceResponse, channel: BrokerChannel, now: number): void {
    const queue = this.queueOf(batch);
    const sequences = queue?.sequences ?? null;
    const code = answer.errorCode;
    if (code === 0 || code === DUPLICATE_SEQUENCE_NUMBER) {
      if (sequences !== null) this.host.transactions.acknowledged(sequences, batch);
      if (batch.done) return; // expired while in flight: its sends already failed
      const baseOffset = code === 0 ? Number(answer.baseOffset) : -1;
      const logAppendTime = Number(answer.logAppendTimeMs);
      this.succeeded(batch, Number.isSafeInteger(baseOffset) ? baseOffset : -1, Number.isSafeInteger(logAppendTime) ? logAppendTime : -1);
      return;
    }
    const error = new KafkaProtocolError(code, { topic: batch.topic, partition: batch.partition, apiName: 'Produce', brokerId: channel.node.id }, answer.errorMessage);
    if (batch.done) {
      if (sequences !== null) this.host.transactions.abandoned(sequences, batch, false);
      return;
    }
    if (METADATA_ERROR_CODES.has(code)) this.refreshMetadata(true);
    if (code === MESSAGE_TOO_LARGE && batch.recordCount > 1) {
      this.rebuild(batch, queue!, null, error);
      return;
    }
    if (answer.recordErrors.length > 0 && batch.recordCount > 1) {
      this.rebuild(batch, queue!, answer, error);
      return;
    }
    const sequenceError = sequences !== null && (code === OUT_OF_ORDER_SEQUENCE_NUMBER || code === UNKNOWN_PRODUCER_ID);
    if (sequenceError) this.host.transactions.sequenceError(sequences, batch, code);
    if (errorInfo(code).retriable || sequenceError) {
      this.retryOrFail(batch, error, false, now);
    } else {
      this.failed(batch, error, false);
    }
  }

  private requestFailed(broker: BrokerSender, batches: ProducerBatch[], error: KafkaError, sent: boolean): void {
    const now = performance.now();
    this.releaseRequest(broker, batches);
    if (sent) broker.counters.requestErrors++;
    const retriable = error.retriable && !(error instanceof KafkaStateError);
    if (retriable) this.refreshMetadata(true);
    for (const batch of batches) {
      if (batch.done) {
        const sequences = this.queueOf(batch)?.sequences;
        if (sequences) this.host.transactions.abandoned(sequences, batch, sent ? 'unknown' : false);
        continue;
      }
      if (retriable) this.retryOrFail(batch, error, sent, now);
      else this.failed(batch, error, sent ? 'unknown' : false);
    }
    this.wake();
  }

  /** Puts a batch back for another attempt, or fails it when out of retries or time. */
  private retryOrFail(batch: ProducerBatch, error: KafkaError, ambiguous: boolean, now: number): void {
    const { options, accumulator } = this.host;
    batch.lastError = error;
    const queue = this.queueOf(batch)!;
    if (batch.attempts > options.retries) {
      this.failed(batch, error, ambiguous ? 'unknown' : false);
      return;
    }
    if (now - batch.createdAt >= options.deliveryTimeoutMs) {
      this.failed(batch, this.timeoutError(batch), ambiguous ? 'unknown' : false);
      return;
    }
    if (ambiguous) batch.ambiguous = true;
    batch.retryAt = now + backoffDelay(options.retryBackoffMs, options.retryBackoffMaxMs, batch.attempts);
    this.host.logger.debug('retrying a batch', { topic: batch.topic, partition: batch.partition, attempt: batch.attempts, error: error.message });
    accumulator.requeue(queue, batch);
  }

  private succeeded(batch: ProducerBatch, baseOffset: number, logAppendTime: number): void {
    const counters = this.host.counters;
    counters.recordsSent += batch.recordCount;
    counters.batchesSent++;
    const size = batch.bytes?.length ?? 0;
    counters.bytesSent += size;
    counters.compressedRecordBytes += Math.max(0, size - 61);
    counters.uncompressedRecordBytes += batch.uncompressedSize;
    batch.complete(baseOffset, logAppendTime);
    this.finished(batch);
  }

  /** Fails every send of a batch; `written` is what is known of whether the broker wrote it. */
  private failed(batch: ProducerBatch, error: KafkaError, written: false | 'unknown', recordError?: (index: number) => KafkaError | undefined): void {
    const sequences = this.queueOf(batch)?.sequences;
    if (sequences) this.host.transactions.abandoned(sequences, batch, batch.ambiguous ? 'unknown' : written);
    this.host.counters.recordsErrored += batch.recordCount;
    this.host.logger.warn('failed to produce records', { topic: batch.topic, partition: batch.partition, records: batch.recordCount, error: error.message });
    batch.fail(error, recordError);
    this.finished(batch);
  }

  private finished(batch: ProducerBatch): void {
    this.host.accumulator.deallocate(batch);
    this.host.batchDone(batch);
  }

  private timeoutError(batch: ProducerBatch): KafkaDeliveryTimeoutError {
    const { deliveryTimeoutMs } = this.host.options;
    const detail = batch.lastError === null ? '' : `; last error: ${batch.lastError.message}`;
    return new KafkaDeliveryTimeoutError(
      `${batch.recordCount} record(s) for ${batch.topic}-${batch.partition} not acknowledged within deliveryTimeoutMs (${deliveryTimeoutMs} ms)${detail}`,
      batch.topic,
      batch.partition,
      batch.lastError,
    );
  }

  /**
   * Rebuilds a batch the broker refused for its size (split in halves) or for some of its
   * records (those fail, the others are retried), keeping the partition's order: the partition
   * is held until the new batches are in place at the front of its queue.
   */
  private rebuild(batch: ProducerBatch, queue: PartitionQueue, answer: ProduceResponsePartitionProduceResponse | null, error: KafkaProtocolError): void {
    const { transactions, accumulator, options } = this.host;
    if (queue.sequences !== null) transactions.abandoned(queue.sequences, batch, false);
    queue.holds++;
    this.rebuilding.add(batch);
    rebuildBatch(batch, answer, error, {
      compression: this.compression,
      compressionLevel: options.compressionLevel,
      writeLimit: Math.max(1, options.batchSize),
      batchSize: options.batchSize,
    }).then(
      (outcome) => {
        queue.holds--;
        if (batch.done) {
          // Failed meanwhile (forced close): its sends are settled; drop the rebuilt parts.
          this.rebuilding.delete(batch);
          return;
        }
        if (outcome.failedRecords > 0) {
          this.host.counters.recordsErrored += outcome.failedRecords;
          this.host.logger.warn('the broker refused records', { topic: batch.topic, partition: batch.partition, records: outcome.failedRecords, error: error.message });
        }
        for (const part of outcome.parts) part.attempts = batch.attempts;
        accumulator.insertParts(queue, outcome.parts);
        this.rebuilding.delete(batch);
        batch.retire(outcome.parts);
        this.finished(batch);
        this.wake();
      },
      (failure: unknown) => {
        queue.holds--;
        this.rebuilding.delete(batch);
        this.failed(batch, error, false);
        this.host.logger.warn('could not rebuild a refused batch', { topic: batch.topic, partition: batch.partition, error: asKafkaError(failure).message });
        this.wake();
      },
    );
  }

  private queueOf(batch: ProducerBatch): PartitionQueue | undefined {
    return this.host.accumulator.topics.get(batch.topic)?.queues[batch.partition];
  }

  // ---- expiry ----

  /** Fails batches past their delivery timeout; returns when the next one expires. */
  private expire(now: number): number {
    const { accumulator, options } = this.host;
    const timeout = options.deliveryTimeoutMs;
    let nextAt = Infinity;
    const expired: [PartitionQueue, ProducerBatch][] = [];
    for (const queue of accumulator.nonEmpty) {
      for (const batch of queue.batches) {
        const due = batch.createdAt + timeout;
        if (due > now) {
          nextAt = Math.min(nextAt, due);
          break;
        }
        expired.push([queue, batch]);
      }
    }
    for (const [queue, batch] of expired) {
      accumulator.remove(queue, batch);
      this.failed(batch, this.timeoutError(batch), batch.attempts > 0 ? 'unknown' : false);
    }
    for (const broker of this.brokers.values()) {
      for (const batch of broker.inFlightBatches) {
        if (batch.done) continue;
        const due = batch.createdAt + timeout;
        if (due > now) {
          nextAt = Math.min(nextAt, due);
          continue;
        }
        // Its response (if any) is still awaited for the sequence bookkeeping; its sends fail now.
        const sequences = this.queueOf(batch)?.sequences;
        if (sequences) this.host.transactions.abandoned(sequences, batch, 'unknown');
        this.host.counters.recordsErrored += batch.recordCount;
        batch.fail(this.timeoutError(batch));
        this.finished(batch);
      }
    }
    return nextAt;
  }

  /** Fails every queued and in-flight batch (forced close, fatal producer state). */
  abortAll(error: KafkaError): void {
    const { accumulator } = this.host;
    for (const batch of this.rebuilding) {
      if (batch.done) continue;
      this.host.counters.recordsErrored += batch.recordCount;
      batch.fail(error);
      this.finished(batch);
    }
    for (const queue of [...accumulator.nonEmpty]) {
      for (const batch of [...queue.batches]) {
        accumulator.remove(queue, batch);
        this.failed(batch, error, batch.attempts > 0 ? 'unknown' : false);
      }
    }
    for (const broker of this.brokers.values()) {
      for (const batch of broker.inFlightBatches) {
        if (batch.done) continue;
        this.host.counters.recordsErrored += batch.recordCount;
        batch.fail(error);
        this.finished(batch);
      }
    }
  }

  // ---- connections and metadata ----

  private connect(broker: BrokerSender): void {
    if (broker.connecting) return;
    const { cluster, options, logger } = this.host;
    const node = cluster.metadata.broker(broker.id);
    if (node === undefined) {
      this.refreshMetadata(true);
      return;
    }
    broker.connecting = true;
    cluster.channelTo(node).then(
      (channel) => {
        broker.connecting = false;
        broker.channel = channel;
        broker.connectFailures = 0;
        this.wake();
      },
      (error: unknown) => {
        broker.connecting = false;
        broker.connectFailures++;
        broker.counters.connectionFailures++;
        broker.connectRetryAt = performance.now() + backoffDelay(options.reconnectBackoffMs, options.reconnectBackoffMaxMs, broker.connectFailures);
        logger.debug('cannot connect to a partition leader', { broker: broker.id, error: asKafkaError(error).message });
        this.refreshMetadata(true);
        this.wake();
      },
    );
  }

  /** Refreshes metadata in the background (forced: after errors, honouring the retry backoff). */
  refreshMetadata(forced: boolean): void {
    if (this.metadataRefreshing || this.stopped) return;
    this.metadataRefreshing = true;
    const { cluster, logger } = this.host;
    cluster.refreshMetadata({ forced }).then(
      () => {
        this.metadataRefreshing = false;
        this.wake();
      },
      (error: unknown) => {
        this.metadataRefreshing = false;
        logger.debug('metadata refresh failed', { error: asKafkaError(error).message });
        if (!cluster.closed) this.wakeAt(performance.now() + this.host.options.retryBackoffMs);
      },
    );
  }
}

export function asKafkaError(error: unknown): KafkaError {
  if (error instanceof KafkaError) return error;
  return new KafkaError(error instanceof Error ? error.message : String(error), { cause: error });
}

