/**
 * Facts about Apache Kafka releases, as pure data, in one place: the embedded broker emulates a
 * release from them (`asVersion`) and the client infers a broker's release from them
 * (`checkVersion`, src/cluster/releases.ts).
 *
 * For 0.10.0-4.0 (`KAFKA_RELEASES`): what each release advertises in its ApiVersions response, for
 * every release the highest version of each API key it serves and, where not 0, the lowest. The
 * numbers were read from real brokers' ApiVersions answers (ZooKeeper-mode brokers up to 3.9, so
 * the inter-broker keys 4-7 appear; a KRaft broker for 4.0). Kafka 4.0 removed old versions of
 * several APIs (KIP-896) but kept advertising Produce from version 0, because librdkafka disabled
 * compression when Produce's minimum was above 0; it rejects Produce versions 0-2 all the same.
 *
 * Around them: the releases before ApiVersions (0.8.0-0.9.0), which no broker could describe, and
 * the releases newer than the last one observed, known from their specs and KIPs; and the set of
 * APIs that tell releases apart from a client's side.
 */
import { ApiKey } from './generated/index.js';

/** The releases observed, oldest first: release lines ('0.10.0' ... '0.11.0', then '1.0', '1.1', ... '4.0'). */
export const KAFKA_RELEASES = [
  '0.10.0',
  '0.10.1',
  '0.10.2',
  '0.11.0',
  '1.0',
  '1.1',
  '2.0',
  '2.1',
  '2.2',
  '2.3',
  '2.4',
  '2.5',
  '2.6',
  '2.7',
  '2.8',
  '3.0',
  '3.1',
  '3.2',
  '3.3',
  '3.4',
  '3.5',
  '3.6',
  '3.7',
  '3.8',
  '3.9',
  '4.0',
] as const;

export type KafkaRelease = (typeof KAFKA_RELEASES)[number];

