/**
 * Inference of a broker's Kafka release from the version ranges it advertises (what kafka-python's
 * `check_version` did), from the release facts of src/protocol/kafka-releases.ts.
 *
 * A broker is at least the newest release whose client APIs (`CLIENT_RELEASE_API_KEYS`: those that
 * every broker of a release advertises, whatever its mode and configuration) it all supports at
 * that release's highest versions. A release that changed no client API (3.4, after 3.3) is then
 * told apart by the other APIs it raised, where the broker advertises them: a ZooKeeper-mode 3.4
 * broker shows LeaderAndIsr v7, a KRaft one shows none of them and stays "3.3, or 3.4".
 */
import { ApiKey, type ApiKeyName } from '../protocol/generated/index.js';
import {
  CLIENT_RELEASE_API_KEYS,
  KAFKA_RELEASES as OBSERVED_RELEASES,
  KAFKA_RELEASE_MAX_VERSIONS,
  PRE_API_VERSIONS_MAX_VERSIONS,
  PRE_API_VERSIONS_RELEASES,
  UNOBSERVED_RELEASE_CHANGES,
  type PreApiVersionsRelease,
} from '../protocol/kafka-releases.js';

export interface ReleaseChanges {
  /** The release, as Kafka names it: '0.10.2', '2.8', '4.0'. */
  readonly release: string;
  /** The APIs whose highest version this release raised (or added), with that version. */
  readonly introduced: Readonly<Partial<Record<ApiKeyName, number>>>;
}

/** API key -> highest version. */
type VersionTable = ReadonlyMap<number, number>;

interface ReleaseFacts {
  readonly release: string;
  /** Everything the release is known to advertise: the whole ApiVersions answer where observed, else its client APIs. */
  readonly all: VersionTable;
  /** The client APIs of `all`, by ascending key. */
  readonly client: VersionTable;
  /** The client APIs whose highest version this release raised over the previous one (or added). */
  readonly introduced: VersionTable;
}

const API_NAME_BY_KEY: ReadonlyMap<number, ApiKeyName> = new Map(Object.entries(ApiKey).map(([name, key]) => [key, name as ApiKeyName]));

export function apiNameOf(apiKey: number): string {
  return API_NAME_BY_KEY.get(apiKey) ?? `Unknown(${apiKey})`;
}

const CLIENT_KEYS_ASCENDING = [...CLIENT_RELEASE_API_KEYS].sort((a, b) => a - b);
const NOTHING: VersionTable = new Map();

function tableOf(maxima: Readonly<Record<number, number>>): Map<number, number> {
  return new Map(Object.entries(maxima).map(([key, max]) => [Number(key), max]));
}

/** The entries of `after` that are new or higher than in `before`. */
function raisedOver(before: VersionTable, after: VersionTable): Map<number, number> {
  const raised = new Map<number, number>();
  for (const [key, max] of after) if (max > (before.get(key) ?? -1)) raised.set(key, max);
  return raised;
}

/** Every known release, oldest first: before ApiVersions, observed, then newer ones known by their changes. */
const RELEASES: readonly ReleaseFacts[] = (() => {
  const facts: ReleaseFacts[] = [];
  const add = (release: string, all: VersionTable): void => {
    const client = new Map<number, number>();
    for (const key of CLIENT_KEYS_ASCENDING) {
      const max = all.get(key);
      if (max !== undefined) client.set(key, max);
    }
    facts.push({ release, all, client, introduced: raisedOver(facts.at(-1)?.client ?? NOTHING, client) });
  };
  for (const release of PRE_API_VERSIONS_RELEASES) add(release, tableOf(PRE_API_VERSIONS_MAX_VERSIONS[release]));
  for (const release of OBSERVED_RELEASES) add(release, tableOf(KAFKA_RELEASE_MAX_VERSIONS[release]));
  for (const { release, raised } of UNOBSERVED_RELEASE_CHANGES) {
    // Only client APIs are known for these: the previous release's, with the raised ones.
    add(release, new Map([...facts.at(-1)!.client, ...tableOf(raised)]));
  }
  return facts;
})();

/** Per known release (0.8.0-4.1), oldest first, the client APIs whose highest version it raised or added. */
export const KAFKA_RELEASES: readonly ReleaseChanges[] = RELEASES.map(({ release, introduced }) => ({
  release,
  introduced: Object.fromEntries([...introduced].map(([key, version]) => [API_NAME_BY_KEY.get(key)!, version])),
}));

export interface AdvertisedRange {
  readonly min: number;
  readonly max: number;
}

export interface MissingApiVersion {
  readonly api: string;
  readonly apiKey: number;
  /** The version the release has. */
  readonly version: number;
  /** The broker's highest version of the API, or null when it lacks the API. */
  readonly brokerMax: number | null;
}

export interface ReleaseInference {
  /**
   * The newest release whose client APIs the broker all supports at that release's versions (a
   * lower bound on the broker's release), or null when it does not even match 0.8.0.
   */
  readonly release: string | null;
  /** The broker advertises exactly that release's versions of those APIs, nothing newer. */
  readonly exact: boolean;
  /** Releases the APIs cannot tell apart from `release` (a KRaft 3.4 broker looks like 3.3). */
  readonly indistinguishableFrom: readonly string[];
  /** What the broker lacks to count as the next release, or null after the newest known one. */
  readonly missingForNext: { readonly release: string; readonly apis: readonly MissingApiVersion[] } | null;
  /**
   * The newest release that introduced an API version the broker supports: for a real Kafka
   * broker the same as `release`; for other implementations it shows how new their newest APIs are.
   */
  readonly newestFeature: { readonly release: string; readonly api: string; readonly version: number } | null;
}

