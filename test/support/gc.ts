/**
 * A full garbage collection on demand, for tests that bound memory: measured after a collection,
 * a heap delta is what the code under test holds, not the garbage around it. The flag is set at
 * run time (tests run without --expose-gc); a fresh context then sees the `gc` function.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
export const collectGarbage = runInNewContext('gc') as () => void;
