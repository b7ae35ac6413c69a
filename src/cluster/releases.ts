/**
 * Which Kafka release introduced which API versions, as data, and inference of a broker's release
 * from the version ranges it advertises (what kafka-python's `check_version` did).
 *
 * Each release lists the client-facing APIs whose highest version it raised (or that it added).
 * Only APIs that every broker of a release advertises to clients, whatever its mode (ZooKeeper or
 * KRaft) and configuration, take part: inter-broker APIs, KRaft-only APIs, APIs advertised only when
 * a feature is enabled (telemetry, the KIP-848 and KIP-932 group APIs, delegation tokens and SCRAM,
 * which KRaft brokers added late) are left out, so that they cannot make a real broker look older.
 *
 * Sources of these facts: the "Version N adds ..." comments of Kafka's message specs, the KIPs, and
 * the release tables kept by other clients (kafka-python's check_version, franz-go's kversion).
 */
import { ApiKey, type ApiKeyName } from '../protocol/generated/index.js';

export interface ReleaseChanges {
  /** The release, as Kafka names it: '0.10.2', '2.8', '4.0'. */
  readonly release: string;
  /** The APIs whose highest version this release raised (or added), with that version. */
  readonly introduced: Readonly<Partial<Record<ApiKeyName, number>>>;
}

