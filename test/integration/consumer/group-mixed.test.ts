/**
 * Mixed consumer groups: a kafkats consumer, a kafka-python KafkaConsumer and a librdkafka
 * balanced consumer (kcat -G) in one group, with 'range' and with 'roundrobin' (eager: the only
 * protocol the peers share). Once the three share the partitions, records are produced to every
 * partition; the members' partitions must not overlap, together they must be all 12, and every
 * record is consumed exactly once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { PYTHON, kcatProduce } from '../../support/peers.js';
import { GroupRecorder, Member, nextEvent } from './group-support.js';

const PARTITIONS = 12;
const PER_PARTITION = 10;

/** A group member in a child process printing one JSON object per record consumed. */
class PeerMember {
  private stderr = '';
  private readonly exited: Promise<number | null>;
  /** The peer's assignments as it reported them (a revocation reports an empty one). */
  readonly assignments: number[][] = [];

  constructor(
    readonly name: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly stopBy: 'sigterm' | 'stdin',
    recorder: GroupRecorder,
  ) {
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderr = `${this.stderr}${line}\n`.slice(-6000);
      // kcat: "% Group g rebalanced (memberid m): assigned: t [0], t [3]" or "...: revoked: ...".
      const rebalanced = /rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(line);
      if (rebalanced === null) return;
      this.assignments.push(rebalanced[1] === 'revoked' ? [] : [...rebalanced[2]!.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])).sort((x, y) => x - y));
      recorder.poke();
    });
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as { partition: number; offset: number; payload?: string; value?: string; assigned?: number[] };
      if (parsed.assigned !== undefined) {
        this.assignments.push(parsed.assigned);
        recorder.poke();
        return;
      }
      recorder.delivered({ event: nextEvent(), at: performance.now(), member: name, partition: parsed.partition, offset: parsed.offset, value: parsed.payload ?? parsed.value ?? '' });
    });
  }

  get log(): string {
    return this.stderr;
  }

  /** Leaves the group cleanly and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.stopBy === 'sigterm') this.child.kill('SIGTERM');
      else this.child.stdin.end();
    }
    const code = await this.exited;
    assert.equal(code, 0, `${this.name} exited with ${code}: ${this.stderr}`);
  }
}

function kcatMember(test: TestCluster, groupId: string, topic: string, strategy: string, recorder: GroupRecorder): PeerMember {
  const child = spawn(
    'kcat',
    [
      '-b', test.bootstrapServers, '-G', groupId, topic, '-J', '-u',
      '-X', 'auto.offset.reset=earliest',
      '-X', `partition.assignment.strategy=${strategy}`,
      '-X', 'session.timeout.ms=6000',
      '-X', 'heartbeat.interval.ms=500',
      '-X', 'client.id=kcat-member',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new PeerMember('kcat', child, 'sigterm', recorder);
}

/**
 * kafka-python's KafkaConsumer in a group; prints its assignments, commits after each poll and
 * leaves when stdin closes.
 */
const KAFKA_PYTHON_MEMBER = `
import json, sys, threading
from kafka import KafkaConsumer, ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
servers, group, topic, strategy = sys.argv[1:5]
strategies = {"range": [RangePartitionAssignor], "roundrobin": [RoundRobinPartitionAssignor]}
consumer = KafkaConsumer(bootstrap_servers=servers.split(","), group_id=group, client_id="kafka-python-member",
    auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=500,
    partition_assignment_strategy=strategies[strategy])
class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        pass
    def on_partitions_assigned(self, assigned):
        print(json.dumps({"assigned": sorted(tp.partition for tp in assigned)}), flush=True)
consumer.subscribe([topic], listener=Listener())
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
while not done.is_set():
    polled = consumer.poll(timeout_ms=100)
    for records in polled.values():
        for record in records:
            print(json.dumps({"partition": record.partition, "offset": record.offset, "value": record.value.decode()}), flush=True)
    if polled:
        consumer.commit()
consumer.close()
`;

