/**
 * Shared by the group-*.test.ts suites: kafkats consumers running poll loops as group members,
 * a kcat producer loop, a sampler of the group's committed offsets (read with OffsetFetch), and
 * the delivery analysis (nothing lost, nothing skipped, every re-delivery explained by a
 * partition restarting from its last commit, commits never going back).
 *
 * Every event gets a number from one counter, so deliveries, commits and callbacks of all members
 * (all in this process) are ordered as they happened.
 */
import assert from 'node:assert/strict';
import { Cluster } from '../../../src/cluster/cluster.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import type { TopicPartition } from '../../../src/cluster/cluster.js';
import { KafkaConsumer, type ConsumerOptions } from '../../../src/consumer/index.js';
import { OffsetCommitter, topicPartitionKey } from '../../../src/consumer/group/index.js';
import type { TestCluster } from '../../support/cluster-under-test.js';
import { kcatProduce } from '../../support/peers.js';

let sequence = 0;
/** The next event number. */
export function nextEvent(): number {
  return ++sequence;
}

export interface Delivery {
  readonly event: number;
  readonly at: number;
  readonly member: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

export interface CommitEvent {
  readonly event: number;
  readonly member: string;
  readonly partition: number;
  readonly offset: number;
}

export interface CallbackEvent {
  readonly event: number;
  readonly at: number;
  readonly kind: 'revoked' | 'assigned' | 'lost';
  readonly partitions: number[];
}

/** What a group run records: deliveries and successful commits of every member. */
export class GroupRecorder {
  readonly deliveries: Delivery[] = [];
  readonly commits: CommitEvent[] = [];
  /** Failed automatic commits, by error name (reported by the suites). */
  readonly commitFailures = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];

