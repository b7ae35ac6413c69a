/** Every API the embedded broker serves, by API key. */
import type { AnyApiHandler } from '../handler.js';
import type { VersionRange } from '../api-version-table.js';
import { apiVersionsHandler } from './api-versions.js';
import { createAclsHandler, deleteAclsHandler, describeAclsHandler, describeClusterHandler, findCoordinatorHandler } from './cluster-info.js';
import { deleteRecordsHandler } from './delete-records.js';
import { fetchHandler } from './fetch.js';
import {
  deleteGroupsHandler,
  describeGroupsHandler,
  heartbeatHandler,
  joinGroupHandler,
  leaveGroupHandler,
  listGroupsHandler,
  offsetCommitHandler,
  offsetDeleteHandler,
  offsetFetchHandler,
  syncGroupHandler,
} from './groups.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { offsetForLeaderEpochHandler } from './leader-epoch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { createTopicsHandler, deleteTopicsHandler } from './topics.js';

const ALL: readonly AnyApiHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  offsetForLeaderEpochHandler,
  describeAclsHandler,
  createAclsHandler,
  deleteAclsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  describeClusterHandler,
];

export const HANDLERS: ReadonlyMap<number, AnyApiHandler> = new Map(ALL.map((handler) => [handler.api.apiKey, handler]));

/** The versions each handler serves: its codec's stable range. */
export function implementedVersions(): Map<number, VersionRange> {
  const ranges = new Map<number, VersionRange>();
  for (const [apiKey, handler] of HANDLERS) {
    const api = handler.api;
    const max = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
    ranges.set(apiKey, { min: api.minVersion, max });
  }
  return ranges;
}
