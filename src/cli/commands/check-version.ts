/**
 * `kafkats check-version`: the Kafka release a broker runs, inferred from its API versions.
 */
import { formatBrokerAddress } from '../../cluster/addresses.js';
import type { BrokerReleaseInfo } from '../../cluster/kafka-client.js';
import { BROKER_ID_OPTION, BROKER_OPTIONS, brokerSettings, parseBrokerId, printResult, withClient } from '../broker-command.js';
import { EXIT_OK, type CliCommand } from '../registry.js';

export function formatRelease(info: BrokerReleaseInfo): string {
  const where = `Broker ${info.broker.id} at ${formatBrokerAddress(info.broker)}`;
  if (info.source.kind === 'legacy') {
    return `${where}: Kafka ${info.release} (it has no ApiVersions; found by probing older requests)\n`;
  }
  if (info.release === null) return `${where}: not even Kafka 0.8.0 (it lacks APIs every release has)\n`;
  const lines = [`${where}: Kafka ${info.release}${info.exact ? '' : ' or newer'}${info.indistinguishableFrom.length > 0 ? ` (or ${info.indistinguishableFrom.join(', ')}: the same APIs)` : ''}`];
  if (info.missingForNext !== null && info.missingForNext.apis.length > 0) {
    const lacks = info.missingForNext.apis.map((missing) => (missing.brokerMax === null ? `${missing.api} v${missing.version} (no ${missing.api})` : `${missing.api} v${missing.version} (has v${missing.brokerMax})`));
    lines.push(`  not ${info.missingForNext.release}: lacks ${lacks.join(', ')}`);
  }
  if (info.newestFeature !== null && info.newestFeature.release !== info.release) {
    lines.push(`  newest API version: ${info.newestFeature.api} v${info.newestFeature.version}, from Kafka ${info.newestFeature.release}`);
  }
  return `${lines.join('\n')}\n`;
}

export const checkVersionCommand: CliCommand = {
  name: 'check-version',
  summary: 'infer the Kafka release a broker runs',
  description:
    "Infers the broker's Kafka release from the API versions it advertises (like kafka-python's check_version): the newest release whose client APIs it all supports. Brokers older than 0.10 are recognised by the requests they answer.",
  options: {
    ...BROKER_OPTIONS,
    broker: BROKER_ID_OPTION,
  },
  examples: ['kafkats check-version -b localhost:9092', 'kafkats check-version -b localhost:9092 --json'],
  async run(context) {
    const settings = brokerSettings(context);
    const brokerId = parseBrokerId(context);
    const info = await withClient(context, settings, (client, call) => client.brokerRelease({ ...call(), ...(brokerId === undefined ? {} : { brokerId }) }));
    printResult(context, settings, info, formatRelease);
    return EXIT_OK;
  },
};
