/**
 * A scripted group coordinator for GroupMembership tests: one scripted broker that is also the
 * coordinator, with a metadata of given topics, and per-API answer queues. A test pushes the
 * answers it wants in order (each may be a promise, to park a request); when a queue is empty a
 * default answers as a one-member group would (the requester leads generation `generation`,
 * SyncGroup returns the leader's own assignment, Heartbeat/OffsetCommit/LeaveGroup succeed).
 * `log` interleaves requests ("JoinGroup", ...) with the host's callbacks, in the order they happened.
 */
import { Cluster } from '../../../../src/cluster/cluster.js';
import { resolveCommonOptions } from '../../../../src/cluster/options.js';
import type { Input } from '../../../../src/protocol/api.js';
import type {
  ApiKeyName,
  FindCoordinatorRequest,
  JoinGroupRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
} from '../../../../src/protocol/generated/index.js';
import { decodeAssignment } from '../../../../src/consumer/assignors/consumer-protocol.js';
import type { MembershipHost, TopicPartition } from '../../../../src/consumer/group/membership.js';
import { advertise, ScriptedBroker, selfMetadata, type ScriptedAnswer, type ScriptedRequest } from '../../cluster/scripted-broker.js';

export type Answer = ScriptedAnswer | Promise<ScriptedAnswer>;
export type Scripted = (request: ScriptedRequest) => Answer;

export const GROUP_APIS = ['JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch'] as const;
export type GroupApi = (typeof GROUP_APIS)[number];

export interface GroupBrokerOptions {
  readonly topics?: readonly { name: string; partitions: number }[];
  /** Highest versions advertised per API (defaults: the newest the generated codecs know). */
  readonly versions?: Partial<Record<ApiKeyName, number>>;
  readonly clientOptions?: Record<string, unknown>;
}

export class GroupBroker {
  readonly log: string[] = [];
  readonly queues = new Map<GroupApi, Scripted[]>(GROUP_APIS.map((api) => [api, []]));
  /** The generation the default JoinGroup answer hands out next. */
  generation = 1;
  private constructor(
    readonly broker: ScriptedBroker,
    readonly cluster: Cluster,
  ) {}

  static async start(options: GroupBrokerOptions = {}): Promise<GroupBroker> {
    const versions: Partial<Record<ApiKeyName, readonly [number, number]>> = {
      ApiVersions: [0, 3],
      Metadata: [0, 12],
      FindCoordinator: [0, 4],
      JoinGroup: [0, 9],
      SyncGroup: [0, 5],
      Heartbeat: [0, 4],
      LeaveGroup: [0, 5],
      OffsetCommit: [0, 9],
      OffsetFetch: [0, 9],
    };
    for (const [name, max] of Object.entries(options.versions ?? {})) versions[name as ApiKeyName] = [0, max];
    const broker = await ScriptedBroker.start({ ApiVersions: advertise(versions) });
    const topics = (options.topics ?? []).map((topic) => ({
      errorCode: 0,
      name: topic.name,
      partitions: Array.from({ length: topic.partitions }, (_, partitionIndex) => ({
        errorCode: 0,
        partitionIndex,
        leaderId: 1,
        leaderEpoch: 0,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      })),
    }));
    broker.handlers.Metadata = selfMetadata(broker, 1, topics);
    broker.handlers.FindCoordinator = (request) => {
      const answer = { nodeId: 1, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null };
      if (request.apiVersion >= 4) return { response: { coordinators: (request.body as FindCoordinatorRequest).coordinatorKeys.map((key) => ({ key, ...answer })) } };
      return { response: answer };
    };
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: broker.address, logLevel: 'silent', retryBackoffMs: 10, retryBackoffMaxMs: 50, ...options.clientOptions }));
    const group = new GroupBroker(broker, cluster);
    for (const api of GROUP_APIS) {
      broker.handlers[api] = (request) => {
        group.log.push(api);
        const next = group.queues.get(api)!.shift();
        return next !== undefined ? next(request) : group.defaultAnswer(api, request);
      };
    }
    return group;
  }

  /** Queues answers for the next requests of `api`. */
  push(api: GroupApi, ...answers: Scripted[]): void {
    this.queues.get(api)!.push(...answers);
  }

  requests(api: GroupApi): ScriptedRequest[] {
    return this.broker.requestsOf(api);
  }

  /** Resolves with the `index`-th (0-based) request of `api`, past or future. */
  async nth(api: GroupApi, index: number): Promise<ScriptedRequest> {
    let seen = 0;
    return this.broker.waitForRequest((request) => request.api === api && seen++ === index);
  }

  async close(): Promise<void> {
    await this.cluster.close();
    // FakeBroker.close() rejects with ECONNRESET when a client reset its connection (its
    // once(socket, 'close') also settles on 'error'); a reset at shutdown is no test failure here.
    await this.broker.close().catch(() => undefined);
  }

  private defaultAnswer(api: GroupApi, request: ScriptedRequest): Answer {
    switch (api) {
      case 'JoinGroup':
        return soleMemberJoin(this.generation++)(request);
      case 'SyncGroup': {
        const body = request.body as SyncGroupRequest;
        const own = body.assignments.find((entry) => entry.memberId === body.memberId);
        return { response: { errorCode: 0, protocolType: 'consumer', protocolName: body.protocolName, assignment: own?.assignment ?? Buffer.alloc(0) } };
      }
      case 'OffsetCommit':
        return commitAnswer(request, () => 0);
      case 'OffsetFetch':
        return fetchAnswer(request, () => ({ offset: -1n }));
      default:
        return { response: { errorCode: 0 } };
    }
  }
}

