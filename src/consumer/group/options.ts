/**
 * The settings of a group member, checked once at construction (the consumer resolves its own
 * options first; these checks catch inconsistent combinations with a `KafkaConfigError` naming the
 * Java-style option).
 */
import type { Logger } from '../../cluster/logger.js';
import { isLogger } from '../../cluster/logger.js';
import { DEFAULT_API_TIMEOUT_MS } from '../../cluster/retry.js';
import { KafkaConfigError } from '../../protocol/errors.js';
import { chooseRebalanceProtocol } from '../assignors/group-protocol.js';
import type { PartitionAssignor, RebalanceProtocol } from '../assignors/types.js';

const INT32_MAX = 0x7fffffff;

export interface MembershipOptions {
  /** `group.id`. */
  readonly groupId: string;
  /** `group.instance.id` (KIP-345 static membership), or null for a dynamic member. */
  readonly groupInstanceId: string | null;
  /** `session.timeout.ms`: the coordinator drops a member it has not heard from for this long. */
  readonly sessionTimeoutMs: number;
  /** `max.poll.interval.ms`: sent as the rebalance timeout, and the longest the application may go without polling. */
  readonly rebalanceTimeoutMs: number;
  /** `heartbeat.interval.ms`: below `sessionTimeoutMs` (a third of it or less is advised). */
  readonly heartbeatIntervalMs: number;
  /** `partition.assignment.strategy`, in preference order. */
  readonly assignors: readonly PartitionAssignor[];
  /** `client.rack`, sent in the subscription for rack-aware assignors, or null. */
  readonly clientRack: string | null;
  /** `retry.backoff.ms`: first wait after a failed join, sync or heartbeat (doubling to the cluster's `retryBackoffMaxMs`). */
  readonly retryBackoffMs: number;
  /** `request.timeout.ms` of heartbeats, commits, offset reads and LeaveGroup attempts. */
  readonly requestTimeoutMs: number;
  /** `default.api.timeout.ms`: default overall time of commitOffsets/fetchCommittedOffsets. Default 60000. */
  readonly defaultApiTimeoutMs?: number;
  readonly logger: Logger;
}

export interface ResolvedMembershipOptions extends Required<MembershipOptions> {
  /** From the assignors: COOPERATIVE when all of them support it, else EAGER. */
  readonly rebalanceProtocol: RebalanceProtocol;
}

function positiveInteger(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > INT32_MAX) {
    throw new KafkaConfigError(`${name} must be an integer from ${min} to ${INT32_MAX}, got ${String(value)}`);
  }
  return value;
}

function optionalName(name: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0) throw new KafkaConfigError(`${name} must be a non-empty string or null, got ${JSON.stringify(value)}`);
  return value;
}

/** Validates the options; throws `KafkaConfigError` naming the first problem. */
export function resolveMembershipOptions(options: MembershipOptions): ResolvedMembershipOptions {
  if (typeof options !== 'object' || options === null) throw new KafkaConfigError('group membership options must be an object');
  if (typeof options.groupId !== 'string' || options.groupId.length === 0) throw new KafkaConfigError('groupId must be a non-empty string for group membership');
  const groupInstanceId = optionalName('groupInstanceId', options.groupInstanceId);
  const clientRack = optionalName('clientRack', options.clientRack);
  const sessionTimeoutMs = positiveInteger('sessionTimeoutMs', options.sessionTimeoutMs);
  const rebalanceTimeoutMs = positiveInteger('maxPollIntervalMs (the rebalance timeout)', options.rebalanceTimeoutMs);
  const heartbeatIntervalMs = positiveInteger('heartbeatIntervalMs', options.heartbeatIntervalMs);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new KafkaConfigError(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be lower than sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  const retryBackoffMs = positiveInteger('retryBackoffMs', options.retryBackoffMs, 0);
  const requestTimeoutMs = positiveInteger('requestTimeoutMs', options.requestTimeoutMs);
  const defaultApiTimeoutMs = positiveInteger('defaultApiTimeoutMs', options.defaultApiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS);
  if (!Array.isArray(options.assignors)) throw new KafkaConfigError('assignors must be an array of partition assignors');
  for (const assignor of options.assignors) {
    if (typeof assignor !== 'object' || assignor === null || typeof assignor.assign !== 'function' || !Array.isArray(assignor.supportedProtocols)) {
      throw new KafkaConfigError('every assignor must have a name, supportedProtocols and an assign() method');
    }
  }
  const rebalanceProtocol = chooseRebalanceProtocol(options.assignors);
  if (!isLogger(options.logger)) throw new KafkaConfigError('logger must have debug, info, warn and error methods');
  return {
    groupId: options.groupId,
    groupInstanceId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    heartbeatIntervalMs,
    assignors: [...options.assignors],
    clientRack,
    retryBackoffMs,
    requestTimeoutMs,
    defaultApiTimeoutMs,
    logger: options.logger,
    rebalanceProtocol,
  };
}