/** Release -> API key -> highest version advertised. An API key missing from a release is not served by it. */
export const KAFKA_RELEASE_MAX_VERSIONS: Readonly<Record<KafkaRelease, Readonly<Record<number, number>>>> = {
  '0.10.0': { 0: 2, 1: 2, 2: 0, 3: 1, 4: 0, 5: 0, 6: 2, 7: 1, 8: 2, 9: 1, 10: 0, 11: 0, 12: 0, 13: 0, 14: 0, 15: 0, 16: 0, 17: 0, 18: 0 },
  '0.10.1': { 0: 2, 1: 3, 2: 1, 3: 2, 4: 0, 5: 0, 6: 2, 7: 1, 8: 2, 9: 1, 10: 0, 11: 1, 12: 0, 13: 0, 14: 0, 15: 0, 16: 0, 17: 0, 18: 0, 19: 0, 20: 0 },
  '0.10.2': { 0: 2, 1: 3, 2: 1, 3: 2, 4: 0, 5: 0, 6: 3, 7: 1, 8: 2, 9: 2, 10: 0, 11: 1, 12: 0, 13: 0, 14: 0, 15: 0, 16: 0, 17: 0, 18: 0, 19: 1, 20: 0 },
  '0.11.0': { 0: 3, 1: 5, 2: 2, 3: 4, 4: 0, 5: 0, 6: 3, 7: 1, 8: 3, 9: 3, 10: 1, 11: 2, 12: 1, 13: 1, 14: 1, 15: 1, 16: 1, 17: 0, 18: 1, 19: 2, 20: 1, 21: 0, 22: 0, 23: 0, 24: 0, 25: 0, 26: 0, 27: 0, 28: 0, 29: 0, 30: 0, 31: 0, 32: 0, 33: 0 },
  '1.0': { 0: 5, 1: 6, 2: 2, 3: 5, 4: 1, 5: 0, 6: 4, 7: 1, 8: 3, 9: 3, 10: 1, 11: 2, 12: 1, 13: 1, 14: 1, 15: 1, 16: 1, 17: 1, 18: 1, 19: 2, 20: 1, 21: 0, 22: 0, 23: 0, 24: 0, 25: 0, 26: 0, 27: 0, 28: 0, 29: 0, 30: 0, 31: 0, 32: 0, 33: 0, 34: 0, 35: 0, 36: 0, 37: 0 },
  '1.1': { 0: 5, 1: 7, 2: 2, 3: 5, 4: 1, 5: 0, 6: 4, 7: 1, 8: 3, 9: 3, 10: 1, 11: 2, 12: 1, 13: 1, 14: 1, 15: 1, 16: 1, 17: 1, 18: 1, 19: 2, 20: 1, 21: 0, 22: 0, 23: 0, 24: 0, 25: 0, 26: 0, 27: 0, 28: 0, 29: 0, 30: 0, 31: 0, 32: 1, 33: 0, 34: 0, 35: 0, 36: 0, 37: 0, 38: 0, 39: 0, 40: 0, 41: 0, 42: 0 },
  '2.0': { 0: 6, 1: 8, 2: 3, 3: 6, 4: 1, 5: 0, 6: 4, 7: 1, 8: 4, 9: 4, 10: 2, 11: 3, 12: 2, 13: 2, 14: 2, 15: 2, 16: 2, 17: 1, 18: 2, 19: 3, 20: 2, 21: 1, 22: 1, 23: 1, 24: 1, 25: 1, 26: 1, 27: 0, 28: 1, 29: 1, 30: 1, 31: 1, 32: 2, 33: 1, 34: 1, 35: 1, 36: 0, 37: 1, 38: 1, 39: 1, 40: 1, 41: 1, 42: 1 },
  '2.1': { 0: 7, 1: 10, 2: 4, 3: 7, 4: 1, 5: 0, 6: 4, 7: 1, 8: 6, 9: 5, 10: 2, 11: 3, 12: 2, 13: 2, 14: 2, 15: 2, 16: 2, 17: 1, 18: 2, 19: 3, 20: 3, 21: 1, 22: 1, 23: 2, 24: 1, 25: 1, 26: 1, 27: 0, 28: 2, 29: 1, 30: 1, 31: 1, 32: 2, 33: 1, 34: 1, 35: 1, 36: 0, 37: 1, 38: 1, 39: 1, 40: 1, 41: 1, 42: 1 },
  '2.2': { 0: 7, 1: 10, 2: 5, 3: 7, 4: 2, 5: 1, 6: 5, 7: 2, 8: 6, 9: 5, 10: 2, 11: 4, 12: 2, 13: 2, 14: 2, 15: 2, 16: 2, 17: 1, 18: 2, 19: 3, 20: 3, 21: 1, 22: 1, 23: 2, 24: 1, 25: 1, 26: 1, 27: 0, 28: 2, 29: 1, 30: 1, 31: 1, 32: 2, 33: 1, 34: 1, 35: 1, 36: 1, 37: 1, 38: 1, 39: 1, 40: 1, 41: 1, 42: 1, 43: 0 },
  '2.3': { 0: 7, 1: 11, 2: 5, 3: 8, 4: 2, 5: 1, 6: 5, 7: 2, 8: 7, 9: 5, 10: 2, 11: 5, 12: 3, 13: 2, 14: 3, 15: 3, 16: 2, 17: 1, 18: 2, 19: 3, 20: 3, 21: 1, 22: 1, 23: 3, 24: 1, 25: 1, 26: 1, 27: 0, 28: 2, 29: 1, 30: 1, 31: 1, 32: 2, 33: 1, 34: 1, 35: 1, 36: 1, 37: 1, 38: 1, 39: 1, 40: 1, 41: 1, 42: 1, 43: 0, 44: 0 },
  '2.4': { 0: 8, 1: 11, 2: 5, 3: 9, 4: 4, 5: 2, 6: 6, 7: 3, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3, 17: 1, 18: 3, 19: 5, 20: 4, 21: 1, 22: 2, 23: 3, 24: 1, 25: 1, 26: 1, 27: 0, 28: 2, 29: 1, 30: 1, 31: 1, 32: 2, 33: 1, 34: 1, 35: 1, 36: 1, 37: 1, 38: 2, 39: 1, 40: 1, 41: 1, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0 },
  '2.5': { 0: 8, 1: 11, 2: 5, 3: 9, 4: 4, 5: 2, 6: 6, 7: 3, 8: 8, 9: 7, 10: 3, 11: 7, 12: 4, 13: 4, 14: 5, 15: 5, 16: 3, 17: 1, 18: 3, 19: 5, 20: 4, 21: 1, 22: 3, 23: 3, 24: 1, 25: 1, 26: 1, 27: 0, 28: 3, 29: 2, 30: 2, 31: 2, 32: 2, 33: 1, 34: 1, 35: 1, 36: 2, 37: 2, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0 },
  '2.6': { 0: 8, 1: 11, 2: 5, 3: 9, 4: 4, 5: 3, 6: 6, 7: 3, 8: 8, 9: 7, 10: 3, 11: 7, 12: 4, 13: 4, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 5, 20: 4, 21: 2, 22: 3, 23: 3, 24: 1, 25: 1, 26: 1, 27: 0, 28: 3, 29: 2, 30: 2, 31: 2, 32: 3, 33: 1, 34: 1, 35: 2, 36: 2, 37: 2, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 0, 49: 0 },
  '2.7': { 0: 8, 1: 12, 2: 5, 3: 9, 4: 4, 5: 3, 6: 6, 7: 3, 8: 8, 9: 7, 10: 3, 11: 7, 12: 4, 13: 4, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 6, 20: 5, 21: 2, 22: 4, 23: 3, 24: 2, 25: 2, 26: 2, 27: 0, 28: 3, 29: 2, 30: 2, 31: 2, 32: 3, 33: 1, 34: 1, 35: 2, 36: 2, 37: 3, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 0, 49: 0, 50: 0, 51: 0, 56: 0, 57: 0 },
  '2.8': { 0: 9, 1: 12, 2: 6, 3: 11, 4: 5, 5: 3, 6: 7, 7: 3, 8: 8, 9: 7, 10: 3, 11: 7, 12: 4, 13: 4, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 2, 30: 2, 31: 2, 32: 4, 33: 2, 34: 2, 35: 2, 36: 2, 37: 3, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 0, 57: 0, 60: 0, 61: 0 },
  '3.0': { 0: 9, 1: 12, 2: 7, 3: 11, 4: 5, 5: 3, 6: 7, 7: 3, 8: 8, 9: 8, 10: 4, 11: 7, 12: 4, 13: 4, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 2, 30: 2, 31: 2, 32: 4, 33: 2, 34: 2, 35: 2, 36: 2, 37: 3, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 0, 57: 0, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.1': { 0: 9, 1: 13, 2: 7, 3: 12, 4: 5, 5: 3, 6: 7, 7: 3, 8: 8, 9: 8, 10: 4, 11: 7, 12: 4, 13: 4, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 2, 30: 2, 31: 2, 32: 4, 33: 2, 34: 2, 35: 2, 36: 2, 37: 3, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 0, 57: 0, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.2': { 0: 9, 1: 13, 2: 7, 3: 12, 4: 6, 5: 3, 6: 7, 7: 3, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 2, 30: 2, 31: 2, 32: 4, 33: 2, 34: 2, 35: 3, 36: 2, 37: 3, 38: 2, 39: 2, 40: 2, 41: 2, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 1, 57: 0, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.3': { 0: 9, 1: 13, 2: 7, 3: 12, 4: 6, 5: 3, 6: 7, 7: 3, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 2, 57: 1, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.4': { 0: 9, 1: 13, 2: 7, 3: 12, 4: 7, 5: 4, 6: 8, 7: 3, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 2, 57: 1, 58: 0, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.5': { 0: 9, 1: 15, 2: 8, 3: 12, 4: 7, 5: 4, 6: 8, 7: 3, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1, 28: 3, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 3, 57: 1, 58: 0, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.6': { 0: 9, 1: 15, 2: 8, 3: 12, 4: 7, 5: 4, 6: 8, 7: 3, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 4, 25: 3, 26: 3, 27: 1, 28: 3, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 3, 57: 1, 58: 0, 60: 0, 61: 0, 65: 0, 66: 0, 67: 0 },
  '3.7': { 0: 10, 1: 16, 2: 8, 3: 12, 4: 7, 5: 4, 6: 8, 7: 3, 8: 9, 9: 9, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 4, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 4, 23: 4, 24: 4, 25: 3, 26: 3, 27: 1, 28: 3, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 3, 57: 1, 58: 0, 60: 1, 61: 0, 65: 0, 66: 0, 67: 0, 68: 0 },
  '3.8': { 0: 11, 1: 16, 2: 8, 3: 12, 4: 7, 5: 4, 6: 8, 7: 3, 8: 9, 9: 9, 10: 5, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 5, 17: 1, 18: 3, 19: 7, 20: 6, 21: 2, 22: 5, 23: 4, 24: 5, 25: 4, 26: 4, 27: 1, 28: 4, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 3, 57: 1, 58: 0, 60: 1, 61: 0, 65: 0, 66: 1, 67: 0, 68: 0, 69: 0 },
  '3.9': { 0: 11, 1: 17, 2: 9, 3: 12, 4: 7, 5: 4, 6: 8, 7: 3, 8: 9, 9: 9, 10: 6, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 5, 17: 1, 18: 4, 19: 7, 20: 6, 21: 2, 22: 5, 23: 4, 24: 5, 25: 4, 26: 4, 27: 1, 28: 4, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 56: 3, 57: 1, 58: 0, 60: 1, 61: 0, 65: 0, 66: 1, 67: 0, 68: 0, 69: 0 },
  '4.0': { 0: 12, 1: 17, 2: 10, 3: 13, 8: 9, 9: 9, 10: 6, 11: 9, 12: 4, 13: 5, 14: 5, 15: 6, 16: 5, 17: 1, 18: 4, 19: 7, 20: 6, 21: 2, 22: 5, 23: 4, 24: 5, 25: 4, 26: 5, 27: 1, 28: 5, 29: 3, 30: 3, 31: 3, 32: 4, 33: 2, 34: 2, 35: 4, 36: 2, 37: 3, 38: 3, 39: 2, 40: 2, 41: 3, 42: 2, 43: 2, 44: 1, 45: 0, 46: 0, 47: 0, 48: 1, 49: 1, 50: 0, 51: 0, 55: 2, 57: 2, 60: 2, 61: 0, 64: 0, 65: 0, 66: 1, 68: 1, 69: 1, 74: 0, 75: 0, 80: 0, 81: 0 },
};

/** Release -> API key -> lowest version advertised, for the keys whose lowest version is not 0. */
export const KAFKA_RELEASE_MIN_VERSIONS: Readonly<Partial<Record<KafkaRelease, Readonly<Record<number, number>>>>> = {
  '0.10.0': { 7: 1 },
  '0.10.1': { 7: 1 },
  '0.10.2': { 7: 1 },
  '0.11.0': { 7: 1 },
  '4.0': { 1: 4, 2: 1, 8: 2, 9: 1, 11: 2, 19: 2, 20: 1, 23: 2, 27: 1, 29: 1, 30: 1, 31: 1, 32: 1, 34: 1, 35: 1, 38: 1, 39: 1, 40: 1, 41: 1 },
};

/**
 * Versions a release advertises but refuses: Kafka 4.0 lists Produce from version 0 (see above)
 * while accepting only 3 and later. Release -> API key -> lowest version accepted.
 */
export const KAFKA_RELEASE_MIN_ACCEPTED_VERSIONS: Readonly<Partial<Record<KafkaRelease, Readonly<Record<number, number>>>>> = {
  '4.0': { 0: 3 },
};

/**
 * The releases before ApiVersions (KIP-35, 0.10.0), oldest first. Such a broker cannot say what it
 * serves; clients find its release by probing requests.
 */
export const PRE_API_VERSIONS_RELEASES = ['0.8.0', '0.8.1', '0.8.2', '0.9.0'] as const;

export type PreApiVersionsRelease = (typeof PRE_API_VERSIONS_RELEASES)[number];

/**
 * Release -> API key -> highest version served, for the client APIs of the releases before
 * ApiVersions (all from version 0; the inter-broker APIs they also served are left out), as the
 * KIPs and the release tables of other clients (kafka-python's check_version, franz-go's kversion)
 * record them.
 */
export const PRE_API_VERSIONS_MAX_VERSIONS: Readonly<Record<PreApiVersionsRelease, Readonly<Record<number, number>>>> = {
  '0.8.0': { 0: 0, 1: 0, 2: 0, 3: 0 },
  '0.8.1': { 0: 0, 1: 0, 2: 0, 3: 0, 8: 0, 9: 0 },
  '0.8.2': { 0: 0, 1: 0, 2: 0, 3: 0, 8: 1, 9: 1, 10: 0, 11: 0, 12: 0 },
  '0.9.0': { 0: 1, 1: 1, 2: 0, 3: 0, 8: 2, 9: 1, 10: 0, 11: 0, 12: 0, 13: 0, 14: 0, 15: 0, 16: 0 },
};

/**
 * Releases newer than the last one observed, oldest first, known from the "Version N adds ..."
 * notes of Kafka's message specs and the KIPs rather than from a broker's answer: for each, the
 * client APIs whose highest version it raised (API key -> that version).
 */
export const UNOBSERVED_RELEASE_CHANGES: readonly { readonly release: string; readonly raised: Readonly<Record<number, number>> }[] = [
  { release: '4.1', raised: { [ApiKey.Produce]: 13, [ApiKey.Fetch]: 18, [ApiKey.AlterPartitionReassignments]: 1, [ApiKey.ListTransactions]: 2 } },
];

/**
 * The APIs that tell releases apart from a client's side: client-facing APIs that every broker of
 * a release advertises, whatever its mode (ZooKeeper or KRaft) and configuration. Left out, so that
 * they cannot make a real broker look older: inter-broker APIs (LeaderAndIsr, AlterPartition,
 * Envelope, ...), KRaft-only ones (DescribeQuorum, the Raft voter APIs), and those advertised only
 * when a feature is enabled or that KRaft brokers gained late (telemetry, the KIP-848 and KIP-932
 * group APIs, delegation tokens, SCRAM credentials, UpdateFeatures, DescribeTopicPartitions).
 */
export const CLIENT_RELEASE_API_KEYS: readonly number[] = [
  ApiKey.Produce,
  ApiKey.Fetch,
  ApiKey.ListOffsets,
  ApiKey.Metadata,
  ApiKey.OffsetCommit,
  ApiKey.OffsetFetch,
  ApiKey.FindCoordinator,
  ApiKey.JoinGroup,
  ApiKey.Heartbeat,
  ApiKey.LeaveGroup,
  ApiKey.SyncGroup,
  ApiKey.DescribeGroups,
  ApiKey.ListGroups,
  ApiKey.SaslHandshake,
  ApiKey.ApiVersions,
  ApiKey.CreateTopics,
  ApiKey.DeleteTopics,
  ApiKey.DeleteRecords,
  ApiKey.InitProducerId,
  ApiKey.OffsetForLeaderEpoch,
  ApiKey.AddPartitionsToTxn,
  ApiKey.AddOffsetsToTxn,
  ApiKey.EndTxn,
  ApiKey.TxnOffsetCommit,
  ApiKey.DescribeAcls,
  ApiKey.CreateAcls,
  ApiKey.DeleteAcls,
  ApiKey.DescribeConfigs,
  ApiKey.AlterConfigs,
  ApiKey.AlterReplicaLogDirs,
  ApiKey.DescribeLogDirs,
  ApiKey.SaslAuthenticate,
  ApiKey.CreatePartitions,
  ApiKey.DeleteGroups,
  ApiKey.ElectLeaders,
  ApiKey.IncrementalAlterConfigs,
  ApiKey.AlterPartitionReassignments,
  ApiKey.ListPartitionReassignments,
  ApiKey.OffsetDelete,
  ApiKey.DescribeClientQuotas,
  ApiKey.AlterClientQuotas,
  ApiKey.DescribeCluster,
  ApiKey.DescribeProducers,
  ApiKey.DescribeTransactions,
  ApiKey.ListTransactions,
];
