/**
 * Test support for the assignors: seeded randomness, small cluster and group builders, the
 * invariants every assignment must satisfy, and kafka-python (test/peers/assignors_kafka_python.py)
 * as a batch peer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ClusterView,
  GroupAssignment,
  MemberSubscription,
  PartitionView,
  TopicPartition,
} from '../../../../src/consumer/assignors/index.js';

const PYTHON = '/usr/bin/python3';
const PEER_PATH = 'test/peers/assignors_kafka_python.py';

/** The peer script: found above this file both from test/ (tsx) and from the compiled dist/test/. */
function findPeer(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let directory = here; ; directory = dirname(directory)) {
    if (existsSync(join(directory, PEER_PATH))) return join(directory, PEER_PATH);
    if (dirname(directory) === directory) throw new Error(`no ${PEER_PATH} above ${here}`);
  }
}

/** mulberry32: a small seeded generator, so every random case can be replayed from its seed. */
export function seededRandom(seed: number): { next(): number; int(low: number, high: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export type TopicSpec = number | { readonly count: number; readonly racks: readonly (readonly string[])[] };

/** A cluster view from partition counts (partitions 0..n-1), optionally with replica racks per partition. */
export function clusterOf(topics: Readonly<Record<string, TopicSpec>>): ClusterView {
  return {
    partitionsFor(topic: string): PartitionView[] | undefined {
      const spec = Object.hasOwn(topics, topic) ? topics[topic] : undefined;
      if (spec === undefined) return undefined;
      if (typeof spec === 'number') return Array.from({ length: spec }, (_, partition) => ({ partition }));
      return Array.from({ length: spec.count }, (_, partition) => ({ partition, replicaRacks: spec.racks[partition] ?? [] }));
    },
  };
}

export function member(memberId: string, topics: readonly string[], extra: Partial<MemberSubscription> = {}): MemberSubscription {
  return {
    memberId,
    groupInstanceId: null,
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
    ...extra,
  };
}

export function groupOf(members: readonly MemberSubscription[]): Map<string, MemberSubscription> {
  return new Map(members.map((m) => [m.memberId, m]));
}

/** 't0-1' style names, sorted by topic then partition number. */
export function names(partitions: readonly TopicPartition[]): string[] {
  return [...partitions]
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    .map((tp) => `${tp.topic}-${tp.partition}`);
}

/** The assignment as member id -> sorted partition names. */
export function asNames(assignment: GroupAssignment): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [memberId, entry] of assignment) result[memberId] = names(entry.partitions);
  return result;
}

export function tp(topic: string, partition: number): TopicPartition {
  return { topic, partition };
}

/** Every partition of the given topics, in order. */
export function partitionsOf(cluster: ClusterView, topics: Iterable<string>): string[] {
  const all: string[] = [];
  for (const topic of [...new Set(topics)].sort()) {
    for (const view of cluster.partitionsFor(topic) ?? []) all.push(`${topic}-${view.partition}`);
  }
  return all;
}

/**
 * The invariants of any assignment: an entry per member, no partition twice, no partition of a
 * topic the member does not subscribe to, and (unless `complete` is false, as for a cooperative
 * assignment that holds partitions back) every subscribed partition assigned.
 */
export function checkValid(
  cluster: ClusterView,
  members: ReadonlyMap<string, MemberSubscription>,
  assignment: GroupAssignment,
  complete = true,
): void {
  assert.deepEqual([...assignment.keys()].sort(), [...members.keys()].sort());
  const seen = new Map<string, string>();
  for (const [memberId, entry] of assignment) {
    const topics = new Set(members.get(memberId)!.topics);
    for (const { topic, partition } of entry.partitions) {
      const name = `${topic}-${partition}`;
      assert.ok(topics.has(topic), `${memberId} got ${name} without subscribing to ${topic}`);
      assert.equal(seen.get(name), undefined, `${name} assigned to ${seen.get(name)} and ${memberId}`);
      seen.set(name, memberId);
    }
  }
  if (complete) {
    const subscribed = new Set<string>();
    for (const m of members.values()) for (const topic of m.topics) subscribed.add(topic);
    assert.deepEqual([...seen.keys()].sort(), partitionsOf(cluster, subscribed).sort());
  }
}

/** max - min of the members' partition counts. */
export function spread(assignment: GroupAssignment): number {
  const counts = [...assignment.values()].map((entry) => entry.partitions.length);
  return counts.length === 0 ? 0 : Math.max(...counts) - Math.min(...counts);
}

