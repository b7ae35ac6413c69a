/**
 * Drives test/harness/rdkafka-mock-cluster.c: librdkafka's mock cluster in a
 * child process, controlled one command per line (see DEVELOPERS.md).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ApiVersionRange,
  CoordinatorType,
  InjectedError,
  TestCluster,
  TestClusterOptions,
} from './cluster-under-test.js';
import { runProcess } from './process.js';
import { buildDir, repoRoot } from './repo.js';

/**
 * Which librdkafka the harness is linked against: 'debian' (default), the
 * system's librdkafka 2.0.2 that CI installs; 'bundled', the newer librdkafka
 * that bench/peers/setup.sh builds (only on machines where it ran).
 */
export type RdkafkaMockVariant = 'debian' | 'bundled';

export interface RdkafkaMockOptions extends TestClusterOptions {
  readonly variant?: RdkafkaMockVariant;
  /** librdkafka debug contexts for the mock (e.g. "mock,protocol"); logged to stderr. */
  readonly debug?: string;
  /** Copy the harness's stderr to this process's stderr as it arrives. */
  readonly echoStderr?: boolean;
  /** Safety net for start-up, including a compile if needed (default 120 s). */
  readonly startTimeoutMs?: number;
}

/** librdkafka's mock cluster, with the controls only it offers on top of {@link TestCluster}. */
export interface RdkafkaMock extends TestCluster {
  readonly kind: 'rdkafka-mock';
  readonly pid: number;
  /** Lets fetches of the partition be served by `brokerId` (KIP-392 preferred replica). */
  setFollower(topic: string, partition: number, brokerId: number): Promise<void>;
  /** Low/high watermarks the follower reports (-1: follow the leader). */
  setFollowerWatermarks(topic: string, partition: number, low: number, high: number): Promise<void>;
  /** The rack the broker reports in Metadata (-1: all brokers). */
  setRack(brokerId: number, rack: string): Promise<void>;
  /** Error code returned for the topic in Metadata and AddPartitionsToTxn (0 clears). */
  setTopicError(topic: string, code: number): Promise<void>;
  /** How many injected errors are still queued for the broker and API key. */
  errorStackCount(brokerId: number, apiKey: number): Promise<number>;
  /** Sends a raw harness command; resolves with the text after "ok". */
  command(line: string): Promise<string>;
  /** What the harness wrote to stderr so far (the last 64 KiB). */
  stderrTail(): string;
}

const HARNESS_NAME = 'rdkafka-mock-cluster';
const STDERR_KEEP_CHARS = 64 * 1024;
const COMMAND_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export function rdkafkaMockBinary(variant: RdkafkaMockVariant = 'debian'): string {
  return join(buildDir(), variant === 'debian' ? HARNESS_NAME : `${HARNESS_NAME}-bundled`);
}

function mtimeMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const building = new Map<RdkafkaMockVariant, Promise<string>>();

/**
 * Compiles the harness (through test/harness/Makefile) if the binary is missing
 * or older than its source. Concurrent test processes may both compile: the
 * Makefile renames the result into place, so neither sees a partial binary.
 */
export function ensureRdkafkaMockBuilt(variant: RdkafkaMockVariant = 'debian'): Promise<string> {
  let pending = building.get(variant);
  if (!pending) {
    pending = (async () => {
      const binary = rdkafkaMockBinary(variant);
      const harnessDir = join(repoRoot(), 'test', 'harness');
      const built = mtimeMs(binary);
      const sources = [join(harnessDir, `${HARNESS_NAME}.c`), join(harnessDir, 'Makefile')].map(mtimeMs);
      const stale = built === undefined || sources.some((source) => source !== undefined && source > built);
      if (stale) {
        await runProcess('make', ['-s', '-C', harnessDir, variant === 'debian' ? 'all' : 'bundled'], { timeoutMs: 120_000 });
      }
      return binary;
    })();
    building.set(variant, pending);
    pending.catch(() => building.delete(variant));
  }
  return pending;
}

