/**
 * Idempotent producers' state for one partition, as Kafka's ProducerStateManager keeps it: per
 * producer id, the current epoch and the metadata of the last five batches appended, which is
 * enough to answer a retried batch with the offset it got the first time and to refuse a batch
 * whose sequence does not follow.
 *
 * Rules (Kafka's ProducerAppendInfo): an older epoch than the producer's is fenced
 * (INVALID_PRODUCER_EPOCH); a newer epoch must start at sequence 0; within an epoch the first
 * sequence must follow the last one (wrapping after 2^31 - 1); a producer the partition has no
 * state for (never seen, or its batches all deleted by retention) may start at any sequence.
 */
import { ErrorCode } from '../protocol/index.js';

/** How many batches per producer Kafka remembers for duplicate detection. */
export const BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

interface BatchMetadata {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The LogAppendTime written into the batch, or -1. */
  readonly logAppendTime: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
  /** The last offset this producer wrote, to forget it once retention passes it. */
  lastOffset: number;
}

export type SequenceCheck =
  | { readonly outcome: 'append' }
  | { readonly outcome: 'duplicate'; readonly firstOffset: number; readonly logAppendTime: number }
  | { readonly outcome: 'error'; readonly errorCode: number; readonly message: string };

const APPEND: SequenceCheck = { outcome: 'append' };

/** The sequence of the last record of a batch, wrapping as Kafka's DefaultRecordBatch does. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

function inSequence(lastSequence: number, nextSequence: number): boolean {
  return nextSequence === lastSequence + 1 || (nextSequence === 0 && lastSequence === INT32_MAX);
}

export class ProducerStateTable {
  /** Insertion order is update order: the first entry is the producer heard from least recently. */
  private readonly producers = new Map<number, ProducerEntry>();

  constructor(private readonly maxProducers: number) {}

  get size(): number {
    return this.producers.size;
  }

  /** Decides what to do with a batch of an idempotent producer before it is appended. */
  check(producerId: number, epoch: number, firstSequence: number, lastSequence: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (!entry) return APPEND;
    if (epoch === entry.epoch) {
      const duplicate = entry.batches.find((batch) => batch.firstSequence === firstSequence && batch.lastSequence === lastSequence);
      if (duplicate) return { outcome: 'duplicate', firstOffset: duplicate.firstOffset, logAppendTime: duplicate.logAppendTime };
    }
    if (epoch < entry.epoch) {
      return {
        outcome: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `Epoch of producer ${producerId} is ${epoch}, which is smaller than the last seen epoch ${entry.epoch}`,
      };
    }
    if (epoch > entry.epoch) {
      if (firstSequence !== 0) {
        return {
          outcome: 'error',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `Invalid sequence number for new epoch of producer ${producerId}: ${epoch} (request epoch), ${firstSequence} (seq. number), ${entry.epoch} (current producer epoch)`,
        };
      }
      return APPEND;
    }
    const last = entry.batches.at(-1);
    if (last && !inSequence(last.lastSequence, firstSequence)) {
      return {
        outcome: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `Out of order sequence number for producer ${producerId}: ${firstSequence} (incoming seq. number), ${last.lastSequence} (current end sequence number)`,
      };
    }
    return APPEND;
  }

  /** Records an appended batch (after `check` said 'append'). */
  record(producerId: number, epoch: number, batch: BatchMetadata): void {
    let entry = this.producers.get(producerId);
    if (entry) {
      this.producers.delete(producerId);
      if (epoch !== entry.epoch) {
        entry.epoch = epoch;
        entry.batches = [];
      }
    } else {
      entry = { epoch, batches: [], lastOffset: -1 };
      while (this.producers.size >= this.maxProducers) {
        const oldest = this.producers.keys().next().value;
        if (oldest === undefined) break;
        this.producers.delete(oldest);
      }
    }
    entry.batches.push(batch);
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastOffset = batch.lastOffset;
    this.producers.set(producerId, entry);
  }

  /** Forgets producers whose every batch is before the log start offset, as Kafka does. */
  forgetBefore(logStartOffset: number): void {
    for (const [producerId, entry] of this.producers) {
      if (entry.lastOffset < logStartOffset) this.producers.delete(producerId);
    }
  }

  /** The producer's current epoch, or undefined when the partition has no state for it. */
  epochOf(producerId: number): number | undefined {
    return this.producers.get(producerId)?.epoch;
  }
}
