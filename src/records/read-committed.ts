/**
 * ReadCommittedFilter: what a read_committed consumer does with a fetched partition, following
 * the Java client. The fetch response lists the aborted transactions overlapping the fetched
 * range (producer id and first offset). Walking the batches in offset order, a producer becomes
 * "aborted" once a batch reaches the first offset of one of its aborted transactions; its
 * transactional batches are then dropped until its ABORT marker, which ends that transaction.
 * Control batches are never delivered.
 */
import { controlBatchType, ControlRecordType } from './control.js';
import type { RecordBatch } from './record.js';

export interface AbortedTransaction {
  producerId: number | bigint;
  firstOffset: number | bigint;
}

export class ReadCommittedFilter {
  /** Aborted transactions not reached yet, by ascending first offset. */
  private readonly pending: { producerId: number; firstOffset: number }[];
  private next = 0;
  private readonly abortedProducers = new Set<number>();

  constructor(abortedTransactions: readonly AbortedTransaction[] | null | undefined) {
    this.pending = (abortedTransactions ?? [])
      .map((t) => ({ producerId: Number(t.producerId), firstOffset: Number(t.firstOffset) }))
      .sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /**
   * Whether the consumer must skip this batch: a control batch, or a transactional batch of an
   * aborted transaction. Call it for every batch, in order (it tracks where transactions end).
   */
  skip(batch: RecordBatch): boolean {
    if (batch.producerId >= 0) {
      while (this.next < this.pending.length && this.pending[this.next]!.firstOffset <= batch.lastOffset) {
        this.abortedProducers.add(this.pending[this.next++]!.producerId);
      }
      if (batch.isControl) {
        if (controlBatchType(batch) === ControlRecordType.Abort) this.abortedProducers.delete(batch.producerId);
        return true;
      }
      if (batch.isTransactional && this.abortedProducers.has(batch.producerId)) return true;
    }
    return batch.isControl;
  }
}
