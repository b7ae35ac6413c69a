#!/usr/bin/env node
/**
 * The `kafkats` command (the package's bin). See run.ts for the dispatcher and commands/ for the
 * commands.
 */
import { runCli } from './run.js';

const interrupt = new AbortController();
const onSignal = (): void => interrupt.abort();
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal });
} finally {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
