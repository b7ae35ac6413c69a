/**
 * Keeps a group subscription in step with the cluster's metadata: a RegExp subscription is
 * resolved against the topic list (new or deleted matching topics change the subscription), and
 * a change in the partition count of a subscribed topic asks the group to rebalance. Checked when
 * poll() runs, at most every `metadataMaxAgeMs` (or at once after subscribe()).
 */
import type { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../cluster/logger.js';
import type { SubscriptionState } from './subscription-state.js';

export interface TopicWatchSettings {
  readonly metadataMaxAgeMs: number;
  readonly excludeInternalTopics: boolean;
  readonly allowAutoCreateTopics: boolean;
}

/** A copy of a user's RegExp without the global/sticky flags, whose `lastIndex` would make test() alternate. */
export function statelessPattern(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

export class TopicWatch {
  private lastCheck = -Infinity;
  private running: Promise<void> | null = null;
  private readonly partitionCounts = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly subscriptions: SubscriptionState,
    private readonly settings: TopicWatchSettings,
    private readonly logger: Logger,
    /** The subscription or a partition count changed: the group must rebalance. */
    private readonly onChange: (reason: string) => void,
  ) {}

  /** Forgets what was seen (a new subscription): the next check runs at once. */
  reset(): void {
    this.lastCheck = -Infinity;
    this.partitionCounts.clear();
  }

  /** Whether the first check after subscribe() has completed. */
  get initialized(): boolean {
    return this.lastCheck !== -Infinity;
  }

  /** Starts a check when one is due; resolves when the check running (if any) ends. Never rejects. */
  maybeCheck(now = performance.now()): Promise<void> {
    if (this.running !== null) return this.running;
    if (now - this.lastCheck < this.settings.metadataMaxAgeMs) return Promise.resolve();
    const type = this.subscriptions.type;
    if (type !== 'topics' && type !== 'pattern') return Promise.resolve();
    this.running = this.check()
      .catch((error: unknown) => {
        this.logger.warn('checking the subscription against the metadata failed; will retry', { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async check(): Promise<void> {
    const pattern = this.subscriptions.pattern;
    const started = performance.now();
    if (pattern !== null) {
      const response = await this.cluster.fetchMetadata('all');
      const matching = response.topics
        .filter((topic) => topic.name !== null && topic.errorCode === 0 && !(this.settings.excludeInternalTopics && topic.isInternal) && pattern.test(topic.name))
        .map((topic) => topic.name!);
      if (this.subscriptions.pattern !== pattern) return;
      const before = this.subscriptions.subscribedTopics;
      if (this.subscriptions.setPatternTopics(matching)) {
        this.cluster.addTopics(matching);
        const reason = `the pattern ${String(pattern)} now matches ${matching.length} topic(s) (was ${before.length})`;
        this.logger.info('subscription changed', { reason });
        this.onChange(reason);
      }
      this.notePartitionCounts(response.topics);
    } else {
      const topics = [...this.subscriptions.subscribedTopics];
      if (topics.length > 0) {
        const response = await this.cluster.fetchMetadata(topics, { allowAutoTopicCreation: this.settings.allowAutoCreateTopics });
        this.notePartitionCounts(response.topics);
      }
    }
    this.lastCheck = started;
  }

  private notePartitionCounts(topics: readonly { name: string | null; errorCode: number; partitions: readonly unknown[] }[]): void {
    const subscribed = new Set(this.subscriptions.subscribedTopics);
    for (const topic of topics) {
      if (topic.name === null || !subscribed.has(topic.name) || topic.errorCode !== 0) continue;
      const count = topic.partitions.length;
      const before = this.partitionCounts.get(topic.name);
      this.partitionCounts.set(topic.name, count);
      if (before !== undefined && before !== count) {
        const reason = `topic ${topic.name} has ${count} partitions (was ${before})`;
        this.logger.info('subscribed topic changed', { reason });
        this.onChange(reason);
      }
    }
  }
}
