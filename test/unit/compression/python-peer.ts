/**
 * Runs small Python programs with Debian's python3 (kafka-python, python3-snappy, python3-lz4,
 * python3-zstandard) as independent implementations to check kafkats against.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';

/** The repository root, found from this file whether it runs from test/ (tsx) or dist/test/ (compiled). */
function findRepositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'test', 'peers')) || !existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('repository root not found above the test files');
    directory = parent;
  }
  return directory;
}

/** Where the Python peer scripts live (test/peers/ at the repository root). */
export const PEERS_DIRECTORY = join(findRepositoryRoot(), 'test', 'peers');

const available = new Map<string, boolean>();

/** Whether `import <module>` works in the peer Python. */
export function hasPythonModule(module: string): boolean {
  let known = available.get(module);
  if (known === undefined) {
    known = spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
    available.set(module, known);
  }
  return known;
}

/** Runs `program` with `input` on stdin and returns its stdout bytes. */
export function runPython(program: string, input: Uint8Array = Buffer.alloc(0), args: string[] = []): Buffer {
  return execFileSync(PYTHON, ['-c', program, ...args], { input, maxBuffer: 1 << 30, timeout: 60_000 });
}

/** Runs the Python script at `path` with `args`, `input` on stdin; returns its stdout bytes. */
export function runPythonScript(path: string, args: string[], input: Uint8Array): Buffer {
  return execFileSync(PYTHON, [path, ...args], { input, maxBuffer: 1 << 30, timeout: 60_000 });
}

/** Deterministic test data: text-like (compressible) or random (incompressible) bytes. */
export function sampleData(kind: 'text' | 'random' | 'zeros' | 'small-alphabet', length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  if (kind === 'zeros') return out;
  if (kind === 'text') {
    const text = Array.from({ length: Math.ceil(length / 40) + 1 }, (_, i) => `{"id":${i},"user":"u${(i * 7) % 113}","n":${(i * 7919) % 1000}}`).join('\n');
    out.write(text.slice(0, length), 'latin1');
    return out;
  }
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = kind === 'random' ? state >>> 24 : (state >>> 24) % 4;
  }
  return out;
}

export const SAMPLE_SIZES = [0, 1, 3, 15, 16, 100, 4096, 65535, 65536, 65537, 300_000];
export const SAMPLE_KINDS = ['text', 'random', 'zeros', 'small-alphabet'] as const;
