/**
 * Sends that could not be appended at once: their topic's metadata is not known yet (or lacks the
 * partition asked for), or buffer memory is short. They wait in call order, in one list, and are
 * appended in that order as metadata arrives and memory is freed, each for at most `maxBlockMs`.
 *
 * Order is kept per topic (a later send of a topic never overtakes an earlier one) and memory is
 * granted first come, first served (a send waiting for memory holds back everything behind it).
 * An AbortSignal removes a send from the list while it waits; once appended it cannot be taken back.
 */
import type { TopicState } from './accumulator.js';
import type { SendCompletion } from './batch.js';
import type { ProducerHeader } from './serializers.js';

export type WaitReason = 'metadata' | 'memory';

export class WaitingSend {
  prev: WaitingSend | null = null;
  next: WaitingSend | null = null;
  /** Removed from the list (appended, failed or aborted). */
  settled = false;
  reason: WaitReason = 'metadata';

  constructor(
    readonly topic: TopicState,
    readonly key: Buffer | Uint8Array | string | null,
    readonly keyLength: number,
    readonly value: Buffer | Uint8Array | string | null,
    readonly valueLength: number,
    readonly headers: ProducerHeader[] | undefined,
    readonly timestamp: number,
    readonly size: number,
    /** The record's explicit partition, or -1. */
    readonly partition: number,
    readonly originalKey: unknown,
    readonly originalValue: unknown,
    readonly completion: SendCompletion,
    /** `performance.now()` after which it fails. */
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    private readonly onAbort: (entry: WaitingSend) => void,
  ) {}

  /** The AbortSignal listener (the object itself, so no closure is made per send). */
  handleEvent(): void {
    this.onAbort(this);
  }
}

export class WaitingSends {
  head: WaitingSend | null = null;
  private tail: WaitingSend | null = null;
  count = 0;

  push(entry: WaitingSend): void {
    entry.prev = this.tail;
    if (this.tail === null) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    this.count++;
    entry.topic.waiting++;
    entry.signal?.addEventListener('abort', entry, { once: true });
  }

  /** Unlinks an entry and marks it settled. */
  remove(entry: WaitingSend): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.prev === null) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === null) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = null;
    entry.next = null;
    this.count--;
    entry.topic.waiting--;
    entry.signal?.removeEventListener('abort', entry);
  }

  *[Symbol.iterator](): Iterator<WaitingSend> {
    for (let entry = this.head; entry !== null; entry = entry.next) yield entry;
  }
}
