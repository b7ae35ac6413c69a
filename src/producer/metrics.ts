/**
 * The producer's counters and the plain object `KafkaProducer.metrics()` returns.
 */

/** Per-broker numbers. */
export interface BrokerProducerMetrics {
  readonly brokerId: number;
  /** Produce requests sent (retries included). */
  readonly requestsSent: number;
  /** Produce requests awaiting their response now (or being prepared). */
  readonly inFlightRequests: number;
  /** Request bytes written (batches only, not request headers). */
  readonly bytesSent: number;
  /** Mean / largest time from sending a Produce request to its response, in ms (0 before any). */
  readonly averageLatencyMs: number;
  readonly maxLatencyMs: number;
  /** Requests that failed as a whole (connection lost, timeout). */
  readonly requestErrors: number;
  /** Connection attempts to the broker that failed. */
  readonly connectionFailures: number;
}

export interface ProducerMetrics {
  /** Records acknowledged by the broker (with acks=0: written to the socket). */
  readonly recordsSent: number;
  /** Records whose send failed. */
  readonly recordsErrored: number;
  /** Records sent again after a failed attempt (counted once per retry). */
  readonly recordsRetried: number;
  /** Bytes of acknowledged batches (as sent: compressed when compression is on). */
  readonly bytesSent: number;
  /** Batches acknowledged. */
  readonly batchesSent: number;
  /** bytesSent / batchesSent. */
  readonly averageBatchSizeBytes: number;
  /** recordsSent / batchesSent. */
  readonly averageRecordsPerBatch: number;
  /** Compressed / uncompressed size of the acknowledged batches' records (1 without compression). */
  readonly compressionRatio: number;
  readonly bufferTotalBytes: number;
  /** Buffer memory not reserved by batches. */
  readonly bufferAvailableBytes: number;
  /** Sends waiting for buffer memory or metadata. */
  readonly waitingSends: number;
  /** Batches not yet done (queued or in flight). */
  readonly incompleteBatches: number;
  /** Produce requests awaiting responses, all brokers. */
  readonly inFlightRequests: number;
  /** The producer id and epoch (-1 when not idempotent or not yet known). */
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Per broker, by broker id. */
  readonly brokers: Readonly<Record<string, BrokerProducerMetrics>>;
}

export class ProducerCounters {
  recordsSent = 0;
  recordsErrored = 0;
  recordsRetried = 0;
  bytesSent = 0;
  batchesSent = 0;
  /** Sums over acknowledged batches, for the compression ratio. */
  compressedRecordBytes = 0;
  uncompressedRecordBytes = 0;
}

export class BrokerCounters {
  requestsSent = 0;
  bytesSent = 0;
  latencySumMs = 0;
  latencyCount = 0;
  maxLatencyMs = 0;
  requestErrors = 0;
  connectionFailures = 0;

  recordLatency(ms: number): void {
    this.latencySumMs += ms;
    this.latencyCount++;
    if (ms > this.maxLatencyMs) this.maxLatencyMs = ms;
  }

  snapshot(brokerId: number, inFlightRequests: number): BrokerProducerMetrics {
    return {
      brokerId,
      requestsSent: this.requestsSent,
      inFlightRequests,
      bytesSent: this.bytesSent,
      averageLatencyMs: this.latencyCount === 0 ? 0 : this.latencySumMs / this.latencyCount,
      maxLatencyMs: this.maxLatencyMs,
      requestErrors: this.requestErrors,
      connectionFailures: this.connectionFailures,
    };
  }
}