/** Oldest first. */
export const KAFKA_RELEASES: readonly ReleaseChanges[] = [
  { release: '0.8.0', introduced: { Produce: 0, Fetch: 0, ListOffsets: 0, Metadata: 0 } },
  { release: '0.8.1', introduced: { OffsetCommit: 0, OffsetFetch: 0 } },
  { release: '0.8.2', introduced: { OffsetCommit: 1, OffsetFetch: 1, FindCoordinator: 0, JoinGroup: 0, Heartbeat: 0 } },
  { release: '0.9.0', introduced: { Produce: 1, Fetch: 1, OffsetCommit: 2, LeaveGroup: 0, SyncGroup: 0, DescribeGroups: 0, ListGroups: 0 } },
  { release: '0.10.0', introduced: { Produce: 2, Fetch: 2, Metadata: 1, SaslHandshake: 0, ApiVersions: 0 } },
  { release: '0.10.1', introduced: { Fetch: 3, ListOffsets: 1, Metadata: 2, JoinGroup: 1, CreateTopics: 0, DeleteTopics: 0 } },
  { release: '0.10.2', introduced: { OffsetFetch: 2, CreateTopics: 1 } },
  {
    release: '0.11.0',
    introduced: {
      Produce: 3, Fetch: 5, ListOffsets: 2, Metadata: 4, OffsetCommit: 3, OffsetFetch: 3, FindCoordinator: 1, JoinGroup: 2,
      Heartbeat: 1, LeaveGroup: 1, SyncGroup: 1, DescribeGroups: 1, ListGroups: 1, ApiVersions: 1, CreateTopics: 2,
      DeleteTopics: 1, DeleteRecords: 0, InitProducerId: 0, OffsetForLeaderEpoch: 0, AddPartitionsToTxn: 0,
      AddOffsetsToTxn: 0, EndTxn: 0, TxnOffsetCommit: 0, DescribeAcls: 0, CreateAcls: 0, DeleteAcls: 0,
      DescribeConfigs: 0, AlterConfigs: 0,
    },
  },
  {
    release: '1.0',
    introduced: { Produce: 5, Fetch: 6, Metadata: 5, SaslHandshake: 1, AlterReplicaLogDirs: 0, DescribeLogDirs: 0, SaslAuthenticate: 0, CreatePartitions: 0 },
  },
  { release: '1.1', introduced: { Fetch: 7, DescribeConfigs: 1, DeleteGroups: 0 } },
  {
    release: '2.0',
    introduced: {
      Produce: 6, Fetch: 8, ListOffsets: 3, Metadata: 6, OffsetCommit: 4, OffsetFetch: 4, FindCoordinator: 2, JoinGroup: 3,
      Heartbeat: 2, LeaveGroup: 2, SyncGroup: 2, DescribeGroups: 2, ListGroups: 2, ApiVersions: 2, CreateTopics: 3,
      DeleteTopics: 2, DeleteRecords: 1, InitProducerId: 1, OffsetForLeaderEpoch: 1, AddPartitionsToTxn: 1,
      AddOffsetsToTxn: 1, EndTxn: 1, TxnOffsetCommit: 1, DescribeAcls: 1, CreateAcls: 1, DeleteAcls: 1,
      DescribeConfigs: 2, AlterConfigs: 1, AlterReplicaLogDirs: 1, DescribeLogDirs: 1, CreatePartitions: 1, DeleteGroups: 1,
    },
  },
  {
    release: '2.1',
    introduced: { Produce: 7, Fetch: 10, ListOffsets: 4, Metadata: 7, OffsetCommit: 6, OffsetFetch: 5, DeleteTopics: 3, OffsetForLeaderEpoch: 2, TxnOffsetCommit: 2 },
  },
  { release: '2.2', introduced: { ListOffsets: 5, JoinGroup: 4, SaslAuthenticate: 1, ElectLeaders: 0 } },
  {
    release: '2.3',
    introduced: { Fetch: 11, Metadata: 8, OffsetCommit: 7, JoinGroup: 5, Heartbeat: 3, SyncGroup: 3, DescribeGroups: 3, OffsetForLeaderEpoch: 3, IncrementalAlterConfigs: 0 },
  },
  {
    release: '2.4',
    introduced: {
      Produce: 8, Metadata: 9, OffsetCommit: 8, OffsetFetch: 6, FindCoordinator: 3, JoinGroup: 6, Heartbeat: 4, LeaveGroup: 4,
      SyncGroup: 4, DescribeGroups: 5, ListGroups: 3, ApiVersions: 3, CreateTopics: 5, DeleteTopics: 4, InitProducerId: 2,
      DeleteGroups: 2, ElectLeaders: 2, IncrementalAlterConfigs: 1, AlterPartitionReassignments: 0,
      ListPartitionReassignments: 0, OffsetDelete: 0,
    },
  },
  {
    release: '2.5',
    introduced: {
      OffsetFetch: 7, JoinGroup: 7, SyncGroup: 5, InitProducerId: 3, TxnOffsetCommit: 3, DescribeAcls: 2, CreateAcls: 2,
      DeleteAcls: 2, SaslAuthenticate: 2, CreatePartitions: 2,
    },
  },
  { release: '2.6', introduced: { ListGroups: 4, DeleteRecords: 2, DescribeConfigs: 3, DescribeLogDirs: 2, DescribeClientQuotas: 0, AlterClientQuotas: 0 } },
  { release: '2.7', introduced: { Fetch: 12, CreateTopics: 6, DeleteTopics: 5, InitProducerId: 4, AddPartitionsToTxn: 2, AddOffsetsToTxn: 2, EndTxn: 2, CreatePartitions: 3 } },
  {
    release: '2.8',
    introduced: {
      Produce: 9, ListOffsets: 6, Metadata: 11, CreateTopics: 7, DeleteTopics: 6, OffsetForLeaderEpoch: 4, AddPartitionsToTxn: 3,
      AddOffsetsToTxn: 3, EndTxn: 3, DescribeConfigs: 4, AlterConfigs: 2, AlterReplicaLogDirs: 2, DescribeClientQuotas: 1,
      AlterClientQuotas: 1, DescribeCluster: 0, DescribeProducers: 0,
    },
  },
  { release: '3.0', introduced: { ListOffsets: 7, OffsetFetch: 8, FindCoordinator: 4, DescribeTransactions: 0, ListTransactions: 0 } },
  { release: '3.1', introduced: { Fetch: 13, Metadata: 12 } },
  { release: '3.2', introduced: { JoinGroup: 9, LeaveGroup: 5, DescribeLogDirs: 3 } },
  { release: '3.3', introduced: { DescribeAcls: 3, CreateAcls: 3, DeleteAcls: 3, DescribeLogDirs: 4 } },
  // 3.4 changed only inter-broker APIs: from the client side it looks like 3.3.
  { release: '3.4', introduced: {} },
  { release: '3.5', introduced: { Fetch: 15, ListOffsets: 8 } },
  { release: '3.6', introduced: { AddPartitionsToTxn: 4 } },
  { release: '3.7', introduced: { Produce: 10, Fetch: 16, OffsetCommit: 9, OffsetFetch: 9, DescribeCluster: 1 } },
  {
    release: '3.8',
    introduced: { Produce: 11, FindCoordinator: 5, ListGroups: 5, InitProducerId: 5, AddPartitionsToTxn: 5, AddOffsetsToTxn: 4, EndTxn: 4, TxnOffsetCommit: 4, ListTransactions: 1 },
  },
  { release: '3.9', introduced: { Fetch: 17, ListOffsets: 9, FindCoordinator: 6, ApiVersions: 4 } },
  { release: '4.0', introduced: { Produce: 12, ListOffsets: 10, Metadata: 13, DescribeGroups: 6, EndTxn: 5, TxnOffsetCommit: 5, DescribeCluster: 2 } },
  { release: '4.1', introduced: { Produce: 13, Fetch: 18, AlterPartitionReassignments: 1, ListTransactions: 2 } },
];

