/**
 * The typed errors of consumer-group membership, as the Java client's CommitFailedException and
 * RebalanceInProgressException: callers tell them apart with `instanceof` and by `errorName`.
 */
import { KafkaError } from '../../protocol/errors.js';

const REBALANCE_IN_PROGRESS = 27;

/**
 * An offset commit that cannot succeed: the member is no longer part of the group (its generation
 * was fenced by ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID, it left after the poll interval expired, or
 * it never joined), or partitions it owned when the commit started were revoked or lost meanwhile.
 * Not retriable as is: the member rejoins on its next poll and the partitions' new owner continues
 * from the last successful commit.
 */
export class KafkaCommitFailedError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: -1, errorName: 'COMMIT_FAILED', retriable: false, cause: options.cause });
  }
}

/**
 * The group is rebalancing and the operation could not wait for it to finish (e.g. a commit made
 * from inside a rebalance callback while the coordinator refuses commits). Not fatal: poll again
 * to complete the rebalance, then retry.
 */
export class KafkaRebalanceInProgressError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: REBALANCE_IN_PROGRESS, errorName: 'REBALANCE_IN_PROGRESS', retriable: false, cause: options.cause });
  }
}

/** A rebalance callback of the consumer (its onPartitionsRevoked/Assigned/Lost) failed; the rebalance itself went on. */
export class KafkaRebalanceCallbackError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: -1, errorName: 'REBALANCE_CALLBACK_FAILED', retriable: false, cause: options.cause });
  }
}
