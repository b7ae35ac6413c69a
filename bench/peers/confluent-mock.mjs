#!/usr/bin/env node
// Runs the mock Kafka cluster of the librdkafka bundled in @confluentinc/kafka-javascript
// (newer than Debian's librdkafka 2.0.2) as a benchmark peer.
//
//   node bench/peers/confluent-mock.mjs [--brokers=N] [--debug=CONTEXTS]
//
// Prints the cluster's bootstrap servers on one line of stdout, then keeps the
// cluster up until stdin closes, SIGINT or SIGTERM. Needs bench/peers/setup.sh.
//
// The cluster lives inside a librdkafka client created with
// `test.mock.num.brokers`; librdkafka announces the mock's addresses in a
// NOTICE log line, which is where they are read from. Debug logging (e.g.
// --debug=mock) goes to stderr; leave it off when measuring, since every
// request is then logged.
import { createRequire } from 'node:module';

const LOG_TIMEOUT_MS = 30_000;

function parseArguments(argv) {
  const options = { brokers: 3, debug: undefined };
  for (const argument of argv) {
    const brokers = /^--brokers=(\d+)$/.exec(argument);
    const debug = /^--debug=(.+)$/.exec(argument);
    if (brokers) options.brokers = Number(brokers[1]);
    else if (debug) options.debug = debug[1];
    else {
      console.error('usage: confluent-mock.mjs [--brokers=N] [--debug=CONTEXTS]');
      process.exit(2);
    }
  }
  return options;
}

function loadClient() {
  const require = createRequire(new URL('../.peers/package.json', import.meta.url));
  try {
    return require('@confluentinc/kafka-javascript');
  } catch (error) {
    console.error(`cannot load @confluentinc/kafka-javascript from bench/.peers (run bench/peers/setup.sh): ${error.message}`);
    process.exit(1);
  }
}

const options = parseArguments(process.argv.slice(2));
const Kafka = loadClient();

const config = {
  'client.id': 'kafkats-bench-mock',
  'test.mock.num.brokers': options.brokers,
  // Replaced by the mock's own addresses; librdkafka still wants a value.
  'bootstrap.servers': '127.0.0.1:1',
};
if (options.debug) config.debug = options.debug;
const host = new Kafka.Producer(config);

const bootstrapServers = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no "Mock cluster enabled" log line within ${LOG_TIMEOUT_MS} ms`)), LOG_TIMEOUT_MS);
  host.on('event.log', (entry) => {
    const announced = /Mock cluster enabled: .* replaced with (\S+)/.exec(entry.message);
    if (announced) {
      clearTimeout(timer);
      resolve(announced[1]);
    }
    if (options.debug) process.stderr.write(`${entry.severity} ${entry.fac}: ${entry.message}\n`);
  });
});
host.on('event.error', (error) => process.stderr.write(`mock host client error: ${error.message}\n`));

let stopping = false;
function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  // The cluster is destroyed with its host client.
  const timer = setTimeout(() => process.exit(exitCode), 5_000);
  host.disconnect(() => {
    clearTimeout(timer);
    process.exit(exitCode);
  });
}

host.connect({ timeout: LOG_TIMEOUT_MS }, (error) => {
  if (error) {
    console.error(`mock host client could not connect: ${error.message}`);
    stop(1);
  }
});

try {
  console.log(await bootstrapServers);
} catch (error) {
  console.error(error.message);
  stop(1);
}

process.stdin.on('end', () => stop(0));
process.stdin.resume();
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
