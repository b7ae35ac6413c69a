/**
 * Consumer groups of third-party clients against the embedded cluster's group coordinator:
 * librdkafka (kcat -G) and kafka-python members, alone and mixed, with the range and roundrobin
 * assignors; kafka-python's committed offsets across a restart; KafkaJS and @platformatic/kafka
 * groups. Every group must consume exactly the records produced, each once, every member from its
 * own partitions.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Consumer as PlatformaticConsumer, MessagesStreamModes } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { MockCluster } from '../../../src/broker/index.js';
import { Connection } from '../../../src/network/connection.js';
import { ConsumerProtocolAssignment } from '../../../src/protocol/generated/consumer-protocol-assignment.js';
import { DescribeGroups } from '../../../src/protocol/generated/describe-groups.js';
import { Heartbeat } from '../../../src/protocol/generated/heartbeat.js';
import { OffsetFetch } from '../../../src/protocol/generated/offset-fetch.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { PYTHON, kafkaPythonConsume, kcatProduce, type PeerRecord } from '../../support/peers.js';
import { waitFor } from '../../support/wait.js';

/** A consumed record, by where it was: what a group must deliver exactly once. */
interface Seen {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** Emits 'record' whenever any member consumed one. */
const consumedAnywhere = new EventEmitter();

/** Resolves once `predicate` holds, checked now and after every consumed record. */
function whenConsumed(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!predicate()) return;
      consumedAnywhere.off('record', check);
      resolve();
    };
    consumedAnywhere.on('record', check);
    check();
  });
}

/** A group member under test: what it consumed, and how to make it leave. */
interface Member {
  readonly name: string;
  readonly records: Seen[];
  /** Leaves the group cleanly (and, for processes, waits for a clean exit). */
  stop(): Promise<void>;
  /** Last words for a failure message. */
  readonly log: string;
}

/** A member living in this process (KafkaJS, @platformatic/kafka). */
class InProcessMember implements Member {
  readonly records: Seen[] = [];
  readonly log = '';

  constructor(
    readonly name: string,
    private readonly leave: () => Promise<void>,
  ) {}

  consumed(partition: number, offset: number, value: string): void {
    this.records.push({ partition, offset, value });
    consumedAnywhere.emit('record');
  }

  stop(): Promise<void> {
    return this.leave();
  }
}

/**
 * A group member running in a child process that prints one JSON object per consumed record on
 * stdout. `stop()` asks it to leave the group cleanly and waits for it to exit.
 */
class PeerMember implements Member {
  readonly records: Seen[] = [];
  private readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(
    readonly name: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly stopBy: 'sigterm' | 'stdin',
  ) {
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-6_000);
    });
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as { partition: number; offset: number; payload?: string; value?: string };
      this.records.push({ partition: parsed.partition, offset: parsed.offset, value: parsed.payload ?? parsed.value ?? '' });
      consumedAnywhere.emit('record');
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.stopBy === 'sigterm') this.child.kill('SIGTERM');
      else this.child.stdin.end();
    }
    const code = await this.exited;
    assert.equal(code, 0, `${this.name} exited with ${code}; stderr:\n${this.stderr}`);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  get log(): string {
    return this.stderr;
  }
}

