import { spawn } from 'node:child_process';

/** How a finished peer process ended, with everything it printed. */
export interface ProcessResult {
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

export interface RunProcessOptions {
  /** Written to the process's stdin, which is then closed. */
  readonly stdin?: string | Buffer;
  /** Safety net: the process is terminated after this long (default 30 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Resolve instead of rejecting when the process fails or times out. */
  readonly allowFailure?: boolean;
}

const STDERR_TAIL_CHARS = 8000;
const STDOUT_TAIL_CHARS = 2000;
const KILL_GRACE_MS = 2000;

/** A peer process that failed, timed out or could not start; carries its output. */
export class PeerProcessError extends Error {
  readonly result: ProcessResult | undefined;

  constructor(message: string, result?: ProcessResult) {
    super(result ? `${message}\n${describeOutput(result)}` : message);
    this.name = 'PeerProcessError';
    this.result = result;
  }
}

function tail(text: string, limit: number): string {
  return text.length <= limit ? text : `...${text.slice(text.length - limit)}`;
}

function describeOutput(result: ProcessResult): string {
  const stdout = tail(result.stdout.toString('utf8'), STDOUT_TAIL_CHARS);
  return [
    `command: ${formatCommand(result.command, result.args)}`,
    `--- stderr ---`,
    tail(result.stderr, STDERR_TAIL_CHARS).trimEnd() || '(empty)',
    `--- stdout ---`,
    stdout.trimEnd() || '(empty)',
  ].join('\n');
}

export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

/** Describes how a process ended, for error messages. */
export function describeExit(result: ProcessResult): string {
  if (result.timedOut) return `timed out after ${result.durationMs} ms`;
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.exitCode}`;
}

/**
 * Runs a command to completion, capturing stdout as bytes and stderr as text.
 * Rejects with a {@link PeerProcessError} (naming the command and quoting its
 * stderr) on a non-zero exit, a signal or the timeout, unless `allowFailure`.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdoutChunks: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const hint = error.code === 'ENOENT' ? ' (not installed? run scripts/setup.sh)' : '';
      reject(new PeerProcessError(`cannot run ${command}: ${error.message}${hint}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const result: ProcessResult = {
        command,
        args,
        exitCode,
        signal,
        stdout: Buffer.concat(stdoutChunks),
        stderr,
        durationMs: Date.now() - started,
        timedOut,
      };
      if (!options.allowFailure && (timedOut || exitCode !== 0)) {
        reject(new PeerProcessError(`${command} ${describeExit(result)}`, result));
      } else {
        resolve(result);
      }
    });
    // A peer that exits without reading its input makes the write fail with
    // EPIPE; the exit status reported by 'close' is the meaningful outcome.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
