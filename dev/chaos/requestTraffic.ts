import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import { recordValue, type ChaosRecord } from './chaosRecord';

/** How long one batch may keep failing (broker down, restarting) before the run gives up on it. */
const sendDeadlineMs = 180_000;

/**
 * The upstream producer of a scenario. A send that fails (the broker is being killed) is tried
 * again until the broker acknowledges it, as a careful upstream would: a retried send may land
 * twice on the topic, which the relay must absorb (one run per request id).
 */
export class RequestTraffic {
  /** Records acknowledged by the broker so far. */
  sent = 0;
  /** Sends that failed and were tried again. */
  retries = 0;
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({ retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 } });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  /** Sends everything now, in batches of up to 100 (gzip records in their own compressed batches). */
  async sendAll(records: readonly ChaosRecord[]): Promise<void> {
    for (let at = 0; at < records.length; at += 100) await this.sendBatch(records.slice(at, at + 100));
  }

  /** Sends at a steady rate (records per second; below 10/s too), looking every tenth of a second what is due: the first at once. */
  async sendSteadily(records: readonly ChaosRecord[], perSecond: number): Promise<void> {
    const started = Date.now();
    let at = 0;
    while (at < records.length) {
      const due = Math.min(records.length, Math.floor(((Date.now() - started) / 1000) * perSecond) + 1);
      if (due > at) {
        await this.sendBatch(records.slice(at, due));
        at = due;
      }
      if (at < records.length) await sleep(100);
    }
  }

  /** Resolves once at least `count` records were acknowledged. */
  async waitSent(count: number): Promise<void> {
    while (this.sent < count) await sleep(50);
  }

  private async sendBatch(records: readonly ChaosRecord[]): Promise<void> {
    const plain = records.filter((record) => !record.gzip);
    if (plain.length > 0) await this.sendUntilAcknowledged(plain, CompressionTypes.None);
    for (const record of records.filter((candidate) => candidate.gzip)) await this.sendUntilAcknowledged([record], CompressionTypes.GZIP);
  }

  private async sendUntilAcknowledged(records: readonly ChaosRecord[], compression: CompressionTypes): Promise<void> {
    const messages: Message[] = records.map((record) => ({ key: record.key, value: recordValue(record), headers: record.headers }));
    const deadline = Date.now() + sendDeadlineMs;
    for (;;) {
      try {
        await this.producer.send({ topic: this.topic, acks: -1, compression, messages });
        this.sent += records.length;
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        this.retries += 1;
        await sleep(500);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
