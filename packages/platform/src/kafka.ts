// @millrace/platform/kafka: the Kafka driver itself, for tools that want it without the runtime (loads the Kafka client).
export { createKafkaDriver, type KafkaDriverOptions } from './events/drivers/kafka-driver.ts';
export { KafkaSender } from './events/drivers/kafka-sender.ts';
