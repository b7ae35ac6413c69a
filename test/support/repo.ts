import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The repository root: the nearest directory above this file whose package.json
 * names the project. Works both from `test/support/` (run through tsx) and from
 * the compiled `dist/test/support/`, which has no package.json of its own.
 */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (parsed.name === 'kafkats') {
        cachedRoot = directory;
        return directory;
      }
    }
    const parent = dirname(directory);
    if (parent === directory) {
      throw new Error(`no kafkats package.json above ${fileURLToPath(import.meta.url)}`);
    }
    directory = parent;
  }
}

/** Where compiled test harnesses live (gitignored). */
export function buildDir(): string {
  return join(repoRoot(), '.build');
}
