/**
 * The cluster a test runs against, behind one interface so that a suite can run
 * unchanged on librdkafka's mock cluster and on kafkats' own embedded broker.
 *
 * Every control method resolves once the cluster has applied the change, so a
 * test can act on it immediately; every one rejects when the cluster refuses
 * (unknown broker, bad range, ...).
 */

/** The clusters a suite can run on. */
export type TestClusterKind = 'rdkafka-mock' | 'embedded';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Defaults to min(3, brokers). */
  readonly replicationFactor?: number;
}

export interface TestClusterOptions {
  /** Number of brokers, ids 1..brokers (default 3). */
  readonly brokers?: number;
  /** Topics created before the cluster is handed over. */
  readonly topics?: readonly TopicSpec[];
}

/** One injected response: an error code (0 for success) after a delay. */
export interface InjectedError {
  readonly code: number;
  /** Extra delay before the broker answers, in milliseconds (default 0). */
  readonly rttMs?: number;
}

export type CoordinatorType = 'group' | 'transaction';

export interface ApiVersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Error "code" meaning: drop the connection instead of answering the request.
 * (librdkafka's RD_KAFKA_RESP_ERR__TRANSPORT, which its mock treats this way;
 * never a code a real broker sends.)
 */
export const CLOSE_CONNECTION = -195;

export interface TestCluster {
  readonly kind: TestClusterKind;
  /** "host:port,host:port,..." for the client under test. */
  readonly bootstrapServers: string;
  /** The broker ids, ascending. */
  readonly brokerIds: readonly number[];

  /** Drops the broker's connections and refuses new ones; leadership does not move. */
  brokerDown(brokerId: number): Promise<void>;
  /** Accepts connections on the same port again. */
  brokerUp(brokerId: number): Promise<void>;
  /** Makes `brokerId` the partition's leader (-1: no leader). */
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  /** Creates a topic; rejects if it already exists. */
  createTopic(name: string, partitions: number, replicationFactor?: number): Promise<void>;
  /**
   * The next `codes.length` requests with this API key, on any broker, are
   * answered with these error codes in order (0 = answer normally,
   * {@link CLOSE_CONNECTION} = disconnect).
   */
  pushRequestErrors(apiKey: number, codes: readonly number[]): Promise<void>;
  /** Like {@link pushRequestErrors} but for one broker, each with a delay. Takes precedence. */
  pushBrokerRequestErrors(brokerId: number, apiKey: number, errors: readonly InjectedError[]): Promise<void>;
  /** Forgets the cluster-wide injected errors for this API key. */
  clearRequestErrors(apiKey: number): Promise<void>;
  /** Delays every response of the broker (-1: all brokers) by `ms`. */
  setRtt(brokerId: number, ms: number): Promise<void>;
  /** Pins the coordinator for a group id or transactional id. */
  setCoordinator(type: CoordinatorType, key: string, brokerId: number): Promise<void>;
  /**
   * Narrows the version range advertised (and accepted) for an API key.
   * `(-1, -1)` removes the API. Cannot exceed what the cluster implements.
   */
  setApiVersion(apiKey: number, min: number, max: number): Promise<void>;
  /** The version ranges currently advertised, by API key. */
  apiVersions(): Promise<ReadonlyMap<number, ApiVersionRange>>;
  /** Shuts the cluster down. Idempotent; safe in `after()` even if start failed half-way. */
  stop(): Promise<void>;
}

export type TestClusterFactory = (options: TestClusterOptions) => Promise<TestCluster>;

const factories = new Map<TestClusterKind, TestClusterFactory>([
  [
    'rdkafka-mock',
    async (options) => {
      const { startRdkafkaMock } = await import('./rdkafka-mock.js');
      return startRdkafkaMock(options);
    },
  ],
  [
    'embedded',
    async (options) => {
      const { startEmbeddedCluster } = await import('./embedded-cluster.js');
      return startEmbeddedCluster(options);
    },
  ],
]);

/** Makes a cluster kind available to {@link startTestCluster} (the embedded broker registers here). */
export function registerTestCluster(kind: TestClusterKind, factory: TestClusterFactory): void {
  factories.set(kind, factory);
}

/** The kinds that can be started now. */
export function availableTestClusters(): TestClusterKind[] {
  return [...factories.keys()];
}

/** Starts a cluster of the given kind. */
export async function startTestCluster(
  kind: TestClusterKind,
  options: TestClusterOptions = {},
): Promise<TestCluster> {
  const factory = factories.get(kind);
  if (!factory) {
    throw new Error(`no test cluster of kind '${kind}' (available: ${availableTestClusters().join(', ')})`);
  }
  return factory(options);
}
