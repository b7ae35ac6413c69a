/**
 * `kafkats metadata [topic...]`: brokers, controller, cluster id, topics, partitions and leaders.
 */
import type { ClusterMetadataView } from '../../cluster/metadata.js';
import { BROKER_OPTIONS, brokerSettings, printResult, withClient } from '../broker-command.js';
import { EXIT_OK, type CliCommand } from '../registry.js';
import { formatIds, formatTable, type Cell } from '../table.js';

export function formatMetadata(view: ClusterMetadataView): string {
  const lines = [`Cluster ${view.clusterId ?? '(no id)'}, controller ${view.controllerId ?? '(unknown)'}`, ''];
  lines.push(`${view.brokers.length} broker${view.brokers.length === 1 ? '' : 's'}:`);
  lines.push(formatTable(['ID', 'HOST', 'PORT', 'RACK'], view.brokers.map((broker) => [broker.id, broker.host, broker.port, broker.rack]), { rightAligned: [0, 2], indent: '  ' }));
  lines.push('', `${view.topics.length} topic${view.topics.length === 1 ? '' : 's'}:`);
  if (view.topics.length > 0) {
    const rows: Cell[][] = [];
    for (const topic of view.topics) {
      if (topic.partitions.length === 0) rows.push([topic.name, null, null, null, null, null, topic.error]);
      for (const partition of topic.partitions) {
        rows.push([topic.name, partition.partition, partition.leader, partition.leaderEpoch, formatIds(partition.replicas), formatIds(partition.isr), partition.error ?? topic.error]);
      }
    }
    lines.push(formatTable(['TOPIC', 'PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'ERROR'], rows, { rightAligned: [1, 2, 3], indent: '  ' }));
  }
  return `${lines.join('\n')}\n`;
}

export const metadataCommand: CliCommand = {
  name: 'metadata',
  summary: 'show brokers, topics, partitions and leaders',
  description: 'Prints the cluster metadata: cluster id, controller, brokers, and every topic (or the topics named) with its partitions, leaders, leader epochs, replicas and ISR. Topics are never created.',
  options: BROKER_OPTIONS,
  positionals: { name: 'topic...', description: 'only these topics (default: all)' },
  examples: ['kafkats metadata -b localhost:9092', 'kafkats metadata -b localhost:9092 orders payments --json'],
  async run(context) {
    const settings = brokerSettings(context);
    const topics = context.positionals.length === 0 ? undefined : [...context.positionals];
    const view = await withClient(context, settings, (client, call) => client.metadata(topics, call()));
    printResult(context, settings, view, formatMetadata);
    return EXIT_OK;
  },
};
