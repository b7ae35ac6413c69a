/**
 * The CLI's subcommand registry. Each command lives in `src/cli/commands/<name>.ts`, describes its
 * options (parsed with node:util's parseArgs) and positionals, and is listed in
 * `src/cli/commands/index.ts`; `main.ts` dispatches to it and renders its help.
 */

import { KafkaStateError } from '../protocol/errors.js';

/** Where a command writes (process.stdout / process.stderr, or a buffer in tests). */
export interface Output {
  write(text: string): unknown;
}

export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown in help; applied by the command, so that "not given" stays visible to it. */
  readonly defaultText?: string;
  /** The value's name in help ("ADDRESS"). */
  readonly valueName?: string;
  readonly description: string;
}

export interface CommandPositionals {
  /** Shown in usage, e.g. 'topic...'. */
  readonly name: string;
  readonly description: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export interface CommandContext {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly stdout: Output;
  readonly stderr: Output;
  /** Fires on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

export interface CliCommand {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** Paragraphs for `kafkats <name> --help`. */
  readonly description: string;
  readonly options: Readonly<Record<string, CommandOption>>;
  /** Absent: the command takes no positional arguments. */
  readonly positionals?: CommandPositionals;
  readonly examples?: readonly string[];
  /** Resolves with the process exit code. */
  run(context: CommandContext): Promise<number>;
}

/** Exit codes. */
export const EXIT_OK = 0;
/** The broker or cluster failed (unreachable, error answer). */
export const EXIT_FAILURE = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;
/** Interrupted by SIGINT. */
export const EXIT_INTERRUPTED = 130;

const commands = new Map<string, CliCommand>();

export function registerCommand(command: CliCommand): void {
  if (commands.has(command.name)) throw new KafkaStateError(`CLI command '${command.name}' is registered twice`);
  commands.set(command.name, command);
}

export function findCommand(name: string): CliCommand | undefined {
  return commands.get(name);
}

/** Registered commands, by name. */
export function listCommands(): CliCommand[] {
  return [...commands.values()].sort((a, b) => a.name.localeCompare(b.name));
}
