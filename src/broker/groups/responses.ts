/**
 * Shapes the coordinator's version-neutral answers into the response of a given API version.
 * The generated encoders refuse a non-default value in a field the version lacks, so fields are
 * only set in the versions that carry them; what older versions cannot say is said their way
 * (a null protocol name before JoinGroup v7 is the empty string).
 */
import type { Input } from '../../protocol/api.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.js';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import type { JoinOutcome, SyncOutcome } from './classic-group.js';

export function joinGroupResponse(outcome: JoinOutcome, version: number): Input<JoinGroupResponse> {
  return {
    throttleTimeMs: 0,
    errorCode: outcome.errorCode,
    generationId: outcome.generationId,
    ...(version >= 7 ? { protocolType: outcome.protocolType } : {}),
    protocolName: version >= 7 ? outcome.protocolName : (outcome.protocolName ?? ''),
    leader: outcome.leader,
    ...(version >= 9 ? { skipAssignment: outcome.skipAssignment } : {}),
    memberId: outcome.memberId,
    members: outcome.members.map((member) => ({
      memberId: member.memberId,
      ...(version >= 5 ? { groupInstanceId: member.groupInstanceId } : {}),
      metadata: member.metadata,
    })),
  };
}

export function syncGroupResponse(outcome: SyncOutcome, version: number): Input<SyncGroupResponse> {
  return {
    throttleTimeMs: 0,
    errorCode: outcome.errorCode,
    ...(version >= 5 ? { protocolType: outcome.protocolType, protocolName: outcome.protocolName } : {}),
    assignment: outcome.assignment,
  };
}
