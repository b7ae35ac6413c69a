/**
 * Mixed consumer groups: a kafkats consumer, a kafka-python KafkaConsumer and a librdkafka
 * balanced consumer (kcat -G) in one group, with 'range' and with 'roundrobin' (eager: the only
 * protocol the peers share). Once the three share the partitions, records are produced to every
 * partition; the members' partitions must not overlap, together they must be all 12, and every
 * record is consumed exactly once.
 *
 * librdkafka 2.0.2's mock completes a SyncGroup round as soon as the leader's SyncGroup arrives: it
 * answers the followers waiting then and moves the group to Up, and a follower's SyncGroup that
 * arrives after that gets INVALID_REQUEST (a real coordinator hands it the stored assignment). The
 * follower must rejoin, which starts a new round for everyone after the mock's join wait
 * (session.timeout.ms - 1 s = 5 s), so the group only settles in a round where both followers
 * happen to send their SyncGroup before the leader. The three clients answer the JoinGroup within
 * a few milliseconds of each other, so that takes any number of rounds (up to 18 seen, 90 s and
 * more). On that mock the test therefore has the leader (kafka-python, see below) send its
 * SyncGroup only once the mock's debug log shows the followers' SyncGroups waiting there: its
 * assignor stops until the test says "go" for that generation (or, as a safety net, for 3 s,
 * after which the round goes on as it would have). The clients themselves are not changed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { availableTestClusters, startTestCluster, type TestCluster, type TestClusterOptions } from '../../support/cluster-under-test.js';
import { PYTHON, kcatProduce } from '../../support/peers.js';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';
import { GroupRecorder, Member, nextEvent } from './group-support.js';

const PARTITIONS = 12;
const PER_PARTITION = 10;
/** How long kafka-python's assignor waits for "go" at most; below the mock's 6 s SyncGroup wait. */
const LEADER_GATE_SAFETY_MS = 3000;

/** A group member in a child process printing one JSON object per record consumed. */
class PeerMember {
  private stderr = '';
  private readonly exited: Promise<number | null>;
  /** The peer's assignments as it reported them (a revocation reports an empty one). */
  readonly assignments: number[][] = [];
  /** Called when the peer, as leader, is about to assign the partitions of `generation` (kafka-python, gated). */
  onAssigning: (generation: number) => void = () => undefined;

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
      const parsed = JSON.parse(line) as { partition: number; offset: number; payload?: string; value?: string; assigned?: number[]; revoked?: number[]; assigning?: number };
      if (parsed.assigning !== undefined) {
        this.onAssigning(parsed.assigning);
        return;
      }
      if (parsed.assigned !== undefined || parsed.revoked !== undefined) {
        this.assignments.push(parsed.assigned ?? []);
        recorder.poke();
        return;
      }
      recorder.delivered({ event: nextEvent(), at: performance.now(), member: name, partition: parsed.partition, offset: parsed.offset, value: parsed.payload ?? parsed.value ?? '' });
    });
  }

  get log(): string {
    return this.stderr;
  }

  /** Writes one line to the peer's stdin. */
  tell(line: string): void {
    this.child.stdin.write(`${line}\n`);
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
 * kafka-python's KafkaConsumer in a group; prints its assignments and revocations, commits after
 * each poll and leaves when stdin closes. With gate=1 its assignor, when it leads, prints
 * {"assigning": generation} and waits for a "go <generation>" line on stdin (at most
 * LEADER_GATE_SAFETY_MS) before assigning, so that its SyncGroup follows the other members'. The
 * generation is read from the coordinator's \`_generation\` (kafka-python 2.0.2 passes the
 * assignor none).
 */
const KAFKA_PYTHON_MEMBER = `
import json, sys, threading
from kafka import KafkaConsumer, ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
servers, group, topic, strategy, gated, gate_safety_ms = sys.argv[1:7]
bases = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}
gate = threading.Condition()
released = [-1]
done = threading.Event()
def read_stdin():
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "go":
            with gate:
                released[0] = max(released[0], int(words[1]))
                gate.notify_all()
    done.set()
class GatedAssignor(bases[strategy]):
    @classmethod
    def assign(cls, cluster, members):
        if gated == "1":
            generation = consumer._coordinator._generation.generation_id
            print(json.dumps({"assigning": generation}), flush=True)
            with gate:
                gate.wait_for(lambda: released[0] >= generation, timeout=int(gate_safety_ms) / 1000)
        return super().assign(cluster, members)
consumer = KafkaConsumer(bootstrap_servers=servers.split(","), group_id=group, client_id="kafka-python-member",
    auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=500,
    partition_assignment_strategy=[GatedAssignor])
class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        print(json.dumps({"revoked": sorted(tp.partition for tp in revoked)}), flush=True)
    def on_partitions_assigned(self, assigned):
        print(json.dumps({"assigned": sorted(tp.partition for tp in assigned)}), flush=True)
consumer.subscribe([topic], listener=Listener())
threading.Thread(target=read_stdin, daemon=True).start()
while not done.is_set():
    polled = consumer.poll(timeout_ms=100)
    for records in polled.values():
        for record in records:
            print(json.dumps({"partition": record.partition, "offset": record.offset, "value": record.value.decode()}), flush=True)
    if polled:
        consumer.commit()
consumer.close()
`;

