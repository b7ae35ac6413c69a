/**
 * What every command that talks to a cluster shares: the -b/--bootstrap-server, --timeout-ms,
 * --json and --debug options, and running the command with a `KafkaClient` that is closed
 * afterwards and bounded in time.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import { KafkaClient, type CallOptions } from '../cluster/kafka-client.js';
import { createStderrLogger, silentLogger } from '../cluster/logger.js';
import type { CommandContext, CommandOption } from './registry.js';

export const DEFAULT_BOOTSTRAP_SERVER = 'localhost:9092';
export const DEFAULT_CLI_TIMEOUT_MS = 10_000;

export const BROKER_OPTIONS: Readonly<Record<string, CommandOption>> = {
  'bootstrap-server': {
    type: 'string',
    short: 'b',
    valueName: 'HOST:PORT[,...]',
    defaultText: DEFAULT_BOOTSTRAP_SERVER,
    description: 'brokers to bootstrap from (IPv6 as [::1]:9092)',
  },
  'timeout-ms': {
    type: 'string',
    valueName: 'MS',
    defaultText: String(DEFAULT_CLI_TIMEOUT_MS),
    description: 'give up after this long (connecting included)',
  },
  json: { type: 'boolean', description: 'print JSON instead of tables' },
  debug: { type: 'boolean', description: 'log connections and requests to stderr' },
};

/** --broker ID, for commands that ask one broker. */
export const BROKER_ID_OPTION: CommandOption = { type: 'string', valueName: 'ID', description: 'ask this broker (default: any)' };

/** The --broker option, if given. */
export function parseBrokerId(context: CommandContext): number | undefined {
  const text = context.values.broker;
  if (typeof text !== 'string') return undefined;
  if (!/^-?\d+$/.test(text)) throw new KafkaInvalidArgumentError(`--broker must be a broker id (an integer), got '${text}'`);
  return Number(text);
}

export interface BrokerCommandSettings {
  readonly bootstrapServers: string;
  readonly timeoutMs: number;
  readonly json: boolean;
  readonly debug: boolean;
}

function stringValue(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads the shared options; throws `KafkaInvalidArgumentError` (a usage error) for bad values. */
export function brokerSettings(context: CommandContext): BrokerCommandSettings {
  const timeoutText = stringValue(context, 'timeout-ms') ?? String(DEFAULT_CLI_TIMEOUT_MS);
  if (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 1 || Number(timeoutText) > 2 ** 31 - 1) {
    throw new KafkaInvalidArgumentError(`--timeout-ms must be a positive integer, got '${timeoutText}'`);
  }
  return {
    bootstrapServers: stringValue(context, 'bootstrap-server') ?? DEFAULT_BOOTSTRAP_SERVER,
    timeoutMs: Number(timeoutText),
    json: context.values.json === true,
    debug: context.values.debug === true,
  };
}

/**
 * Runs `body` with a connected client; every call it makes gets `call` (the command's signal and
 * its remaining time). The client is closed afterwards, whatever happens.
 */
export async function withClient<T>(context: CommandContext, settings: BrokerCommandSettings, body: (client: KafkaClient, call: () => CallOptions) => Promise<T>): Promise<T> {
  const client = new KafkaClient({
    bootstrapServers: settings.bootstrapServers,
    clientId: 'kafkats-cli',
    requestTimeoutMs: settings.timeoutMs,
    socketConnectionSetupTimeoutMs: Math.min(settings.timeoutMs, 10_000),
    logger: settings.debug ? createStderrLogger({ write: (line) => void context.stderr.write(line) }) : silentLogger,
    logLevel: settings.debug ? 'debug' : 'error',
  });
  const deadline = performance.now() + settings.timeoutMs;
  const call = (): CallOptions => ({ signal: context.signal, timeoutMs: Math.max(1, Math.round(deadline - performance.now())) });
  try {
    await client.connect(call());
    return await body(client, call);
  } finally {
    await client.close();
  }
}

/** Prints a command's result: as JSON with --json (bigints as strings), else in the text form `format` gives. */
export function printResult<T>(context: CommandContext, settings: BrokerCommandSettings, value: T, format: (value: T) => string): void {
  if (settings.json) context.stdout.write(`${JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2)}\n`);
  else context.stdout.write(format(value));
}
