import { ingestConsumerSettings } from '../../consumers/ingestConsumer';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { createKafka } from '../../src/kafka/kafkaClient';
import { silentLogger } from '../../src/logging/logger';

/**
 * The consumer side of the Kafka-hop measurement (kafkaHop.ts), in a process of its own as the
 * relay's consumer is: bare kafkajs with the relay's client and consumer settings, reading
 * HOP_TOPIC as group HOP_GROUP; it tells its parent when it joined and, batch by batch, how long
 * each record took from its timestamp (the producer's send) to eachBatch, in ms.
 */
async function main(): Promise<void> {
  const config = loadRelayConfig(process.env);
  const topic = process.env.HOP_TOPIC ?? '';
  const consumer = createKafka(config.kafka, silentLogger, 'kafka-hop').consumer({ ...ingestConsumerSettings(config), groupId: process.env.HOP_GROUP ?? '' });
  consumer.on(consumer.events.GROUP_JOIN, () => process.send?.({ joined: true }));
  process.once('disconnect', () => void consumer.disconnect().finally(() => process.exit(0)));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Math.max(1, Math.min(config.topicPartitions, 16)),
    eachBatch: async (payload) => {
      // Whole milliseconds, like the record's timestamp and the consumer's span start it is set against.
      const now = Date.now();
      const { messages } = payload.batch;
      process.send?.({ latencies: messages.map((message) => now - Number(message.timestamp)) });
      for (const message of messages) payload.resolveOffset(message.offset);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
