/**
 * The bookkeeping of one request, and the FIFO of requests waiting to be sent.
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