/** Highest version per API key that a broker of each release advertises (cumulative), oldest first. */
const CUMULATIVE: readonly ReadonlyMap<number, number>[] = (() => {
  const tables: Map<number, number>[] = [];
  let current = new Map<number, number>();
  for (const { release, introduced } of KAFKA_RELEASES) {
    current = new Map(current);
    for (const [name, version] of Object.entries(introduced) as [ApiKeyName, number][]) {
      const key = ApiKey[name];
      const before = current.get(key);
      if (before !== undefined && before >= version) throw new Error(`release table: ${release} lowers or repeats ${name} v${version}`);
      current.set(key, version);
    }
    tables.push(current);
  }
  return tables;
})();

/** Every API key that takes part in inference. */
const SIGNATURE_KEYS: ReadonlySet<number> = new Set(CUMULATIVE.at(-1)!.keys());

const API_NAME_BY_KEY: ReadonlyMap<number, string> = new Map(Object.entries(ApiKey).map(([name, key]) => [key, name]));

export function apiNameOf(apiKey: number): string {
  return API_NAME_BY_KEY.get(apiKey) ?? `Unknown(${apiKey})`;
}

export interface AdvertisedRange {
  readonly min: number;
  readonly max: number;
}

export interface MissingApiVersion {
  readonly api: string;
  readonly apiKey: number;
  /** The version the release has. */
  readonly version: number;
  /** The broker's highest version of the API, or null when it lacks the API. */
  readonly brokerMax: number | null;
}

export interface ReleaseInference {
  /**
   * The newest release whose client APIs the broker all supports at that release's versions (a
   * lower bound on the broker's release), or null when it does not even match 0.8.0.
   */
  readonly release: string | null;
  /** The broker advertises exactly that release's versions of those APIs, nothing newer. */
  readonly exact: boolean;
  /** Releases the APIs cannot tell apart from `release` (3.4 looks like 3.3). */
  readonly indistinguishableFrom: readonly string[];
  /** What the broker lacks to count as the next release, or null after the newest known one. */
  readonly missingForNext: { readonly release: string; readonly apis: readonly MissingApiVersion[] } | null;
  /**
   * The newest release that introduced an API version the broker supports: for a real Kafka
   * broker the same as `release`; for other implementations it shows how new their newest APIs are.
   */
  readonly newestFeature: { readonly release: string; readonly api: string; readonly version: number } | null;
}