interface PendingCommand {
  readonly line: string;
  readonly resolve: (result: string) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Something that can stop keeping the event loop alive (child process, pipe socket). */
interface LoopHandle {
  ref(): unknown;
  unref(): unknown;
}

function isLoopHandle(value: object): value is LoopHandle {
  return typeof (value as Partial<LoopHandle>).ref === 'function' && typeof (value as Partial<LoopHandle>).unref === 'function';
}

/** The child and its pipes (net.Socket at run time, typed as plain streams). */
function loopHandles(child: ChildProcessWithoutNullStreams): LoopHandle[] {
  const candidates: object[] = [child, child.stdout, child.stderr, child.stdin];
  return candidates.filter(isLoopHandle);
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

function checkToken(name: string, value: string): void {
  if (value.length === 0 || /\s/.test(value)) throw new RangeError(`${name} must be non-empty without whitespace: ${JSON.stringify(value)}`);
}

function checkRestOfLine(name: string, value: string): void {
  if (value.trim().length === 0 || /[\r\n]/.test(value) || value !== value.trimStart()) {
    throw new RangeError(`${name} must be non-empty, on one line and not start with a space: ${JSON.stringify(value)}`);
  }
}

class RdkafkaMockProcess implements RdkafkaMock {
  readonly kind = 'rdkafka-mock' as const;
  private bootstrapLine = '';
  readonly brokerIds: readonly number[];
  private readonly pending: PendingCommand[] = [];
  private stdoutBuffer = '';
  private stderrText = '';
  private exited = false;
  private exitDescription = '';
  private stopping: Promise<void> | undefined;
  private readonly exitPromise: Promise<void>;
  private onBootstrap: ((line: string) => void) | undefined;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    brokers: number,
    echoStderr: boolean,
  ) {
    this.brokerIds = Array.from({ length: brokers }, (_, index) => index + 1);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-STDERR_KEEP_CHARS);
      if (echoStderr) process.stderr.write(chunk);
    });
    // Writes after the harness died fail with EPIPE; 'exit' reports the cause.
    child.stdin.on('error', () => undefined);
    this.exitPromise = new Promise((resolve) => {
      const onGone = (description: string): void => {
        if (this.exited) return;
        this.exited = true;
        this.exitDescription = description;
        this.failAll(new Error(`rdkafka mock harness ${description}${this.stderrSuffix()}`));
        resolve();
      };
      // 'close' rather than 'exit': by then all of stderr has been read, so a
      // crash report includes librdkafka's last words.
      child.on('close', (code, signal) => onGone(signal ? `killed by ${signal}` : `exited with code ${code}`));
      // Only a failed spawn (or a failed kill of an exited process) lands here.
      child.on('error', (error) => onGone(`could not run: ${error.message}`));
    });
  }

  get bootstrapServers(): string {
    return this.bootstrapLine;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  stderrTail(): string {
    return this.stderrText;
  }

  /** Resolves with the bootstrap line the harness prints first. */
  waitForBootstrap(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onBootstrap = undefined;
        reject(new Error(`rdkafka mock harness did not start within ${timeoutMs} ms${this.stderrSuffix()}`));
      }, timeoutMs);
      const onExit = (): void => {
        clearTimeout(timer);
        reject(new Error(`rdkafka mock harness ${this.exitDescription} during start-up${this.stderrSuffix()}`));
      };
      void this.exitPromise.then(onExit);
      this.onBootstrap = (line) => {
        clearTimeout(timer);
        this.bootstrapLine = line;
        resolve(line);
      };
    });
  }

  private stderrSuffix(): string {
    const text = this.stderrText.trimEnd();
    return text ? `\n--- harness stderr ---\n${text.slice(-4000)}` : '';
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let newline: number;
    while ((newline = this.stdoutBuffer.indexOf('\n')) >= 0) {
      const line = this.stdoutBuffer.slice(0, newline);
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (this.onBootstrap) {
      const deliver = this.onBootstrap;
      this.onBootstrap = undefined;
      deliver(line);
      this.updateRef();
      return;
    }
    const command = this.pending.shift();
    this.updateRef();
    if (!command) return; // the "ok" that acknowledges quit
    clearTimeout(command.timer);
    if (line === 'ok' || line.startsWith('ok ')) {
      command.resolve(line.slice(3));
    } else {
      const reason = line.startsWith('error ') ? line.slice(6) : `unexpected answer ${JSON.stringify(line)}`;
      command.reject(new Error(`rdkafka mock: "${command.line}" failed: ${reason}`));
    }
  }

  private failAll(error: Error): void {
    for (const command of this.pending.splice(0)) {
      clearTimeout(command.timer);
      command.reject(error);
    }
  }

  /**
   * The harness must not keep the test process alive by itself: it holds a
   * reference only while an answer is awaited. A test that forgets stop()
   * still exits, and the harness exits when its stdin closes.
   */
  private updateRef(): void {
    const busy = this.pending.length > 0 || this.onBootstrap !== undefined;
    for (const handle of loopHandles(this.child)) {
      if (busy) handle.ref();
      else handle.unref();
    }
  }

  command(line: string): Promise<string> {
    if (/[\r\n]/.test(line)) return Promise.reject(new RangeError('a harness command is one line'));
    if (this.exited || this.stopping) {
      return Promise.reject(new Error(`rdkafka mock harness is stopped; cannot run "${line}"`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.pending.findIndex((entry) => entry.timer === timer);
        // Answers are matched in order, so a lost answer desynchronises every
        // later one: treat the harness as broken.
        if (index >= 0) {
          this.failAll(new Error(`rdkafka mock: no answer to "${line}" within ${COMMAND_TIMEOUT_MS} ms`));
          this.child.kill('SIGKILL');
        }
      }, COMMAND_TIMEOUT_MS);
      this.pending.push({ line, resolve, reject, timer });
      this.updateRef();
      this.child.stdin.write(`${line}\n`);
    });
  }

  private async run(line: string): Promise<void> {
    await this.command(line);
  }

  brokerDown(brokerId: number): Promise<void> {
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    return this.run(`broker-down ${brokerId}`);
  }

  brokerUp(brokerId: number): Promise<void> {
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    return this.run(`broker-up ${brokerId}`);
  }

  setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    checkToken('topic', topic);
    checkInteger('partition', partition, 0, 2 ** 31 - 1);
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    return this.run(`leader ${topic} ${partition} ${brokerId}`);
  }

  createTopic(name: string, partitions: number, replicationFactor = Math.min(3, this.brokerIds.length)): Promise<void> {
    checkToken('topic', name);
    checkInteger('partitions', partitions, 1, 1_000_000);
    checkInteger('replicationFactor', replicationFactor, 1, this.brokerIds.length);
    return this.run(`topic-create ${name} ${partitions} ${replicationFactor}`);
  }

  pushRequestErrors(apiKey: number, codes: readonly number[]): Promise<void> {
    checkInteger('apiKey', apiKey, 0, 127);
    if (codes.length === 0) return Promise.resolve();
    for (const code of codes) checkInteger('error code', code, -32768, 32767);
    return this.run(`request-errors ${apiKey} ${codes.join(' ')}`);
  }

  pushBrokerRequestErrors(brokerId: number, apiKey: number, errors: readonly InjectedError[]): Promise<void> {
    checkInteger('brokerId', brokerId, 0, 2 ** 31 - 1);
    checkInteger('apiKey', apiKey, 0, 127);
    if (errors.length === 0) return Promise.resolve();
    const entries = errors.map(({ code, rttMs = 0 }) => {
      checkInteger('error code', code, -32768, 32767);
      checkInteger('rttMs', rttMs, 0, 2 ** 31 - 1);
      return `${code}:${rttMs}`;
    });
    return this.run(`broker-request-errors ${brokerId} ${apiKey} ${entries.join(' ')}`);
  }

  clearRequestErrors(apiKey: number): Promise<void> {
    checkInteger('apiKey', apiKey, 0, 127);
    return this.run(`clear-request-errors ${apiKey}`);
  }

  setRtt(brokerId: number, ms: number): Promise<void> {
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    checkInteger('ms', ms, 0, 2 ** 31 - 1);
    return this.run(`rtt ${brokerId} ${ms}`);
  }

  setCoordinator(type: CoordinatorType, key: string, brokerId: number): Promise<void> {
    checkRestOfLine('key', key);
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    return this.run(`coordinator ${type} ${brokerId} ${key}`);
  }

  setApiVersion(apiKey: number, min: number, max: number): Promise<void> {
    checkInteger('apiKey', apiKey, 0, 127);
    checkInteger('min', min, -1, 32767);
    checkInteger('max', max, -1, 32767);
    return this.run(`api-version ${apiKey} ${min} ${max}`);
  }

  async apiVersions(): Promise<ReadonlyMap<number, ApiVersionRange>> {
    const text = await this.command('api-versions');
    const ranges = new Map<number, ApiVersionRange>();
    for (const entry of text.split(' ').filter(Boolean)) {
      const match = /^(\d+):(\d+)-(\d+)$/.exec(entry);
      if (!match) throw new Error(`rdkafka mock: bad api-versions entry ${JSON.stringify(entry)}`);
      ranges.set(Number(match[1]), { min: Number(match[2]), max: Number(match[3]) });
    }
    return ranges;
  }

  setFollower(topic: string, partition: number, brokerId: number): Promise<void> {
    checkToken('topic', topic);
    checkInteger('partition', partition, 0, 2 ** 31 - 1);
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    return this.run(`follower ${topic} ${partition} ${brokerId}`);
  }

  setFollowerWatermarks(topic: string, partition: number, low: number, high: number): Promise<void> {
    checkToken('topic', topic);
    checkInteger('partition', partition, 0, 2 ** 31 - 1);
    checkInteger('low', low, -1, Number.MAX_SAFE_INTEGER);
    checkInteger('high', high, -1, Number.MAX_SAFE_INTEGER);
    return this.run(`follower-watermarks ${topic} ${partition} ${low} ${high}`);
  }

  setRack(brokerId: number, rack: string): Promise<void> {
    checkInteger('brokerId', brokerId, -1, 2 ** 31 - 1);
    checkRestOfLine('rack', rack);
    return this.run(`rack ${brokerId} ${rack}`);
  }

  setTopicError(topic: string, code: number): Promise<void> {
    checkToken('topic', topic);
    checkInteger('error code', code, -32768, 32767);
    return this.run(`topic-error ${topic} ${code}`);
  }

  async errorStackCount(brokerId: number, apiKey: number): Promise<number> {
    checkInteger('brokerId', brokerId, 0, 2 ** 31 - 1);
    checkInteger('apiKey', apiKey, 0, 127);
    return Number(await this.command(`error-stack-count ${brokerId} ${apiKey}`));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.exited) {
        // Closing stdin is the harness's signal to destroy the cluster and exit.
        this.child.stdin.end();
        for (const handle of loopHandles(this.child)) handle.ref();
        const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await this.exitPromise;
        clearTimeout(timer);
      }
      this.failAll(new Error('rdkafka mock harness stopped'));
    })();
    return this.stopping;
  }
}

/**
 * Starts librdkafka's mock cluster with `brokers` brokers (default 3) on
 * 127.0.0.1, compiling the harness first if needed, and creates `topics`.
 */
export async function startRdkafkaMock(options: RdkafkaMockOptions = {}): Promise<RdkafkaMock> {
  const brokers = options.brokers ?? 3;
  checkInteger('brokers', brokers, 1, 100);
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const binary = await ensureRdkafkaMockBuilt(options.variant);
  const args = [String(brokers)];
  if (options.debug) args.push(`--debug=${options.debug}`);
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const mock = new RdkafkaMockProcess(child, brokers, options.echoStderr ?? false);
  try {
    await mock.waitForBootstrap(startTimeoutMs);
    for (const topic of options.topics ?? []) {
      await mock.createTopic(topic.name, topic.partitions, topic.replicationFactor);
    }
  } catch (error) {
    await mock.stop();
    throw error;
  }
  return mock;
}