/**
 * KIP-54's balance: no member holds two or more partitions more than another member that
 * subscribes to one of its partitions' topics (such a partition could move and even things out).
 */
export function checkBalanced(members: ReadonlyMap<string, MemberSubscription>, assignment: GroupAssignment): void {
  for (const [holder, held] of assignment) {
    for (const [other, otherEntry] of assignment) {
      if (otherEntry.partitions.length + 1 >= held.partitions.length) continue;
      const topics = new Set(members.get(other)!.topics);
      const movable = held.partitions.find((p) => topics.has(p.topic));
      assert.equal(movable, undefined, `${holder} (${held.partitions.length}) holds ${movable?.topic}-${movable?.partition} that ${other} (${otherEntry.partitions.length}) could take`);
    }
  }
}

export interface RandomGroupOptions {
  /** All members subscribe to the same topics. */
  readonly equalSubscriptions?: boolean;
  readonly maxMembers?: number;
  readonly maxTopics?: number;
  readonly maxPartitions?: number;
  readonly staticMembers?: boolean;
  /** Replicas in racks ra/rb/rc (each partition in one or two) and most members in one of them. */
  readonly withRacks?: boolean;
}

/** A random group: 1-20 members, 1-10 topics of 1-50 partitions, varied subscriptions (each member at least one topic). */
export function randomGroup(
  rng: ReturnType<typeof seededRandom>,
  options: RandomGroupOptions = {},
): { topics: Record<string, number>; cluster: ClusterView; members: Map<string, MemberSubscription> } {
  const racks = ['ra', 'rb', 'rc'];
  const topicCount = rng.int(1, options.maxTopics ?? 10);
  const topics: Record<string, number> = {};
  const specs: Record<string, TopicSpec> = {};
  for (let i = 0; i < topicCount; i++) {
    const count = rng.int(1, options.maxPartitions ?? 50);
    topics[`topic${i}`] = count;
    specs[`topic${i}`] = options.withRacks
      ? { count, racks: Array.from({ length: count }, () => [...new Set([rng.pick(racks), rng.pick(racks)])]) }
      : count;
  }
  const topicNames = Object.keys(topics);
  const common = topicNames.filter(() => rng.next() < 0.6);
  if (common.length === 0) common.push(rng.pick(topicNames));
  const memberCount = rng.int(1, options.maxMembers ?? 20);
  const list: MemberSubscription[] = [];
  for (let i = 0; i < memberCount; i++) {
    let subscribed = options.equalSubscriptions ? common : topicNames.filter(() => rng.next() < 0.5);
    if (subscribed.length === 0) subscribed = [rng.pick(topicNames)];
    const memberId = `consumer-${rng.int(0, 9999)}-${i}`;
    const groupInstanceId = options.staticMembers && rng.next() < 0.4 ? `instance-${rng.int(0, 999)}-${i}` : null;
    const rackId = options.withRacks && rng.next() < 0.85 ? rng.pick(racks) : null;
    list.push(member(memberId, subscribed, { groupInstanceId, rackId }));
  }
  return { topics, cluster: clusterOf(specs), members: groupOf(list) };
}

// ---------------------------------------------------------------------------------------------
// kafka-python

/** Null when kafka-python's assignors import, else why not (tests skip with that reason). */
export function kafkaPythonMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import kafka.coordinator.assignors.sticky.sticky_assignor'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  return probe.status === 0 ? null : `kafka-python missing: ${probe.stderr.trim()}`;
}

export type PythonAnswer = Record<string, unknown> & { ok: boolean; error?: string };

/** Sends a batch of requests to one kafka-python process and returns its answers, in order. */
export function askKafkaPython(requests: readonly Record<string, unknown>[]): PythonAnswer[] {
  const run = spawnSync(PYTHON, [findPeer()], {
    input: requests.map((request) => JSON.stringify(request)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONHASHSEED: '0' },
  });
  assert.equal(run.status, 0, `kafka-python peer failed: ${run.stderr}`);
  const answers = run.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as PythonAnswer);
  assert.equal(answers.length, requests.length);
  return answers;
}

/** kafka-python's [[topic, [partitions]]] as sorted partition names. */
export function pythonNames(grouped: unknown): string[] {
  const list: TopicPartition[] = [];
  for (const [topic, partitions] of grouped as [string, number[]][]) for (const partition of partitions) list.push({ topic, partition });
  return names(list);
}