function lacking(table: ReadonlyMap<number, number>, ranges: ReadonlyMap<number, AdvertisedRange>): MissingApiVersion[] {
  const missing: MissingApiVersion[] = [];
  for (const [apiKey, version] of table) {
    const range = ranges.get(apiKey);
    if (range === undefined || range.max < version) {
      missing.push({ api: apiNameOf(apiKey), apiKey, version, brokerMax: range?.max ?? null });
    }
  }
  return missing;
}

function sameTable(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, version] of a) if (b.get(key) !== version) return false;
  return true;
}

/** Infers the release of a broker from the API version ranges it advertised, by API key. */
export function inferBrokerRelease(ranges: ReadonlyMap<number, AdvertisedRange>): ReleaseInference {
  let matched = -1;
  // Tables only grow from one release to the next, so the first miss ends the search.
  while (matched + 1 < CUMULATIVE.length && lacking(CUMULATIVE[matched + 1]!, ranges).length === 0) matched++;

  let newestFeature: ReleaseInference['newestFeature'] = null;
  for (let index = KAFKA_RELEASES.length - 1; index >= 0 && newestFeature === null; index--) {
    const { release, introduced } = KAFKA_RELEASES[index]!;
    for (const [name, version] of Object.entries(introduced) as [ApiKeyName, number][]) {
      const range = ranges.get(ApiKey[name]);
      if (range !== undefined && range.max >= version) {
        newestFeature = { release, api: name, version };
        break;
      }
    }
  }

  if (matched < 0) {
    return { release: null, exact: false, indistinguishableFrom: [], missingForNext: { release: KAFKA_RELEASES[0]!.release, apis: lacking(CUMULATIVE[0]!, ranges) }, newestFeature };
  }
  // Releases that changed no client API look like the one before: report the oldest of them.
  while (matched > 0 && sameTable(CUMULATIVE[matched - 1]!, CUMULATIVE[matched]!)) matched--;

  const table = CUMULATIVE[matched]!;
  let exact = true;
  for (const key of SIGNATURE_KEYS) {
    const range = ranges.get(key);
    if (range !== undefined && range.max !== table.get(key)) exact = false;
  }
  const indistinguishableFrom: string[] = [];
  let nextIndex = matched + 1;
  for (; nextIndex < CUMULATIVE.length && sameTable(CUMULATIVE[nextIndex]!, table); nextIndex++) {
    indistinguishableFrom.push(KAFKA_RELEASES[nextIndex]!.release);
  }
  const next = nextIndex < KAFKA_RELEASES.length ? { release: KAFKA_RELEASES[nextIndex]!.release, apis: lacking(CUMULATIVE[nextIndex]!, ranges) } : null;
  return { release: KAFKA_RELEASES[matched]!.release, exact, indistinguishableFrom, missingForNext: next, newestFeature };
}

/** The releases a pre-0.10 broker (one without ApiVersions) can be, newest first. */
export const LEGACY_RELEASES = ['0.9.0', '0.8.2', '0.8.1', '0.8.0'] as const;
export type LegacyRelease = (typeof LEGACY_RELEASES)[number];

/** The version ranges a broker of a pre-0.10 release supports, by API key (all from v0). */
export function legacyVersionTable(release: LegacyRelease): Map<number, AdvertisedRange> {
  return releaseVersionTable(release)!;
}

/** The highest version of each API a broker of `release` advertises (client-facing APIs only). */
export function releaseVersionTable(release: string): Map<number, AdvertisedRange> | null {
  const index = KAFKA_RELEASES.findIndex((entry) => entry.release === release);
  if (index < 0) return null;
  const table = new Map<number, AdvertisedRange>();
  for (const [key, max] of CUMULATIVE[index]!) table.set(key, { min: 0, max });
  return table;
}