function kafkaPythonMember(test: TestCluster, groupId: string, topic: string, strategy: string, gated: boolean, recorder: GroupRecorder): PeerMember {
  const child = spawn(PYTHON, ['-u', '-c', KAFKA_PYTHON_MEMBER, test.bootstrapServers, groupId, topic, strategy, gated ? '1' : '0', String(LEADER_GATE_SAFETY_MS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return new PeerMember('kafka-python', child, 'stdin', recorder);
}

/**
 * Whether librdkafka's mock (started with debug 'mock') holds the SyncGroups of all the followers
 * of `generation`: after the election line of that generation, one "awaiting 0/<members> syncing
 * members" line per follower (the count is of assignments, which only the leader's SyncGroup sets).
 */
function followersSyncing(mock: RdkafkaMock, groupId: string, generation: number): boolean {
  const log = mock.stderrTail();
  const group = groupId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const elected = new RegExp(`Consumer group ${group} with (\\d+) member\\(s\\) is rebalancing: elected leader is \\S+, generation id ${generation}\\n`).exec(log);
  if (elected === null) return false;
  const members = Number(elected[1]);
  const waiting = `Mock consumer group ${groupId}: awaiting 0/${members} syncing members`;
  let count = 0;
  for (let at = log.indexOf(waiting, elected.index); at >= 0; at = log.indexOf(waiting, at + 1)) count++;
  return count >= members - 1;
}

for (const kind of availableTestClusters()) {
  describe(`mixed groups on ${kind}`, { timeout: 300_000 }, () => {
    let test: TestCluster;
    /** Set on librdkafka's mock, whose debug log gates the leader's SyncGroup (see the top of the file). */
    let mock: RdkafkaMock | null = null;
    before(async () => {
      const options: TestClusterOptions = {
        brokers: 3,
        topics: [
          { name: 'mixed-range', partitions: PARTITIONS },
          { name: 'mixed-roundrobin', partitions: PARTITIONS },
        ],
      };
      if (kind === 'rdkafka-mock') {
        mock = await startRdkafkaMock({ ...options, debug: 'mock' });
        test = mock;
      } else {
        test = await startTestCluster(kind, options);
      }
    });
    after(async () => {
      await test?.stop();
    });

    for (const strategy of ['range', 'roundrobin'] as const) {
      it(`kafkats, kafka-python and kcat share the partitions with ${strategy}`, { timeout: 180_000 }, async (t) => {
        const topic = `mixed-${strategy}`;
        const groupId = `mixed-${strategy}-${kind}`;
        const recorder = new GroupRecorder();
        // kafka-python joins first, so that on librdkafka's mock it leads (the mock elects its
        // oldest member): that mock answers a SyncGroup arriving after the leader's with
        // INVALID_REQUEST, which kafka-python (unlike kafkats and librdkafka) treats as fatal.
        const python = kafkaPythonMember(test, groupId, topic, strategy, mock !== null, recorder);
        const peers = [python];
        let kafkats: Member | null = null;
        // The generation kafka-python waits to assign (gated, on the mock only).
        let assigning: number | null = null;
        const releaseLeader = (): void => {
          if (assigning === null || mock === null || !followersSyncing(mock, groupId, assigning)) return;
          python.tell(`go ${assigning}`);
          assigning = null;
        };
        python.onAssigning = (generation) => {
          assigning = generation;
          releaseLeader();
        };
        // The mock's log arrives on its own pipe: it is read again every 100 ms while the leader waits.
        const gateTicker = setInterval(releaseLeader, 100);
        try {
          // (kafka-python reports an empty revocation before it first joins.)
          await recorder.until(() => (python.assignments.at(-1)?.length ?? 0) > 0, 'kafka-python joining', 60_000);
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
          clearInterval(gateTicker);
          await kafkats?.stop();
          for (const peer of peers) await peer.stop();
        }
      });
    }
  });
}
