#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node's test runner.
//
//   node scripts/run-tests.mjs [FILTER...] [--concurrency=N] [--NODE-TEST-FLAG...]
//
// FILTERs select files whose path contains them; "test/x/y.test.ts",
// "dist/test/x/y.test.js" and "x/y" all pick the same file. Other arguments
// starting with "--" (e.g. --test-name-pattern=...) go to `node --test`.
//
// Unit files (dist/test/unit/) run first, as many at once as there are cores.
// Every other file may start clusters and peer processes, so those run with
// limited concurrency (half the cores, at least 1; --concurrency=N overrides)
// to keep suites from starving each other on small machines.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = join(root, 'dist', 'test');
// A safety net per test; a test that needs more says so itself.
const PER_TEST_TIMEOUT_MS = 120_000;

function parseArguments(argv) {
  const filters = [];
  const nodeFlags = [];
  let concurrency;
  for (const argument of argv) {
    const match = /^--concurrency=(\d+)$/.exec(argument);
    if (match) concurrency = Math.max(1, Number(match[1]));
    else if (argument.startsWith('--')) nodeFlags.push(argument);
    else filters.push(normaliseFilter(argument));
  }
  return { filters, nodeFlags, concurrency };
}

/** "test/a/b.test.ts", "dist/test/a/b.test.js" and "a/b" all become "a/b". */
function normaliseFilter(filter) {
  return filter
    .split(sep)
    .join('/')
    .replace(/^\.\//, '')
    .replace(/^dist\//, '')
    .replace(/^test\//, '')
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .replace(/\.[cm]?[jt]s$/, '');
}

function findTestFiles(directory) {
  if (!existsSync(directory)) return [];
  const found = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

function testName(file) {
  return relative(testRoot, file).split(sep).join('/');
}

/** Counts from the TAP summary lines ("# pass 12") the runner prints last. */
function parseTapSummary(tap) {
  const counts = {};
  for (const key of ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) {
    const matches = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
    counts[key] = matches.length ? Number(matches.at(-1)[1]) : 0;
  }
  // Failing leaf tests, with the suites above them, for the final summary.
  const failures = [];
  const stack = [];
  for (const line of tap.split('\n')) {
    const subtest = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (subtest) {
      const depth = subtest[1].length / 4;
      stack.length = depth;
      stack[depth] = subtest[2];
      continue;
    }
    const failed = /^(\s*)not ok \d+ - (.*?)(?: # .*)?$/.exec(line);
    if (failed) {
      const depth = failed[1].length / 4;
      const path = [...stack.slice(0, depth), failed[2]].filter(Boolean);
      // A failed suite repeats its failed children's verdict; keep the leaves.
      const isLeafFailure = !failures.some((earlier) => earlier.slice(0, path.length).join(' > ') === path.join(' > '));
      if (isLeafFailure) failures.push(path);
    }
  }
  return { counts, failures: failures.map((path) => path.join(' > ')) };
}

function runPhase(name, files, concurrency, nodeFlags, scratch) {
  return new Promise((resolve) => {
    const tapFile = join(scratch, `${name}.tap`);
    const args = [
      '--test',
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${PER_TEST_TIMEOUT_MS}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...nodeFlags,
      ...files,
    ];
    console.log(`\n== ${name}: ${files.length} file(s), ${concurrency} at a time ==\n`);
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (exitCode, signal) => {
      const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
      resolve({ name, files: files.length, exitCode, signal, seconds: (Date.now() - started) / 1000, ...parseTapSummary(tap) });
    });
  });
}

async function main() {
  const { filters, nodeFlags, concurrency } = parseArguments(process.argv.slice(2));
  const all = findTestFiles(testRoot);
  if (all.length === 0) {
    console.error(`run-tests: no test files under ${relative(root, testRoot)}/ (did "npm run build" run?)`);
    return 1;
  }
  const selected = filters.length === 0 ? all : all.filter((file) => filters.some((filter) => testName(file).includes(filter)));
  if (selected.length === 0) {
    console.error(`run-tests: no test file matches ${filters.map((filter) => JSON.stringify(filter)).join(', ')}`);
    return 1;
  }

  const cores = availableParallelism();
  const isUnit = (file) => testName(file).startsWith('unit/');
  const phases = [
    { name: 'unit', files: selected.filter(isUnit), concurrency: concurrency ?? cores },
    { name: 'integration', files: selected.filter((file) => !isUnit(file)), concurrency: concurrency ?? Math.max(1, Math.floor(cores / 2)) },
  ].filter((phase) => phase.files.length > 0);

  const scratch = mkdtempSync(join(tmpdir(), 'kafkats-tests-'));
  const results = [];
  try {
    for (const phase of phases) results.push(await runPhase(phase.name, phase.files, phase.concurrency, nodeFlags, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  console.log('\n== summary ==');
  let failed = false;
  for (const result of results) {
    const { tests, pass, fail, cancelled, skipped, todo } = result.counts;
    const exit = result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
    console.log(
      `${result.name.padEnd(12)} files ${result.files}  tests ${tests}  pass ${pass}  fail ${fail}  cancelled ${cancelled}  skipped ${skipped}  todo ${todo}  ${result.seconds.toFixed(1)} s  (${exit})`,
    );
    for (const failure of result.failures) console.log(`  FAILED: ${failure}`);
    if (result.exitCode !== 0 || fail > 0 || cancelled > 0) failed = true;
    if (tests === 0) {
      console.log(`  no tests reported by the ${result.name} files`);
      failed = true;
    }
  }
  console.log(failed ? 'RESULT: FAILED' : 'RESULT: PASSED');
  return failed ? 1 : 0;
}

process.exitCode = await main();
