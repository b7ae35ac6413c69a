/**
 * What a request's timeout costs, two ways:
 *  - a timer per request: setTimeout when it is made, clearTimeout when it completes;
 *  - what Connection does: a deadline number per request (one performance.now() call) and one
 *    timer per connection, re-armed only when a deadline is earlier than the armed one.
 *
 *   node --import tsx bench/network/timers.ts [requests]
 *
 * Requests are completed in batches of 128 per event-loop turn, as pipelined responses arrive.
 */
const total = Number(process.argv[2] ?? 1_000_000);
const BATCH = 128;
const TIMEOUT_MS = 30_000;

function noop(): void {}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function perRequestTimers(): Promise<number> {
  const started = performance.now();
  const timers: NodeJS.Timeout[] = new Array(BATCH);
  for (let done = 0; done < total; done += BATCH) {
    for (let i = 0; i < BATCH; i++) timers[i] = setTimeout(noop, TIMEOUT_MS);
    await turn();
    for (let i = 0; i < BATCH; i++) clearTimeout(timers[i]);
  }
  return performance.now() - started;
}

async function connectionDeadlines(): Promise<number> {
  const started = performance.now();
  const deadlines = new Float64Array(BATCH);
  let armed: NodeJS.Timeout | null = null;
  let armedDue = Infinity;
  for (let done = 0; done < total; done += BATCH) {
    for (let i = 0; i < BATCH; i++) {
      const deadline = performance.now() + TIMEOUT_MS;
      deadlines[i] = deadline;
      if (deadline < armedDue) {
        if (armed !== null) clearTimeout(armed);
        armed = setTimeout(noop, TIMEOUT_MS);
        armedDue = deadline;
      }
    }
    await turn();
  }
  if (armed !== null) clearTimeout(armed);
  return performance.now() - started;
}

async function emptyLoop(): Promise<number> {
  const started = performance.now();
  for (let done = 0; done < total; done += BATCH) await turn();
  return performance.now() - started;
}

for (let round = 0; round < 2; round++) {
  const baseline = await emptyLoop();
  const perRequest = (await perRequestTimers()) - baseline;
  const deadlines = (await connectionDeadlines()) - baseline;
  if (round === 1) {
    console.log(`timer per request:     ${((perRequest * 1e6) / total).toFixed(0).padStart(5)} ns per request`);
    console.log(`deadline + one timer:  ${((deadlines * 1e6) / total).toFixed(0).padStart(5)} ns per request`);
  }
}
