/**
 * The CLI dispatcher: global help and version, command lookup, option parsing (node:util
 * parseArgs, strict), per-command help, and turning failures into one line on stderr and an exit
 * code (2 for usage mistakes, 1 for cluster failures, 130 when interrupted).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KafkaAbortError, KafkaConfigError, KafkaError, KafkaInvalidArgumentError } from '../protocol/errors.js';
import { CLIENT_SOFTWARE_VERSION } from '../cluster/versions.js';
import './commands/index.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, findCommand, listCommands, type CliCommand, type Output } from './registry.js';

export interface CliEnvironment {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Aborts the running command (SIGINT). */
  readonly signal?: AbortSignal;
}

const WIDTH = 100;

function wrap(text: string, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > 0 && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line.length === 0 ? word : `${line} ${word}`;
    }
  }
  if (line.length > 0) lines.push(indent + line);
  return lines.join('\n');
}

export function globalHelp(): string {
  const commands = listCommands();
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: kafkats <command> [options]',
    '',
    'kafkats: a Kafka client for Node.js. Commands:',
    '',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run 'kafkats <command> --help' for a command's options.",
    '',
    'Options:',
    '  -h, --help     show this help',
    '      --version  print the kafkats version',
    '',
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  const lines = [`Usage: kafkats ${command.name} [options]${command.positionals ? ` [${command.positionals.name}]` : ''}`, '', wrap(command.description), ''];
  if (command.positionals) {
    lines.push('Arguments:', `  ${command.positionals.name}  ${command.positionals.description}`, '');
  }
  const entries = [
    ...Object.entries(command.options).map(([name, spec]) => {
      const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}`;
      return [flag, `${spec.description}${spec.defaultText ? ` (default ${spec.defaultText})` : ''}`] as const;
    }),
    ['-h, --help', 'show this help'] as const,
  ];
  const width = Math.max(...entries.map(([flag]) => flag.length));
  lines.push('Options:', ...entries.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`), '');
  if (command.examples && command.examples.length > 0) lines.push('Examples:', ...command.examples.map((example) => `  ${example}`), '');
  return lines.join('\n');
}

/** A failure as one line (messages from brokers or sockets may hold newlines). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function parseCommandLine(command: CliCommand, args: readonly string[]): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs explains at length how to pass values starting with '-'; the first sentence is the point.
    const message = error instanceof Error ? error.message.split(/\.\s/)[0]!.replace(/\.$/, '') : String(error);
    throw new KafkaInvalidArgumentError(message);
  }
}

/** Runs the CLI with `argv` (without node and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  const { stdout, stderr } = environment;
  const [name, ...rest] = argv;
  if (name === undefined) {
    stderr.write(globalHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : findCommand(topic);
    if (topic !== undefined && command === undefined) {
      stderr.write(`kafkats: unknown command '${topic}' (commands: ${listCommands().map((entry) => entry.name).join(', ')})\n`);
      return EXIT_USAGE;
    }
    stdout.write(command === undefined ? globalHelp() : commandHelp(command));
    return EXIT_OK;
  }
  if (name === '--version') {
    stdout.write(`kafkats ${CLIENT_SOFTWARE_VERSION}\n`);
    return EXIT_OK;
  }
  const command = findCommand(name);
  if (command === undefined) {
    stderr.write(`kafkats: unknown command '${name}' (commands: ${listCommands().map((entry) => entry.name).join(', ')}; see kafkats --help)\n`);
    return EXIT_USAGE;
  }
  const signal = environment.signal ?? new AbortController().signal;
  try {
    const { values, positionals } = parseCommandLine(command, rest);
    if (values.help === true) {
      stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    if (positionals.length > 0 && command.positionals === undefined) {
      throw new KafkaInvalidArgumentError(`unexpected argument '${positionals[0]}'`);
    }
    return await command.run({ values, positionals, stdout, stderr, signal });
  } catch (error) {
    if (error instanceof KafkaInvalidArgumentError || error instanceof KafkaConfigError) {
      stderr.write(`kafkats ${command.name}: ${oneLine(error.message)} (see kafkats ${command.name} --help)\n`);
      return EXIT_USAGE;
    }
    if (error instanceof KafkaAbortError && signal.aborted) {
      stderr.write(`kafkats ${command.name}: interrupted\n`);
      return EXIT_INTERRUPTED;
    }
    const message = error instanceof KafkaError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    stderr.write(`kafkats ${command.name}: ${oneLine(message)}\n`);
    return EXIT_FAILURE;
  }
}