  delivered(delivery: Delivery): void {
    this.deliveries.push(delivery);
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves once `predicate` holds (checked now and after every delivery); a safety-net timeout rejects. */
  until(predicate: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        remove();
        resolve();
      };
      const remove = (): void => {
        clearTimeout(timer);
        const index = this.listeners.indexOf(check);
        if (index >= 0) this.listeners.splice(index, 1);
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Wakes `until` waiters without a delivery (after a membership change). */
  poke(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export interface MemberOptions {
  readonly groupInstanceId?: string;
  readonly assignors?: readonly ('range' | 'roundrobin' | 'sticky' | 'cooperative-sticky')[];
  /** Runs inside the member's onPartitionsRevoked (after the consumer committed). */
  readonly onRevoked?: (partitions: TopicPartition[]) => Promise<void>;
  readonly extra?: Partial<ConsumerOptions<Buffer, string>>;
}

/** A kafkats consumer in a poll loop, recording into a GroupRecorder. */
export class Member {
  readonly consumer: KafkaConsumer<Buffer, string>;
  readonly callbacks: CallbackEvent[] = [];
  readonly errors: string[] = [];
  readonly started = performance.now();
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    readonly name: string,
    test: TestCluster,
    topic: string,
    groupId: string,
    private readonly recorder: GroupRecorder,
    options: MemberOptions = {},
  ) {
    this.consumer = new KafkaConsumer<Buffer, string>({
      bootstrapServers: test.bootstrapServers,
      clientId: name,
      groupId,
      ...(options.groupInstanceId === undefined ? {} : { groupInstanceId: options.groupInstanceId }),
      autoOffsetReset: 'earliest',
      valueDeserializer: 'string',
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      maxPollIntervalMs: 30_000,
      autoCommitIntervalMs: 500,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 500,
      fetchMaxWaitMs: 100,
      logLevel: 'error',
      ...(options.assignors === undefined ? {} : { partitionAssignmentStrategy: options.assignors }),
      commitListener: {
        onCommitSucceeded: (offsets) => {
          for (const committed of offsets) recorder.commits.push({ event: nextEvent(), member: name, partition: committed.partition, offset: committed.offset });
        },
        onCommitFailed: (error) => {
          recorder.commitFailures.set(error.errorName, (recorder.commitFailures.get(error.errorName) ?? 0) + 1);
        },
      },
      ...options.extra,
    });
    const note = (kind: CallbackEvent['kind'], partitions: TopicPartition[]): void => {
      this.callbacks.push({ event: nextEvent(), at: performance.now(), kind, partitions: partitions.map((tp) => tp.partition).sort((a, b) => a - b) });
      recorder.poke();
    };
    this.consumer.subscribe([topic], {
      onPartitionsRevoked: async (partitions) => {
        note('revoked', partitions);
        await options.onRevoked?.(partitions);
      },
      onPartitionsAssigned: (partitions) => note('assigned', partitions),
      onPartitionsLost: (partitions) => note('lost', partitions),
    });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const records = await this.consumer.poll({ timeoutMs: 250, signal });
        for (const record of records) {
          this.recorder.delivered({ event: nextEvent(), at: performance.now(), member: this.name, partition: record.partition, offset: record.offset, value: record.value ?? '' });
        }
      } catch (error) {
        if (signal.aborted) return;
        // A poll loop goes on after an error; the suites assert on what errors were seen.
        this.errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
  }

  /** The partitions assigned now, sorted. */
  partitions(): number[] {
    return this.consumer.assignment().map((tp) => tp.partition).sort((a, b) => a - b);
  }

  generation(): number {
    return this.consumer.groupMetadata().generationId;
  }

  /** Stops polling and closes the consumer (which commits and, for a dynamic member, leaves). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.consumer.close();
  }
}

/** kcat producing batches of keyed records until stopped; remembers where each record went. */
export class ProducerLoop {
  readonly produced: { partition: number; offset: number; value: string }[] = [];
  readonly errors: string[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;
  private batches = 0;

  constructor(
    private readonly test: TestCluster,
    private readonly topic: string,
    private readonly tag: string,
    private readonly batchSize = 60,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const batch = this.batches++;
      const records = Array.from({ length: this.batchSize }, (_, index) => ({ key: `k${batch}-${index}`, value: `${this.tag}-${batch}-${index}` }));
      try {
        const deliveries = await kcatProduce(this.test.bootstrapServers, this.topic, records, { timeoutMs: 60_000 });
        deliveries.forEach((delivery, index) => this.produced.push({ partition: delivery.partition, offset: delivery.offset, value: records[index]!.value }));
      } catch (error) {
        // Suites assert there were none; stopping here keeps `produced` exactly what was delivered.
        this.errors.push(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }

  /** Finishes the batch under way and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Reads the group's committed offsets every `intervalMs` and records every change per partition. */
export class CommitSampler {
  readonly history = new Map<number, number[]>();
  private readonly cluster: Cluster;
  private readonly committer: OffsetCommitter;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    test: TestCluster,
    private readonly topic: string,
    groupId: string,
    private readonly partitionCount: number,
    private readonly intervalMs = 100,
  ) {
    this.cluster = new Cluster(resolveCommonOptions({ bootstrapServers: test.bootstrapServers, clientId: 'commit-sampler', logLevel: 'silent', retryBackoffMs: 50, retryBackoffMaxMs: 500 }));
    this.committer = new OffsetCommitter(this.cluster, { groupId, defaultApiTimeoutMs: 10_000 });
    this.loop = this.run();
  }

  async sample(): Promise<Map<number, number | null>> {
    const partitions = Array.from({ length: this.partitionCount }, (_, partition) => ({ topic: this.topic, partition }));
    const found = await this.committer.fetchCommittedOffsets(partitions);
    return new Map(partitions.map((tp) => [tp.partition, found.get(topicPartitionKey(tp.topic, tp.partition))?.offset ?? null]));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        for (const [partition, offset] of await this.sample()) {
          if (offset === null) continue;
          const history = this.history.get(partition) ?? [];
          if (history.at(-1) !== offset) history.push(offset);
          this.history.set(partition, history);
        }
      } catch {
        // The coordinator may be down or moving (the suites inject that): sample again later.
      }
      // A sampling period, not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }

  /** Partitions whose committed offset ever went back, with their history. */
  regressions(): string[] {
    const found: string[] = [];
    for (const [partition, history] of this.history) {
      for (let index = 1; index < history.length; index++) {
        if (history[index]! < history[index - 1]!) found.push(`partition ${partition}: ${history.join(' -> ')}`);
      }
    }
    return found;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.cluster.close();
  }
}

export interface DeliveryReport {
  readonly produced: number;
  readonly delivered: number;
  readonly duplicates: number;
  /** Times a partition's deliveries went back to an earlier offset (a new owner, or a lost partition taken up again). */
  readonly restarts: number;
}

/**
 * Checks the deliveries against what was produced: every record delivered, per partition never
 * ahead of the next expected offset (nothing skipped), and every step back to an offset S
 * explained by the at-least-once window: S is at least every offset committed for the partition
 * (by any member) before that delivery, so the records delivered again are at most those consumed
 * since the partition's last commit. Returns the counts for the suite to report.
 */
export function checkDeliveries(produced: readonly { partition: number; offset: number }[], deliveries: readonly Delivery[], commits: readonly CommitEvent[]): DeliveryReport {
  const wanted = new Set(produced.map((record) => `${record.partition}:${record.offset}`));
  const seen = new Map<string, number>();
  for (const delivery of deliveries) {
    const key = `${delivery.partition}:${delivery.offset}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const missing = [...wanted].filter((key) => !seen.has(key));
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} produced records were never delivered`);
  let restarts = 0;
  const byPartition = new Map<number, Delivery[]>();
  for (const delivery of deliveries) {
    const list = byPartition.get(delivery.partition) ?? [];
    list.push(delivery);
    byPartition.set(delivery.partition, list);
  }
  for (const [partition, list] of byPartition) {
    const partitionCommits = commits.filter((commit) => commit.partition === partition);
    let expected: number | null = null;
    for (const delivery of list) {
      if (expected !== null && delivery.offset > expected) {
        assert.fail(`partition ${partition}: ${delivery.member} delivered offset ${delivery.offset} but ${expected} was next: records skipped`);
      }
      if (expected !== null && delivery.offset < expected) {
        restarts++;
        const committedBefore = partitionCommits.filter((commit) => commit.event < delivery.event).reduce((max, commit) => Math.max(max, commit.offset), -1);
        assert.ok(
          delivery.offset >= committedBefore,
          `partition ${partition}: ${delivery.member} restarted at ${delivery.offset}, behind the commit of ${committedBefore} made before: more duplicates than the at-least-once window`,
        );
      }
      expected = delivery.offset + 1;
    }
  }
  const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
  return { produced: wanted.size, delivered: deliveries.length, duplicates, restarts };
}

/** Resolves when the members own every one of `partitionCount` partitions exactly once, all in one generation. */
export async function waitForSplit(recorder: GroupRecorder, members: readonly Member[], partitionCount: number, what: string, timeoutMs = 90_000): Promise<number> {
  let generation = -1;
  const split = (): boolean => {
    const generations = new Set(members.map((member) => member.generation()));
    if (generations.size !== 1) return false;
    const all = members.flatMap((member) => member.partitions());
    if (all.length !== partitionCount || new Set(all).size !== partitionCount) return false;
    if (members.some((member) => member.partitions().length === 0)) return false;
    generation = [...generations][0]!;
    return true;
  };
  // Assignments change in callbacks (recorder.poke) and deliveries; a slow poll covers the rest.
  const ticker = setInterval(() => recorder.poke(), 100);
  try {
    await recorder.until(split, what, timeoutMs);
  } finally {
    clearInterval(ticker);
  }
  return generation;
}