function lacking(table: VersionTable, ranges: ReadonlyMap<number, AdvertisedRange>): MissingApiVersion[] {
  const missing: MissingApiVersion[] = [];
  for (const [apiKey, version] of table) {
    const range = ranges.get(apiKey);
    if (range === undefined || range.max < version) {
      missing.push({ api: apiNameOf(apiKey), apiKey, version, brokerMax: range?.max ?? null });
    }
  }
  return missing;
}

function sameTable(a: VersionTable, b: VersionTable): boolean {
  if (a.size !== b.size) return false;
  for (const [key, version] of a) if (b.get(key) !== version) return false;
  return true;
}

function changedNoClientApi(index: number): boolean {
  return index > 0 && sameTable(RELEASES[index - 1]!.client, RELEASES[index]!.client);
}

/** The other APIs a release that changed no client API raised: all that can tell it from the one before. */
function tellingApis(index: number): VersionTable {
  return changedNoClientApi(index) ? raisedOver(RELEASES[index - 1]!.all, RELEASES[index]!.all) : NOTHING;
}

/**
 * Whether the broker is release `index` rather than the one before, which has the same client APIs:
 * yes if it advertises every API the release raised at that version, no if it advertises one of
 * them lower, unknown otherwise (a KRaft broker does not advertise inter-broker APIs).
 */
function tellApart(index: number, ranges: ReadonlyMap<number, AdvertisedRange>): 'yes' | 'no' | 'unknown' {
  const telling = tellingApis(index);
  let advertised = 0;
  for (const [apiKey, version] of telling) {
    const range = ranges.get(apiKey);
    if (range === undefined) continue;
    if (range.max < version) return 'no';
    advertised++;
  }
  return advertised > 0 && advertised === telling.size ? 'yes' : 'unknown';
}

function newestFeatureOf(ranges: ReadonlyMap<number, AdvertisedRange>): ReleaseInference['newestFeature'] {
  for (let index = RELEASES.length - 1; index >= 0; index--) {
    const { release, introduced } = RELEASES[index]!;
    for (const [apiKey, version] of [...introduced, ...tellingApis(index)]) {
      const range = ranges.get(apiKey);
      if (range !== undefined && range.max >= version) return { release, api: apiNameOf(apiKey), version };
    }
  }
  return null;
}

/** Infers the release of a broker from the API version ranges it advertised, by API key. */
export function inferBrokerRelease(ranges: ReadonlyMap<number, AdvertisedRange>): ReleaseInference {
  let matched = -1;
  // Client tables only grow from one release to the next, so the first miss ends the search.
  while (matched + 1 < RELEASES.length && lacking(RELEASES[matched + 1]!.client, ranges).length === 0) matched++;
  const newestFeature = newestFeatureOf(ranges);

  if (matched < 0) {
    return { release: null, exact: false, indistinguishableFrom: [], missingForNext: { release: RELEASES[0]!.release, apis: lacking(RELEASES[0]!.client, ranges) }, newestFeature };
  }
  // Releases that changed no client API look like the one before: start from the oldest of them
  // and move to a later one only where the other APIs it raised say so.
  while (changedNoClientApi(matched)) matched--;
  const indistinguishableFrom: string[] = [];
  let next = matched + 1;
  for (; next < RELEASES.length && changedNoClientApi(next); next++) {
    const verdict = tellApart(next, ranges);
    if (verdict === 'no') break;
    if (verdict === 'yes') {
      matched = next;
      indistinguishableFrom.length = 0;
    } else {
      indistinguishableFrom.push(RELEASES[next]!.release);
    }
  }

  const { release, client } = RELEASES[matched]!;
  let exact = true;
  for (const key of CLIENT_KEYS_ASCENDING) {
    const range = ranges.get(key);
    if (range !== undefined && range.max !== client.get(key)) exact = false;
  }
  let missingForNext: ReleaseInference['missingForNext'] = null;
  if (next < RELEASES.length) {
    const required = new Map([...RELEASES[next]!.client, ...tellingApis(next)]);
    missingForNext = { release: RELEASES[next]!.release, apis: lacking(required, ranges) };
  }
  return { release, exact, indistinguishableFrom, missingForNext, newestFeature };
}

/** The releases a pre-0.10 broker (one without ApiVersions) can be, newest first. */
export const LEGACY_RELEASES: readonly LegacyRelease[] = [...PRE_API_VERSIONS_RELEASES].reverse();
export type LegacyRelease = PreApiVersionsRelease;

/** The version ranges a broker of a pre-0.10 release supports, by API key (all from v0). */
export function legacyVersionTable(release: LegacyRelease): Map<number, AdvertisedRange> {
  return releaseVersionTable(release)!;
}

/** The highest version of each API a broker of `release` advertises (client-facing APIs only). */
export function releaseVersionTable(release: string): Map<number, AdvertisedRange> | null {
  const facts = RELEASES.find((entry) => entry.release === release);
  if (facts === undefined) return null;
  const table = new Map<number, AdvertisedRange>();
  for (const [key, max] of facts.client) table.set(key, { min: 0, max });
  return table;
}
