/**
 * kafkats' own embedded broker (MockCluster, `kafkats/mock`) behind the TestCluster interface, so
 * that a suite written for librdkafka's mock cluster runs on it unchanged.
 */
import { MockCluster, type MockClusterOptions } from '../../src/broker/index.js';
import type { ApiVersionRange, CoordinatorType, InjectedError, TestCluster, TestClusterOptions } from './cluster-under-test.js';

export interface EmbeddedClusterOptions extends TestClusterOptions {
  /** Any other MockCluster option (asVersion, retentionBytes, ...). */
  readonly mock?: Omit<MockClusterOptions, 'brokers' | 'topics'>;
}

/** The embedded cluster, with the MockCluster itself for the controls only it offers. */
export interface EmbeddedCluster extends TestCluster {
  readonly kind: 'embedded';
  readonly mock: MockCluster;
}

class EmbeddedTestCluster implements EmbeddedCluster {
  readonly kind = 'embedded' as const;
  readonly brokerIds: readonly number[];

  constructor(readonly mock: MockCluster) {
    this.brokerIds = mock.brokers.map((broker) => broker.id);
  }

  get bootstrapServers(): string {
    return this.mock.bootstrapServers;
  }

  brokerDown(brokerId: number): Promise<void> {
    return this.mock.brokerDown(brokerId);
  }

  brokerUp(brokerId: number): Promise<void> {
    return this.mock.brokerUp(brokerId);
  }

  setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    return this.mock.setLeader(topic, partition, brokerId);
  }

  createTopic(name: string, partitions: number, replicationFactor = Math.min(3, this.brokerIds.length)): Promise<void> {
    return this.mock.createTopic(name, { partitions, replicationFactor });
  }

  pushRequestErrors(apiKey: number, codes: readonly number[]): Promise<void> {
    return this.mock.pushRequestErrors(apiKey, codes);
  }

  pushBrokerRequestErrors(brokerId: number, apiKey: number, errors: readonly InjectedError[]): Promise<void> {
    return this.mock.pushBrokerRequestErrors(brokerId, apiKey, errors);
  }

  clearRequestErrors(apiKey: number): Promise<void> {
    return this.mock.clearRequestErrors(apiKey);
  }

  setRtt(brokerId: number, ms: number): Promise<void> {
    return this.mock.setRtt(brokerId, ms);
  }

  setCoordinator(type: CoordinatorType, key: string, brokerId: number): Promise<void> {
    return this.mock.setCoordinator(type, key, brokerId);
  }

  setApiVersion(apiKey: number, min: number, max: number): Promise<void> {
    return this.mock.setApiVersion(apiKey, min, max);
  }

  apiVersions(): Promise<ReadonlyMap<number, ApiVersionRange>> {
    return this.mock.apiVersions();
  }

  stop(): Promise<void> {
    return this.mock.stop();
  }
}

/** Starts an embedded cluster of `brokers` brokers (default 3) with `topics`. */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  const brokers = options.brokers ?? 3;
  const mock = await MockCluster.start({
    ...options.mock,
    brokers,
    topics: (options.topics ?? []).map((topic) => ({
      name: topic.name,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor ?? Math.min(3, brokers),
    })),
  });
  return new EmbeddedTestCluster(mock);
}