/** kcat as a balanced consumer (librdkafka's high-level consumer); static with `instanceId`. */
function kcatMember(bootstrap: string, groupId: string, topic: string, strategy: string, instanceId?: string): PeerMember {
  const child = spawn(
    'kcat',
    ['-b', bootstrap, '-G', groupId, topic, '-J', '-q', '-u',
      '-X', 'auto.offset.reset=earliest',
      '-X', `partition.assignment.strategy=${strategy}`,
      '-X', 'session.timeout.ms=6000',
      '-X', 'heartbeat.interval.ms=250',
      '-X', 'client.id=kcat-member',
      ...(instanceId === undefined ? [] : ['-X', `group.instance.id=${instanceId}`])],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new PeerMember(`kcat ${instanceId ?? groupId}`, child, 'sigterm');
}

/**
 * The group's current generation, found as the one a member's Heartbeat is accepted with (every
 * other generation is ILLEGAL_GENERATION).
 */
async function currentGeneration(cluster: MockCluster, groupId: string, memberId: string): Promise<number> {
  for (let generationId = 0; generationId < 50; generationId++) {
    const answer = await onCoordinator(cluster, (connection) => connection.request(Heartbeat, 4, { groupId, generationId, memberId }));
    if (answer.errorCode === 0) return generationId;
    assert.equal(answer.errorCode, ILLEGAL_GENERATION, `Heartbeat of ${memberId} at generation ${generationId}`);
  }
  throw new Error('no generation accepted');
}

/** kafka-python's KafkaConsumer subscribed as a group member; stops (and commits) when stdin closes. */
const PYTHON_MEMBER = `
import json, sys, threading
from kafka import KafkaConsumer
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
bootstrap, group_id, topic, strategy = sys.argv[1:5]
assignors = {"range": [RangePartitionAssignor], "roundrobin": [RoundRobinPartitionAssignor]}[strategy]
consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=group_id, client_id="python-member",
    auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=250,
    partition_assignment_strategy=assignors)
consumer.subscribe([topic])
stopped = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
while not stopped.is_set():
    batches = consumer.poll(timeout_ms=100)
    for messages in batches.values():
        for m in messages:
            print(json.dumps({"partition": m.partition, "offset": m.offset, "value": m.value.decode()}), flush=True)
    if batches:
        consumer.commit()
consumer.close()
`;

function pythonMember(bootstrap: string, groupId: string, topic: string, strategy: 'range' | 'roundrobin'): PeerMember {
  const child = spawn(PYTHON, ['-u', '-c', PYTHON_MEMBER, bootstrap, groupId, topic, strategy], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return new PeerMember(`kafka-python ${groupId}`, child, 'stdin');
}

const NOT_COORDINATOR = 16;
const ILLEGAL_GENERATION = 22;

/**
 * Runs `ask` against each broker in turn and returns the first answer that is not
 * NOT_COORDINATOR (as a client would after FindCoordinator).
 */
async function onCoordinator<T extends { errorCode?: number; groups?: ReadonlyArray<{ errorCode: number }> }>(cluster: MockCluster, ask: (connection: Connection) => Promise<T>): Promise<T> {
  for (const broker of cluster.brokers) {
    const connection = new Connection({ host: broker.host, port: broker.port, clientId: 'groups-test' });
    try {
      await connection.connect();
      const answer = await ask(connection);
      const code = answer.errorCode ?? answer.groups?.[0]?.errorCode;
      if (code !== NOT_COORDINATOR) return answer;
    } finally {
      await connection.close();
    }
  }
  throw new Error('no broker answered as coordinator');
}

/** The group as the coordinator describes it, with each member's assigned partitions of `topic`. */
async function describeGroup(cluster: MockCluster, groupId: string, topic: string): Promise<{ state: string; protocol: string; members: Map<string, number[]> }> {
  const described = (await onCoordinator(cluster, (connection) => connection.request(DescribeGroups, 5, { groups: [groupId] }))).groups[0];
  assert.ok(described !== undefined && described.errorCode === 0, `DescribeGroups ${groupId}: ${described?.errorCode}`);
  const members = new Map<string, number[]>();
  for (const member of described.members) {
    members.set(member.memberId, assignedPartitions(member.memberAssignment, topic));
  }
  return { state: described.groupState, protocol: described.protocolData, members };
}

/** The partitions of `topic` in a ConsumerProtocolAssignment (the bytes the coordinator echoes). */
function assignedPartitions(bytes: Buffer, topic: string): number[] {
  if (bytes.length === 0) return [];
  const reader = new Reader(bytes);
  const version = reader.readInt16();
  const assignment = ConsumerProtocolAssignment.decode(reader, Math.min(version, ConsumerProtocolAssignment.maxVersion));
  return assignment.assignedPartitions
    .filter((entry) => entry.topic === topic)
    .flatMap((entry) => entry.partitions)
    .sort((a, b) => a - b);
}

/** Waits until the group is Stable with `count` members whose assignments split all `partitions`. */
async function waitForStableSplit(cluster: MockCluster, groupId: string, topic: string, count: number, partitions: number) {
  return waitFor(
    async () => {
      const group = await describeGroup(cluster, groupId, topic);
      const assigned = [...group.members.values()].flat().sort((a, b) => a - b);
      const everyMemberHasSome = [...group.members.values()].every((owned) => owned.length > 0);
      const complete = assigned.length === partitions && assigned.every((partition, index) => partition === index);
      return group.state === 'Stable' && group.members.size === count && everyMemberHasSome && complete ? group : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `group ${groupId} stable with ${count} members` },
  );
}

/** `perPartition` records on each partition, values naming where they go. */
function recordsFor(tag: string, partitions: number, perPartition: number): PeerRecord[] {
  return Array.from({ length: partitions * perPartition }, (_, index) => ({
    key: `k${index}`,
    value: `${tag}-${index % partitions}-${Math.floor(index / partitions)}`,
    partition: index % partitions,
  }));
}

/**
 * Produces the records, waits until the members together consumed as many (a safety timeout
 * bounds the wait), stops the members (so that a late duplicate would be seen too), and checks
 * that each record was consumed exactly once, by the member that owns its partition.
 */
async function produceAndCheck(cluster: MockCluster, topic: string, members: readonly Member[], assignment: Map<string, number[]>, records: readonly PeerRecord[]): Promise<void> {
  const deliveries = await kcatProduce(cluster.bootstrapServers, topic, records);
  const expected = deliveries.map((delivery, index) => `${delivery.partition}/${delivery.offset}/${String(records[index]!.value)}`).sort();
  const total = (): number => members.reduce((sum, member) => sum + member.records.length, 0);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`consumed ${total()} of ${records.length} records in 30 s\n${members.map((m) => `${m.name}: ${m.log}`).join('\n')}`)), 30_000);
  });
  try {
    await Promise.race([whenConsumed(() => total() >= records.length), timedOut]);
  } finally {
    clearTimeout(timer);
  }
  await Promise.all(members.map((member) => member.stop()));
  const consumed = members.flatMap((member) => member.records.map((seen) => `${seen.partition}/${seen.offset}/${seen.value}`)).sort();
  assert.deepEqual(consumed, expected, 'every record consumed exactly once');
  const owners = [...assignment.values()];
  for (const member of members) {
    const partitions = new Set(member.records.map((seen) => seen.partition));
    assert.ok(partitions.size > 0, `${member.name} consumed nothing`);
    assert.ok(owners.some((owned) => [...partitions].every((partition) => owned.includes(partition))), `${member.name} consumed only from its own partitions`);
  }
}