/** A JoinGroup answer making the requester the only member and leader of `generationId`. */
export function soleMemberJoin(generationId: number, memberId = 'member-1'): Scripted {
  return (request) => {
    const body = request.body as JoinGroupRequest;
    const id = body.memberId === '' ? memberId : body.memberId;
    const protocol = body.protocols[0]!;
    return {
      response: {
        errorCode: 0,
        generationId,
        protocolType: 'consumer',
        protocolName: protocol.name,
        leader: id,
        memberId: id,
        members: [{ memberId: id, groupInstanceId: body.groupInstanceId, metadata: protocol.metadata }],
      },
    };
  };
}

/** A JoinGroup answer for a follower of `generationId` led by `leader`. */
export function followerJoin(generationId: number, leader: string, memberId = 'member-1'): Scripted {
  return (request) => {
    const body = request.body as JoinGroupRequest;
    return {
      response: {
        errorCode: 0,
        generationId,
        protocolType: 'consumer',
        protocolName: body.protocols[0]!.name,
        leader,
        memberId: body.memberId === '' ? memberId : body.memberId,
        members: [],
      },
    };
  };
}

/** An answer with only an error code (JoinGroup, SyncGroup, Heartbeat, LeaveGroup). */
export function errorAnswer(errorCode: number, extra: Record<string, unknown> = {}): Scripted {
  return () => ({ response: { errorCode, ...extra } });
}

/** An OffsetCommit answer giving each partition the code `codeFor` returns. */
export function commitAnswer(request: ScriptedRequest, codeFor: (topic: string, partition: number) => number): ScriptedAnswer {
  const body = request.body as OffsetCommitRequest;
  return {
    response: {
      topics: body.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: codeFor(topic.name, partition.partitionIndex) })),
      })),
    },
  };
}

/** An OffsetFetch answer (either shape) with what `answer` returns per partition. */
export function fetchAnswer(
  request: ScriptedRequest,
  answer: (topic: string, partition: number) => { offset: bigint; leaderEpoch?: number; metadata?: string | null; errorCode?: number },
): ScriptedAnswer {
  const body = request.body as OffsetFetchRequest;
  const topicsOf = (topics: readonly { name: string; partitionIndexes: number[] }[]) =>
    topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => {
        const value = answer(topic.name, partitionIndex);
        return { partitionIndex, committedOffset: value.offset, committedLeaderEpoch: value.leaderEpoch ?? -1, metadata: value.metadata ?? '', errorCode: value.errorCode ?? 0 };
      }),
    }));
  if (request.apiVersion >= 8) {
    return { response: { groups: body.groups.map((group) => ({ groupId: group.groupId, errorCode: 0, topics: topicsOf(group.topics ?? []) })) } as Input<unknown> };
  }
  return { response: { errorCode: 0, topics: topicsOf(body.topics ?? []) } };
}

/** The partitions a SyncGroup request assigns to `memberId`, as "topic-partition" strings. */
export function assignedIn(request: ScriptedRequest, memberId: string): string[] {
  const entry = (request.body as SyncGroupRequest).assignments.find((assignment) => assignment.memberId === memberId);
  return entry === undefined ? [] : decodeAssignment(entry.assignment).partitions.map((tp) => `${tp.topic}-${tp.partition}`);
}

/** A deferred answer: the request stays parked until `release`. */
export function parked(): { answer: Scripted; release: (answer: ScriptedAnswer) => void; arrived: Promise<ScriptedRequest> } {
  let release!: (answer: ScriptedAnswer) => void;
  let arrive!: (request: ScriptedRequest) => void;
  const arrived = new Promise<ScriptedRequest>((resolve) => (arrive = resolve));
  const pending = new Promise<ScriptedAnswer>((resolve) => (release = resolve));
  return {
    answer: (request) => {
      arrive(request);
      return pending;
    },
    release,
    arrived,
  };
}

export function names(partitions: readonly TopicPartition[]): string {
  return partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(',');
}

/** A host recording its callbacks into the shared log, with hooks a test can set. */
export class RecordingHost implements MembershipHost {
  topics: string[];
  onRevoked: ((partitions: readonly TopicPartition[]) => Promise<void>) | null = null;
  onAssigned: ((partitions: readonly TopicPartition[]) => Promise<void>) | null = null;
  readonly calls: { kind: 'revoked' | 'assigned' | 'lost'; partitions: string }[] = [];

  constructor(
    private readonly log: string[],
    topics: string[],
  ) {
    this.topics = topics;
  }

  subscribedTopics(): readonly string[] {
    return this.topics;
  }

  async onPartitionsRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    this.record('revoked', partitions);
    await this.onRevoked?.(partitions);
  }

  async onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    this.record('assigned', partitions);
    await this.onAssigned?.(partitions);
  }

  async onPartitionsLost(partitions: readonly TopicPartition[]): Promise<void> {
    this.record('lost', partitions);
  }

  private record(kind: 'revoked' | 'assigned' | 'lost', partitions: readonly TopicPartition[]): void {
    this.calls.push({ kind, partitions: names(partitions) });
    this.log.push(`${kind}:${names(partitions)}`);
  }
}
