/**
 * `kafkats broker`: runs the embedded in-memory Kafka cluster (kafkats/mock) until Ctrl-C, for local
 * development and demos. Brokers listen on consecutive ports from --port.
 */
import { MockCluster, type MockTopicOptions } from '../../broker/index.js';
import { KafkaInvalidArgumentError } from '../../protocol/errors.js';
import { integerOption } from '../option-values.js';
import { EXIT_OK, type CliCommand } from '../registry.js';

const DEFAULT_PORT = 9092;


/** NAME, NAME:PARTITIONS or NAME:PARTITIONS:REPLICAS. */
export function parseTopicOption(text: string): MockTopicOptions {
  const match = /^([^:]+)(?::(\d+))?(?::(\d+))?$/.exec(text);
  if (!match) throw new KafkaInvalidArgumentError(`--topic must be NAME[:PARTITIONS[:REPLICAS]], got '${text}'`);
  const [, name, partitions, replicas] = match;
  return {
    name: name!,
    ...(partitions === undefined ? {} : { partitions: Number(partitions) }),
    ...(replicas === undefined ? {} : { replicationFactor: Number(replicas) }),
  };
}

/** Resolves when the signal fires. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export const brokerCommand: CliCommand = {
  name: 'broker',
  summary: 'run an embedded in-memory Kafka cluster until Ctrl-C',
  description:
    'Starts an in-memory Kafka cluster speaking the Kafka protocol (any Kafka client can use it), with brokers on consecutive ports from --port, prints the bootstrap servers, and runs until interrupted (SIGINT or SIGTERM). Data lives in memory only and each partition keeps its newest 64 MiB. For development, demos and tests, not production.',
  options: {
    brokers: { type: 'string', valueName: 'N', defaultText: '1', description: 'number of brokers (ids 1..N)' },
    port: { type: 'string', short: 'p', valueName: 'PORT', defaultText: String(DEFAULT_PORT), description: 'port of broker 1; broker N gets PORT+N-1 (0: any free ports)' },
    host: { type: 'string', valueName: 'HOST', defaultText: '127.0.0.1', description: 'address to listen on and advertise' },
    topic: { type: 'string', short: 't', multiple: true, valueName: 'NAME[:PARTITIONS[:REPLICAS]]', description: 'create a topic at start (repeatable)' },
    'as-version': { type: 'string', valueName: 'RELEASE', defaultText: '4.0', description: 'the Kafka release to behave as (e.g. 2.8, 3.7)' },
    'no-auto-create': { type: 'boolean', description: 'do not create topics when clients ask for unknown ones' },
  },
  examples: ['kafkats broker', 'kafkats broker --brokers 3 --topic orders:6 --topic audit', 'kafkats broker --port 0 --as-version 2.8'],
  async run(context) {
    const brokers = integerOption(context, 'brokers', 1, 100) ?? 1;
    const port = integerOption(context, 'port', 0, 65535) ?? DEFAULT_PORT;
    if (port !== 0 && port + brokers - 1 > 65535) throw new KafkaInvalidArgumentError(`--port ${port} leaves no room for ${brokers} brokers`);
    const host = typeof context.values.host === 'string' ? context.values.host : undefined;
    const asVersion = typeof context.values['as-version'] === 'string' ? context.values['as-version'] : undefined;
    const topicTexts = context.values.topic;
    const topics = (Array.isArray(topicTexts) ? topicTexts : []).map((text) => parseTopicOption(String(text)));
    const cluster = await MockCluster.start({
      brokers,
      ports: Array.from({ length: brokers }, (_, index) => (port === 0 ? 0 : port + index)),
      topics,
      autoCreateTopics: context.values['no-auto-create'] !== true,
      ...(host === undefined ? {} : { host }),
      ...(asVersion === undefined ? {} : { asVersion }),
    });
    try {
      const lines = [`Embedded Kafka cluster (behaves as Kafka ${cluster.asVersion}), ${brokers} broker${brokers === 1 ? '' : 's'}:`];
      for (const broker of cluster.brokers) lines.push(`  broker ${broker.id}  ${broker.host}:${broker.port}`);
      for (const name of cluster.topicNames()) {
        let partitions = 0;
        while (cluster.partitionState(name, partitions)) partitions++;
        lines.push(`  topic ${name} (${partitions} partition${partitions === 1 ? '' : 's'})`);
      }
      lines.push(`Bootstrap servers: ${cluster.bootstrapServers}`, 'Press Ctrl-C to stop.', '');
      context.stdout.write(lines.join('\n'));
      await untilAborted(context.signal);
    } finally {
      await cluster.stop();
    }
    context.stdout.write('Stopped.\n');
    return EXIT_OK;
  },
};