function kafkaPythonMember(test: TestCluster, groupId: string, topic: string, strategy: string, recorder: GroupRecorder): PeerMember {
  const child = spawn(PYTHON, ['-u', '-c', KAFKA_PYTHON_MEMBER, test.bootstrapServers, groupId, topic, strategy], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return new PeerMember('kafka-python', child, 'stdin', recorder);
}

for (const kind of availableTestClusters()) {
  describe(`mixed groups on ${kind}`, { timeout: 300_000 }, () => {
    let test: TestCluster;
    before(async () => {
      test = await startTestCluster(kind, {
        brokers: 3,
        topics: [
          { name: 'mixed-range', partitions: PARTITIONS },
          { name: 'mixed-roundrobin', partitions: PARTITIONS },
        ],
      });
    });
    after(async () => {
      await test?.stop();
    });

    for (const strategy of ['range', 'roundrobin'] as const) {
      it(`kafkats, kafka-python and kcat share the partitions with ${strategy}`, { timeout: 180_000 }, async (t) => {
        const topic = `mixed-${strategy}`;
        const groupId = `mixed-${strategy}-${kind}`;
        const recorder = new GroupRecorder();
        // kafka-python joins first, so that on librdkafka's mock it leads: that mock answers a
        // SyncGroup arriving after the leader's with INVALID_REQUEST, which kafka-python (unlike
        // kafkats and librdkafka) treats as fatal, and Python is the slowest to send its SyncGroup.
        const python = kafkaPythonMember(test, groupId, topic, strategy, recorder);
        const peers = [python];
        let kafkats: Member | null = null;
        try {
          await recorder.until(() => python.assignments.length > 0, 'kafka-python joining', 60_000);
          peers.push(kcatMember(test, groupId, topic, strategy, recorder));
          kafkats = new Member('kafkats', test, topic, groupId, recorder, { assignors: [strategy] });
          const member = kafkats;
          // Records are produced once the three members' assignments (as each reports it) split the partitions.
          const split = (): boolean => {
            const assignments = [member.partitions(), ...peers.map((peer) => peer.assignments.at(-1) ?? [])];
            const all = assignments.flat();
            return assignments.every((partitions) => partitions.length === PARTITIONS / 3) && new Set(all).size === PARTITIONS;
          };
          const ticker = setInterval(() => recorder.poke(), 100);
          try {
            await recorder.until(split, 'the three members splitting the partitions', 90_000);
          } finally {
            clearInterval(ticker);
          }
          const generation = member.generation();
          const records = Array.from({ length: PARTITIONS * PER_PARTITION }, (_, index) => ({
            key: `k${index}`,
            value: `${strategy}-${index}`,
            partition: Math.floor(index / PER_PARTITION),
          }));
          const produced = await kcatProduce(test.bootstrapServers, topic, records);
          assert.equal(produced.length, records.length);
          await recorder.until(() => recorder.deliveries.length >= records.length, `${records.length} records consumed`, 60_000);

          const byMember = new Map<string, Set<number>>();
          for (const delivery of recorder.deliveries) {
            const set = byMember.get(delivery.member) ?? new Set<number>();
            set.add(delivery.partition);
            byMember.set(delivery.member, set);
          }
          const owners = [...byMember.entries()].map(([member, partitions]) => `${member}: [${[...partitions].sort((x, y) => x - y).join(',')}]`);
          t.diagnostic(`${kind} ${strategy}: ${owners.join('; ')} (generation ${generation})`);
          assert.deepEqual([...byMember.keys()].sort(), ['kafka-python', 'kafkats', 'kcat'], 'every member consumed');
          const all = [...byMember.values()].flatMap((partitions) => [...partitions]);
          assert.equal(all.length, PARTITIONS, 'no partition consumed by two members');
          assert.deepEqual([...new Set(all)].sort((x, y) => x - y), Array.from({ length: PARTITIONS }, (_, partition) => partition), 'together they consumed every partition');
          assert.deepEqual([...byMember.get('kafkats')!].sort((x, y) => x - y), member.partitions(), 'kafkats consumed exactly its assignment');
          const values = recorder.deliveries.map((delivery) => delivery.value).sort();
          assert.deepEqual(values, records.map((record) => record.value).sort(), 'every record consumed exactly once');
          assert.equal(member.generation(), generation, 'no rebalance happened while consuming');
          assert.deepEqual(member.errors, []);
        } finally {
          await kafkats?.stop();
          for (const peer of peers) await peer.stop();
        }
      });
    }
  });
}
