/**
 * Broker addresses: parsing `bootstrapServers` ("host:port,host:port", an array of them, IPv6 as
 * "[::1]:9092") and formatting addresses for messages.
 */
import { formatBrokerAddress } from '../network/connection-setup.js';
import { KafkaConfigError } from '../protocol/errors.js';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Kafka's default port, used when an address has none (as kcat and librdkafka do). */
export const DEFAULT_KAFKA_PORT = 9092;

/** Host names and IPv4 literals: letters, digits, '.', '-', '_' (Docker and Kubernetes names use '_'). */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
/** The inside of a bracketed IPv6 literal, with an optional zone ("fe80::1%eth0"). */
const IPV6_LITERAL = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?$/;

// Connections name their broker the same way: one formatter serves both layers.
export { formatBrokerAddress };

function parsePort(text: string, entry: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new KafkaConfigError(`bootstrapServers entry '${entry}' has an invalid port '${text}'`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new KafkaConfigError(`bootstrapServers entry '${entry}' has port ${port}, outside 1-65535`);
  return port;
}

/**
 * Parses one `host[:port]` / `[ipv6][:port]` entry. Throws `KafkaConfigError` naming the entry.
 */
export function parseBrokerAddress(entry: string, defaultPort: number = DEFAULT_KAFKA_PORT): BrokerAddress {
  const text = entry.trim();
  if (text.length === 0) throw new KafkaConfigError('bootstrapServers has an empty entry');
  if (text.includes('://')) {
    throw new KafkaConfigError(`bootstrapServers entry '${text}' must be host:port without a scheme (use the tls option for TLS)`);
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new KafkaConfigError(`bootstrapServers entry '${text}' has an unclosed '['`);
    const host = text.slice(1, close);
    if (!IPV6_LITERAL.test(host)) throw new KafkaConfigError(`bootstrapServers entry '${text}' is not a valid IPv6 address in brackets`);
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: defaultPort };
    if (!rest.startsWith(':')) throw new KafkaConfigError(`bootstrapServers entry '${text}' has text after ']' that is not ':port'`);
    return { host, port: parsePort(rest.slice(1), text) };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) {
    throw new KafkaConfigError(`bootstrapServers entry '${text}' looks like an IPv6 address: write it in brackets, e.g. [::1]:9092`);
  }
  const [host = '', portText] = text.split(':');
  if (!HOST_NAME.test(host)) throw new KafkaConfigError(`bootstrapServers entry '${text}' has an invalid host '${host}'`);
  return { host, port: portText === undefined ? defaultPort : parsePort(portText, text) };
}

/**
 * Parses `bootstrapServers`: a comma-separated string or an array of entries (each of which may
 * itself hold commas). Whitespace around entries is ignored, duplicates are dropped, order is kept.
 */
export function parseBootstrapServers(value: unknown): BrokerAddress[] {
  let entries: string[];
  if (typeof value === 'string') {
    entries = value.split(',');
  } else if (Array.isArray(value)) {
    entries = [];
    for (const item of value as unknown[]) {
      if (typeof item !== 'string') throw new KafkaConfigError(`bootstrapServers array entries must be strings, got ${typeof item}`);
      entries.push(...item.split(','));
    }
  } else {
    throw new KafkaConfigError('bootstrapServers must be a string "host:port,host:port" or an array of "host:port" strings');
  }
  const addresses: BrokerAddress[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.trim() === '') continue;
    const address = parseBrokerAddress(entry);
    const key = formatBrokerAddress(address);
    if (seen.has(key)) continue;
    seen.add(key);
    addresses.push(address);
  }
  if (addresses.length === 0) throw new KafkaConfigError('bootstrapServers lists no broker address');
  return addresses;
}
