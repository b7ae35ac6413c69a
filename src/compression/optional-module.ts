/**
 * Loads an optional npm package (a native addon with per-platform prebuilt binaries) if it is
 * installed and loads on this platform; returns undefined otherwise, so that callers fall back to
 * their pure TypeScript implementation. Loading is synchronous (CommonJS `require` through
 * `createRequire`), so the choice is made once, when the module that asks is first imported.
 */
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

export function loadOptionalModule<T>(name: string, isUsable: (module: T) => boolean): T | undefined {
  try {
    const loaded = requireFromHere(name) as T;
    return isUsable(loaded) ? loaded : undefined;
  } catch {
    // Not installed, no binary for this platform, or an ABI mismatch: the pure implementation serves.
    return undefined;
  }
}
