/**
 * The bookkeeping of requests: one request's state, the FIFO of requests waiting to be sent, the
 * table of those awaiting a response (with their correlation ids), and the deadline timer.
 */
import type { KafkaError } from '../protocol/errors.js';
import type { Reader } from '../protocol/primitives/reader.js';

/** What the connection needs to decode a response body. */
export interface ResponseDecoder {
  decodeResponse(reader: Reader, version: number): unknown;
}

/** In the send queue. */
export const QUEUED = 0;
/** Sent, in the connection's table of requests awaiting a response. */
export const IN_FLIGHT = 1;
/** Neither: answered, never to be answered, or dropped from the queue. */
export const GONE = 2;

/**
 * One request from its call until it is settled and its response (if any) is accounted for.
 * It is its own abort listener (`handleEvent`), so no closure is made per request for that.
 */
export class PendingRequest {
  position = QUEUED;
  /** The caller's promise has been resolved or rejected. */
  settled = false;
  correlationId = -1;
  /** The next request in the send queue. */
  next: PendingRequest | null = null;
  resolve!: (value: unknown) => void;
  reject!: (error: KafkaError) => void;

  constructor(
    private readonly onAbort: (request: PendingRequest) => void,
    readonly apiKey: number,
    readonly apiVersion: number,
    readonly responseHeaderVersion: number,
    /** null for raw requests, which resolve with the response body as a view. */
    readonly decoder: ResponseDecoder | null,
    readonly apiName: string,
    readonly expectResponse: boolean,
    /** The encoded frame until it is written (or dropped). */
    public frame: Buffer | null,
    readonly frameLength: number,
    /** On the `performance.now()` clock; Infinity for none. */
    readonly deadline: number,
    readonly signal: AbortSignal | null,
  ) {}

  handleEvent(): void {
    this.onAbort(this);
  }
}

/**
 * A singly linked FIFO of requests waiting to be sent. A request settled while queued (aborted,
 * timed out) stays linked but no longer counts; it is unlinked when the queue moves past it or
 * by `removeSettled`.
 */
export class SendQueue {
  head: PendingRequest | null = null;
  private tail: PendingRequest | null = null;
  /** Live (unsettled) requests queued. */
  count = 0;
  /** Frame bytes of the live requests queued. */
  bytes = 0;

  push(request: PendingRequest): void {
    request.position = QUEUED;
    if (this.tail === null) this.head = request;
    else this.tail.next = request;
    this.tail = request;
    this.count++;
    this.bytes += request.frameLength;
  }

  /** Takes the head off the queue; the caller has checked there is one. */
  shift(): PendingRequest {
    const request = this.head!;
    this.head = request.next;
    if (this.head === null) this.tail = null;
    request.next = null;
    if (!request.settled) this.release(request);
    request.position = GONE;
    return request;
  }

  /** A queued request is leaving the count: sent, or settled while queued. */
  release(request: PendingRequest): void {
    this.count--;
    this.bytes -= request.frameLength;
  }

  /** Unlinks every settled request; returns the earliest deadline among those left. */
  removeSettled(): number {
    let earliest = Infinity;
    let previous: PendingRequest | null = null;
    let request = this.head;
    while (request !== null) {
      const following: PendingRequest | null = request.next;
      if (request.settled) {
        if (previous === null) this.head = following;
        else previous.next = following;
        if (this.tail === request) this.tail = previous;
        request.next = null;
        request.position = GONE;
      } else {
        previous = request;
        if (request.deadline < earliest) earliest = request.deadline;
      }
      request = following;
    }
    return earliest;
  }

  /** Empties the queue, returning its former head (the chain stays linked for the caller to walk). */
  takeAll(): PendingRequest | null {
    const head = this.head;
    this.head = null;
    this.tail = null;
    return head;
  }
}

const INT32_MAX = 0x7fffffff;
/** setTimeout's largest delay; longer deadlines are re-armed when it fires. */
export const MAX_TIMER_DELAY_MS = INT32_MAX;

/** Sent requests awaiting a response, by correlation id, and the allocation of those ids. */
export class InFlightRequests {
  private readonly byCorrelationId = new Map<number, PendingRequest>();
  private nextCorrelationId = 0;
  private wrapped = false;

  /** Requests in the table, abandoned ones included (the broker still owes them). */
  get size(): number {
    return this.byCorrelationId.size;
  }

  /** The next correlation id, from 0 up to int32 max and around, skipping ids still in the table. */
  allocateId(): number {
    let id = this.nextCorrelationId;
    if (this.wrapped) {
      // After 2^31 requests an id may still belong to an abandoned request awaiting its response.
      while (this.byCorrelationId.has(id)) id = id === INT32_MAX ? 0 : id + 1;
    }
    if (id === INT32_MAX) {
      this.nextCorrelationId = 0;
      this.wrapped = true;
    } else {
      this.nextCorrelationId = id + 1;
    }
    return id;
  }

  add(request: PendingRequest): void {
    request.position = IN_FLIGHT;
    this.byCorrelationId.set(request.correlationId, request);
  }

  /** Removes and returns the request a response answers, or undefined for an unknown id. */
  take(correlationId: number): PendingRequest | undefined {
    const request = this.byCorrelationId.get(correlationId);
    if (request === undefined) return undefined;
    this.byCorrelationId.delete(correlationId);
    request.position = GONE;
    return request;
  }

  values(): IterableIterator<PendingRequest> {
    return this.byCorrelationId.values();
  }

  /** Empties the table, returning what it held. */
  takeAll(): PendingRequest[] {
    const requests = [...this.byCorrelationId.values()];
    this.byCorrelationId.clear();
    for (const request of requests) request.position = GONE;
    return requests;
  }
}

/**
 * One timer for many deadlines: armed for the earliest one asked for, it calls `onDue` when that
 * comes (the callback expires what is due and arms again for the next). Cheaper than a timer per
 * request: see bench/network/timers.ts.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;
  private due = Infinity;

  constructor(private readonly onDue: () => void) {}

  /** Makes sure the timer fires by `deadline` (on the `performance.now()` clock). */
  arm(deadline: number): void {
    if (deadline >= this.due) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = Math.min(Math.max(Math.ceil(deadline - performance.now()), 1), MAX_TIMER_DELAY_MS);
    this.due = Math.min(deadline, performance.now() + delay);
    this.timer = setTimeout(this.fire, delay);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.due = Infinity;
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.due = Infinity;
    this.onDue();
  };
}
