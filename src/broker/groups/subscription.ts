/**
 * Reads the topics out of a consumer's subscription (the JoinGroup protocol metadata of groups
 * with protocol type "consumer"). The coordinator otherwise treats these bytes as opaque; it needs
 * the topics only to refuse OffsetDelete on topics the group still consumes.
 */
import { ConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.js';
import { Reader } from '../../protocol/primitives/reader.js';

/**
 * The subscribed topics, or null when the bytes do not hold a subscription. Every version of the
 * subscription starts with the version 0 fields, so they are read as version 0 whatever the
 * version says (as Kafka does), which keeps working for versions newer than ours.
 */
export function subscribedTopicsOf(metadata: Buffer): readonly string[] | null {
  try {
    const reader = new Reader(metadata);
    const version = reader.readInt16();
    if (version < 0) return null;
    return ConsumerProtocolSubscription.decode(reader, 0).topics;
  } catch {
    return null;
  }
}
