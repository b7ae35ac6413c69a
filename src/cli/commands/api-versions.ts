/**
 * `kafkats api-versions`: the API versions a broker supports, ours, and the version kafkats uses.
 */
import { formatBrokerAddress } from '../../cluster/addresses.js';
import type { ApiVersionsInfo } from '../../cluster/kafka-client.js';
import type { VersionSource } from '../../cluster/versions.js';
import { BROKER_ID_OPTION, BROKER_OPTIONS, brokerSettings, parseBrokerId, printResult, withClient } from '../broker-command.js';
import { EXIT_OK, type CliCommand } from '../registry.js';
import { formatTable } from '../table.js';

export function describeSource(source: VersionSource): string {
  return source.kind === 'api-versions' ? `ApiVersions v${source.version}` : `no ApiVersions: Kafka ${source.release} by probing`;
}

function range(min: number | null, max: number | null): string {
  return min === null || max === null ? '-' : `${min}-${max}`;
}

export function formatApiVersions(info: ApiVersionsInfo): string {
  const header = `Broker ${info.broker.id} at ${formatBrokerAddress(info.broker)} (${describeSource(info.source)})`;
  const table = formatTable(
    ['API', 'KEY', 'BROKER', 'KAFKATS', 'USED'],
    info.apis.map((row) => [row.api, row.apiKey, range(row.brokerMin, row.brokerMax), range(row.clientMin, row.clientMax), row.chosen]),
    { rightAligned: [1, 4] },
  );
  return `${header}\n\n${table}\n`;
}

export const apiVersionsCommand: CliCommand = {
  name: 'api-versions',
  summary: 'show the API versions a broker supports and the ones kafkats uses',
  description:
    'Connects to the cluster and prints, for every API the broker advertises, its version range, the range kafkats supports and the version kafkats uses with it.',
  options: {
    ...BROKER_OPTIONS,
    broker: BROKER_ID_OPTION,
  },
  examples: ['kafkats api-versions -b localhost:9092', 'kafkats api-versions -b localhost:9092 --broker 2 --json'],
  async run(context) {
    const settings = brokerSettings(context);
    const brokerId = parseBrokerId(context);
    const info = await withClient(context, settings, (client, call) => client.apiVersions(brokerId, call()));
    printResult(context, settings, info, formatApiVersions);
    return EXIT_OK;
  },
};
