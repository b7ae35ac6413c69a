/**
 * The producer: `KafkaProducer` and its types.
 */
export { KafkaProducer, type KafkaProducerConstructor, type Serializable, type ProducerCloseOptions, type ProducerRecord, type ProducerSendOptions, type RecordMetadata } from './producer.js';
export { type Acks, type ProducerCompressionType, type ProducerOptions } from './options.js';
export { murmur2, partitionForKey, type PartitionInfo, type Partitioner, type PartitionerInput } from './partitioner.js';
export { type ProducerHeader, type ProducerHeaders, type SerializedBytes, type Serializer, type SerializerFunction, type SerializerOption } from './serializers.js';
export { KafkaDeliveryTimeoutError, KafkaRecordTooLargeToSendError } from './errors.js';
export { type BrokerProducerMetrics, type ProducerMetrics } from './metrics.js';
