import type { Consumer, Kafka } from 'kafkajs';
import { headersAsText } from '../../src/kafka/messageHeaders';
import { eventually, uniqueName } from './testInfrastructure';

export interface RecordedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Reads topics from the beginning with its own group and keeps every record, for assertions. */
export class TopicRecorder {
  readonly records: RecordedRecord[] = [];
  private readonly consumer: Consumer;

  private constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({ groupId: uniqueName('recorder'), sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  }

  static async start(kafka: Kafka, topics: string[]): Promise<TopicRecorder> {
    const recorder = new TopicRecorder(kafka);
    try {
      await recorder.consumer.connect();
      await recorder.consumer.subscribe({ topics, fromBeginning: true });
      await recorder.consumer.run({
        eachMessage: ({ topic, partition, message }) => {
          recorder.records.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString(),
            value: message.value ?? Buffer.alloc(0),
            headers: headersAsText(message.headers),
          });
          return Promise.resolve();
        },
      });
    } catch (error) {
      // Also after a failed connect: kafkajs may hold a half-open connection. The start error is the one to report.
      await recorder.consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return recorder;
  }

  on(topic: string): RecordedRecord[] {
    return this.records.filter((record) => record.topic === topic);
  }

  /** Waits until `count` records on the topic match (default: any record). */
  async waitFor(topic: string, count: number, match: (record: RecordedRecord) => boolean = () => true, timeoutMs = 60_000): Promise<RecordedRecord[]> {
    return eventually(
      () => {
        const found = this.on(topic).filter(match);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      `${count} record(s) on ${topic}`,
    );
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
