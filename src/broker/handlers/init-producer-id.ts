/**
 * InitProducerId: a new producer id (epoch 0) for every idempotent producer, as Kafka gives one
 * to producers without a transactional id even when they ask to bump an existing id.
 *
 * Transactions are not served by the embedded broker: a transactional id is refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the answer of a Kafka cluster that does not let the
 * client use transactional ids, which producers treat as fatal rather than retrying forever.
 */
import { ErrorCode, InitProducerId, type InitProducerIdRequest, type InitProducerIdResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  api: InitProducerId,
  handle(request, context) {
    const failed = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (request.transactionalId !== null) return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // KIP-360: an existing id and epoch come together or not at all.
    if ((request.producerId === -1n) !== (request.producerEpoch === -1)) return failed(ErrorCode.INVALID_REQUEST);
    return { errorCode: ErrorCode.NONE, producerId: BigInt(context.services.cluster.allocateProducerId()), producerEpoch: 0 };
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode, producerId: -1n, producerEpoch: -1 };
  },
});
