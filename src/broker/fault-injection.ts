/**
 * Injected faults, with the semantics of librdkafka's mock cluster so that one suite runs on
 * both: queues of error codes per API key (cluster-wide, or per broker with a delay each, the
 * per-broker queue consulted first), and a round-trip delay per broker.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';

/** The "error code" that makes the broker drop the connection instead of answering (librdkafka's -195). */
export const CLOSE_CONNECTION = -195;

export interface InjectedFault {
  /** Kafka error code, 0 to answer normally, or CLOSE_CONNECTION. */
  readonly code: number;
  /** Delay before the answer, in milliseconds. */
  readonly rttMs: number;
}

/** Queued faults per API key and broker; beyond this the push is refused. */
const MAX_QUEUED_FAULTS = 100_000;
const NO_DELAY = 0;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KafkaInvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function checkCode(code: number): void {
  checkInteger('error code', code, -32768, 32767);
}

export class FaultInjector {
  private readonly clusterQueues = new Map<number, number[]>();
  private readonly brokerQueues = new Map<string, InjectedFault[]>();
  private readonly rtts = new Map<number, number>();

  /** The next `codes.length` requests with this API key, on any broker, get these codes in order. */
  push(apiKey: number, codes: readonly number[]): void {
    checkInteger('apiKey', apiKey, 0, 32767);
    codes.forEach(checkCode);
    const queue = this.clusterQueues.get(apiKey) ?? [];
    if (queue.length + codes.length > MAX_QUEUED_FAULTS) throw new KafkaInvalidArgumentError(`at most ${MAX_QUEUED_FAULTS} queued errors per API key`);
    queue.push(...codes);
    this.clusterQueues.set(apiKey, queue);
  }

  /** Like push, for one broker, each fault with its own delay; consulted before the cluster-wide queue. */
  pushForBroker(brokerId: number, apiKey: number, faults: readonly InjectedFault[]): void {
    checkInteger('apiKey', apiKey, 0, 32767);
    for (const fault of faults) {
      checkCode(fault.code);
      checkInteger('rttMs', fault.rttMs, 0, 2 ** 31 - 1);
    }
    const key = `${brokerId}:${apiKey}`;
    const queue = this.brokerQueues.get(key) ?? [];
    if (queue.length + faults.length > MAX_QUEUED_FAULTS) throw new KafkaInvalidArgumentError(`at most ${MAX_QUEUED_FAULTS} queued errors per broker and API key`);
    queue.push(...faults.map((fault) => ({ code: fault.code, rttMs: fault.rttMs })));
    this.brokerQueues.set(key, queue);
  }

  /** Forgets the cluster-wide queue of an API key (as librdkafka's clear does; broker queues stay). */
  clear(apiKey: number): void {
    this.clusterQueues.delete(apiKey);
  }

  /** Forgets every queued fault and delay. */
  clearAll(): void {
    this.clusterQueues.clear();
    this.brokerQueues.clear();
    this.rtts.clear();
  }

  /** Takes the fault for the next request of `apiKey` on `brokerId`, if one is queued. */
  next(brokerId: number, apiKey: number): InjectedFault | undefined {
    const brokerQueue = this.brokerQueues.get(`${brokerId}:${apiKey}`);
    if (brokerQueue && brokerQueue.length > 0) return brokerQueue.shift();
    const clusterQueue = this.clusterQueues.get(apiKey);
    if (clusterQueue && clusterQueue.length > 0) return { code: clusterQueue.shift()!, rttMs: NO_DELAY };
    return undefined;
  }

  /** Faults still queued for the broker and API key (its own queue plus the cluster-wide one). */
  pending(brokerId: number, apiKey: number): number {
    return (this.brokerQueues.get(`${brokerId}:${apiKey}`)?.length ?? 0) + (this.clusterQueues.get(apiKey)?.length ?? 0);
  }

  setRtt(brokerId: number, ms: number): void {
    checkInteger('rtt', ms, 0, 2 ** 31 - 1);
    if (ms === 0) this.rtts.delete(brokerId);
    else this.rtts.set(brokerId, ms);
  }

  rtt(brokerId: number): number {
    return this.rtts.get(brokerId) ?? NO_DELAY;
  }
}