describe('embedded group coordinator with librdkafka and kafka-python members', () => {
  let cluster: MockCluster | undefined;
  const running = (): MockCluster => {
    assert.ok(cluster, 'cluster did not start');
    return cluster;
  };
  const members: PeerMember[] = [];

  before(async () => {
    cluster = await MockCluster.start({ brokers: 3 });
  });
  after(async () => {
    for (const member of members) member.kill();
    await cluster?.stop();
  });

  test('two kcat -G members split the partitions and consume every record once', { timeout: 120_000 }, async () => {
    await running().createTopic('kcat-pair', { partitions: 4 });
    const pair = [kcatMember(running().bootstrapServers, 'kcat-group', 'kcat-pair', 'range'), kcatMember(running().bootstrapServers, 'kcat-group', 'kcat-pair', 'range')];
    members.push(...pair);
    const group = await waitForStableSplit(running(), 'kcat-group', 'kcat-pair', 2, 4);
    assert.equal(group.protocol, 'range');
    await produceAndCheck(running(), 'kcat-pair', pair, group.members, recordsFor('kcat', 4, 10));
    const left = await describeGroup(running(), 'kcat-group', 'kcat-pair');
    assert.deepEqual([left.state, left.members.size], ['Empty', 0], 'both members left the group on exit');
  });

  test('kafka-python commits, and a restarted consumer resumes from the committed offsets', { timeout: 120_000 }, async () => {
    const topic = 'python-restart';
    await running().createTopic(topic, { partitions: 2 });
    const records = recordsFor('py', 2, 15);
    const deliveries = await kcatProduce(running().bootstrapServers, topic, records);
    const config = { group_id: 'python-group', enable_auto_commit: true, session_timeout_ms: 6000, heartbeat_interval_ms: 250 };
    const first = await kafkaPythonConsume(running().bootstrapServers, { topic, count: 12, config });
    const second = await kafkaPythonConsume(running().bootstrapServers, { topic, count: 18, config });
    const seen = [...first, ...second].map((record) => `${record.partition}/${record.offset}/${record.value?.toString()}`).sort();
    const expected = deliveries.map((delivery, index) => `${delivery.partition}/${delivery.offset}/${String(records[index]!.value)}`).sort();
    assert.deepEqual(seen, expected, 'the restart continued exactly where the first run committed');
    const fetched = await onCoordinator(running(), (connection) => connection.request(OffsetFetch, 7, { groupId: 'python-group', topics: null }));
    const committed = fetched.topics.flatMap((entry) => entry.partitions.map((partition) => `${entry.name}/${partition.partitionIndex}/${partition.committedOffset}`));
    assert.deepEqual(committed.sort(), [`${topic}/0/15`, `${topic}/1/15`], 'both partitions committed to their end');
    const group = await describeGroup(running(), 'python-group', topic);
    assert.deepEqual([group.state, group.members.size], ['Empty', 0]);
  });

  test('a restarted static kcat member (group.instance.id) takes its place back without a rebalance', { timeout: 120_000 }, async () => {
    const topic = 'static-pair';
    const groupId = 'static-group';
    await running().createTopic(topic, { partitions: 4 });
    const first = kcatMember(running().bootstrapServers, groupId, topic, 'range', 'static-a');
    const other = kcatMember(running().bootstrapServers, groupId, topic, 'range', 'static-b');
    members.push(first, other);
    const original = await waitForStableSplit(running(), groupId, topic, 2, 4);
    const [firstId, otherId] = await (async () => {
      const ids = [...original.members.keys()];
      const described = await onCoordinator(running(), (connection) => connection.request(DescribeGroups, 5, { groups: [groupId] }));
      const byInstance = new Map(described.groups[0]!.members.map((member) => [member.groupInstanceId, member.memberId]));
      assert.deepEqual(new Set(ids), new Set(byInstance.values()));
      return [byInstance.get('static-a')!, byInstance.get('static-b')!];
    })();
    const generation = await currentGeneration(running(), groupId, otherId);
    // A static member does not leave the group when it stops: its partitions wait for its return.
    await first.stop();
    const stillThere = await describeGroup(running(), groupId, topic);
    assert.deepEqual([stillThere.state, [...stillThere.members.keys()].sort()], ['Stable', [firstId, otherId].sort()]);
    const restarted = kcatMember(running().bootstrapServers, groupId, topic, 'range', 'static-a');
    members.push(restarted);
    const replaced = await waitFor(
      async () => {
        const group = await describeGroup(running(), groupId, topic);
        return group.members.has(firstId) ? undefined : group;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the restarted instance to replace the old member id' },
    );
    assert.equal(replaced.state, 'Stable');
    const newId = [...replaced.members.keys()].find((memberId) => memberId !== otherId)!;
    assert.match(newId, /^static-a-/);
    assert.deepEqual(replaced.members.get(newId), original.members.get(firstId), 'the new member id kept the old assignment');
    assert.deepEqual(replaced.members.get(otherId), original.members.get(otherId));
    assert.equal(await currentGeneration(running(), groupId, otherId), generation, 'no rebalance: the generation did not change');
    await produceAndCheck(running(), topic, [restarted, other], replaced.members, recordsFor('static', 4, 5));
  });

  for (const strategy of ['range', 'roundrobin'] as const) {
    test(`a mixed kafka-python + kcat group with ${strategy} splits the partitions and consumes every record once`, { timeout: 120_000 }, async () => {
      const topic = `mixed-${strategy}`;
      const groupId = `mixed-group-${strategy}`;
      await running().createTopic(topic, { partitions: 5 });
      const python = pythonMember(running().bootstrapServers, groupId, topic, strategy);
      members.push(python);
      await waitForStableSplit(running(), groupId, topic, 1, 5);
      const kcat = kcatMember(running().bootstrapServers, groupId, topic, strategy);
      members.push(kcat);
      const group = await waitForStableSplit(running(), groupId, topic, 2, 5);
      assert.equal(group.protocol, strategy);
      const sizes = [...group.members.values()].map((owned) => owned.length).sort();
      assert.deepEqual(sizes, [2, 3]);
      if (strategy === 'roundrobin') {
        assert.ok([...group.members.values()].some((owned) => owned.join() === '0,2,4' || owned.join() === '1,3'), 'roundrobin interleaves');
      } else {
        assert.ok([...group.members.values()].some((owned) => owned.join() === '0,1,2' || owned.join() === '3,4'), 'range assigns contiguous ranges');
      }
      await produceAndCheck(running(), topic, [python, kcat], group.members, recordsFor(strategy, 5, 6));
      const left = await describeGroup(running(), groupId, topic);
      assert.deepEqual([left.state, left.members.size], ['Empty', 0]);
    });
  }
});

describe('embedded group coordinator with KafkaJS and @platformatic/kafka members', () => {
  let cluster: MockCluster | undefined;
  const running = (): MockCluster => {
    assert.ok(cluster, 'cluster did not start');
    return cluster;
  };
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    cluster = await MockCluster.start({ brokers: 3 });
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await cluster?.stop();
  });

  test('two KafkaJS consumers split the partitions and consume every record once', { timeout: 120_000 }, async () => {
    const topic = 'kafkajs-pair';
    await running().createTopic(topic, { partitions: 4 });
    const kafka = new kafkajs.Kafka({ clientId: 'kafkajs-member', brokers: running().bootstrapServers.split(','), logLevel: kafkajs.logLevel.NOTHING });
    const members = await Promise.all(
      [1, 2].map(async (index) => {
        const consumer = kafka.consumer({ groupId: 'kafkajs-group', sessionTimeout: 6000, heartbeatInterval: 250, rebalanceTimeout: 10_000 });
        const member = new InProcessMember(`kafkajs ${index}`, () => consumer.disconnect());
        cleanups.push(() => consumer.disconnect());
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => member.consumed(partition, Number(message.offset), message.value?.toString() ?? ''),
        });
        return member;
      }),
    );
    const group = await waitForStableSplit(running(), 'kafkajs-group', topic, 2, 4);
    assert.equal(group.protocol, 'RoundRobinAssigner');
    await produceAndCheck(running(), topic, members, group.members, recordsFor('kafkajs', 4, 8));
    const left = await describeGroup(running(), 'kafkajs-group', topic);
    assert.deepEqual([left.state, left.members.size], ['Empty', 0]);
  });

  test('two @platformatic/kafka consumers split the partitions and consume every record once', { timeout: 120_000 }, async () => {
    const topic = 'platformatic-pair';
    await running().createTopic(topic, { partitions: 4 });
    const members = await Promise.all(
      [1, 2].map(async (index) => {
        const consumer = new PlatformaticConsumer({
          clientId: `platformatic-member-${index}`,
          groupId: 'platformatic-group',
          bootstrapBrokers: running().bootstrapServers.split(','),
          sessionTimeout: 6000,
          heartbeatInterval: 250,
          rebalanceTimeout: 10_000,
        });
        const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', autocommit: 100 });
        const member = new InProcessMember(`platformatic ${index}`, async () => {
          await stream.close();
          await consumer.close();
        });
        cleanups.push(() => consumer.close());
        stream.on('data', (message) => member.consumed(message.partition, Number(message.offset), message.value.toString()));
        return member;
      }),
    );
    const group = await waitForStableSplit(running(), 'platformatic-group', topic, 2, 4);
    await produceAndCheck(running(), topic, members, group.members, recordsFor('platformatic', 4, 8));
    const left = await describeGroup(running(), 'platformatic-group', topic);
    assert.deepEqual([left.state, left.members.size], ['Empty', 0]);
  });
});
