/**
 * kafkats/protocol: the Kafka wire protocol layer on its own.
 *
 * - `Reader` / `Writer`: protocol primitives over Buffers, bounds-checked.
 * - The error hierarchy (`KafkaError` and subclasses) and Kafka's error-code table.
 * - One `ApiDescriptor` per Kafka API (`Produce`, `Fetch`, `Metadata`, ...) with request/response
 *   types and codecs for every version, `API_BY_KEY` and `ApiKey`; `DataDescriptor`s for the
 *   standalone structures (`RequestHeader`, `ResponseHeader`, `ConsumerProtocolSubscription`, ...).
 */
export * from './errors.js';
export type * from './api.js';
export * from './primitives/index.js';
export * from './generated/index.js';
