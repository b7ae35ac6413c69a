/**
 * The logging seam of every kafkats client: a four-method `Logger`, a level filter, and a default
 * logger that writes one line per entry to stderr.
 *
 * Clients log through `levelFilter(options.logger, options.logLevel)`, so a logger given by the
 * user sees only entries at or above `logLevel` (default 'warn'), and a logger that throws cannot
 * break the client that called it.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Structured context of a log entry (broker, topic, error, ...). */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type EntryLevel = Exclude<LogLevel, 'silent'>;

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

function fieldValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const described: Record<string, unknown> = { name: value.name, message: value.message };
    const errorName = (value as { errorName?: unknown }).errorName;
    if (typeof errorName === 'string') described.errorName = errorName;
    return described;
  }
  return value;
}

/** Renders fields as compact JSON; never throws (cycles and odd values degrade to a note). */
export function formatLogFields(fields: LogFields | undefined): string {
  if (fields === undefined) return '';
  try {
    const text = JSON.stringify(fields, fieldValue);
    return text === undefined || text === '{}' ? '' : ` ${text}`;
  } catch {
    return ' {"fields":"unserialisable"}';
  }
}

export interface StderrLoggerOptions {
  /** Where lines go; default `process.stderr.write`. */
  write?: (line: string) => void;
  /** Prefix of every line; default 'kafkats'. */
  name?: string;
}

/**
 * The default logger: `2024-05-01T10:00:00.000Z WARN kafkats: message {"broker":"..."}` on stderr.
 * It prints whatever reaches it; the level filter in front of it decides what that is.
 */
export function createStderrLogger(options: StderrLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const name = options.name ?? 'kafkats';
  const entry = (level: EntryLevel) => (message: string, fields?: LogFields) => {
    write(`${new Date().toISOString()} ${level.toUpperCase()} ${name}: ${message}${formatLogFields(fields)}\n`);
  };
  return { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
}

/**
 * Passes on entries at or above `level` and swallows anything the wrapped logger throws: a
 * logging failure must not turn into a client failure.
 */
export function levelFilter(logger: Logger, level: LogLevel): Logger {
  const threshold = SEVERITY[level];
  const entry = (entryLevel: EntryLevel) => {
    if (SEVERITY[entryLevel] < threshold) return () => {};
    return (message: string, fields?: LogFields) => {
      try {
        logger[entryLevel](message, fields);
      } catch {
        // Deliberately ignored: see above.
      }
    };
  };
  return { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
}

/** A logger that adds `context` to the fields of every entry (e.g. the client id). */
export function withLogContext(logger: Logger, context: LogFields): Logger {
  const entry = (level: EntryLevel) => (message: string, fields?: LogFields) => logger[level](message, fields === undefined ? context : { ...context, ...fields });
  return { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
}

/** Whether `value` has the four logging methods. */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((method) => typeof candidate[method] === 'function');
}
