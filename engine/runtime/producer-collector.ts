/**
 * The runtime's RecordCollector: sinks, change-logging stores and dead-letter records send
 * through the app's one producer. Sends are not awaited one by one; their failures go to the
 * production exception handler as they arrive, and flush() (part of every commit) waits for all
 * acknowledgements and throws if the handler said fail, so a commit never covers a lost record.
 *
 * Under exactly-once the first send after a commit opens the producer's transaction (lazily, as
 * Kafka Streams does), and commit/abort end it. The acknowledged offsets of changelog records
 * are kept per partition: they become the tasks' checkpoints.
 */
import { KafkaError } from '../../storage/errors.js';
import type { GroupMetadata, OffsetAndMetadata, Producer, ProducerRecord, RecordMetadata } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import type { RecordHeader } from '../../storage/types.js';
import { TopologyError } from '../topology/topology.js';
import { describeError, StreamsError } from './errors.js';
import type { DeadLetter, ExceptionHandlers } from './exception-handlers.js';
import type { RecordCollector } from './record-collector.js';

/** Errors that mean another producer took over: no handler decides, the tasks migrate. */
const FENCING = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'UNKNOWN_PRODUCER_ID']);

export function isFencing(err: unknown): boolean {
  return err instanceof KafkaError && FENCING.has(err.code);
}

/**
 * A producer taking Kafka's send(record, callback) (the embedded one): the collector then sends
 * record by record without a promise and two closures each.
 */
interface CallbackProducer {
  sendWithCallback(record: ProducerRecord, callback: { onCompletion(error: Error | null, metadata: RecordMetadata | null): void }): void;
}

function takesCallbacks(producer: Producer): producer is Producer & CallbackProducer {
  return typeof (producer as Partial<CallbackProducer>).sendWithCallback === 'function';
}

/** One record on its way: what the producer sends, and what a failure report needs. */
class PendingSend implements ProducerRecord, DeadLetter {
  constructor(
    private readonly collector: ProducerCollector,
    readonly topic: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: RecordHeader[],
    readonly timestamp: number,
    readonly partition: number | undefined,
    readonly deadLetter: boolean,
    readonly epoch: number,
  ) {}

  onCompletion(error: Error | null, metadata: RecordMetadata | null): void {
    this.collector.completed(this, error, metadata);
  }
}

export class ProducerCollector implements RecordCollector {
  /** Next offset after the last acknowledged record, by partition, per changelog topic (null: not a changelog). */
  private readonly acked = new Map<string, number[] | null>();
  private callbacks: boolean;
  private outstanding = 0;
  private drained: (() => void)[] = [];
  private failure: Error | null = null;
  private inTransaction = false;
  /** Set while tasks close dirty: what their stores flush while closing must not be written. */
  discarding = false;
  /** Bumped by abort: late failures of aborted sends are expected and ignored. */
  private epoch = 0;
  sent = 0;

  constructor(
    private producer: Producer,
    private readonly eos: boolean,
    private readonly partitionCounts: Map<string, number>,
    private readonly isChangelog: (topic: string) => boolean,
    private readonly handlers: () => ExceptionHandlers,
    private readonly logger: Logger,
  ) {
    this.callbacks = takesCallbacks(producer);
  }

  /** After the old producer was fenced: continue with a new one. */
  replaceProducer(producer: Producer): void {
    this.producer = producer;
    this.callbacks = takesCallbacks(producer);
    this.inTransaction = false;
    this.failure = null;
    this.epoch++;
  }

  get transactionOpen(): boolean {
    return this.inTransaction;
  }

  partitionsFor(topic: string): number {
    const n = this.partitionCounts.get(topic);
    if (n === undefined) throw new TopologyError(`The partition count of topic '${topic}' is unknown: a sink with a partitioner writes to topics that exist when the app starts. Create '${topic}' first.`);
    return n;
  }

  send(topic: string, key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, partition: number | undefined): void {
    this.write(topic, key, value, headers, timestamp, partition, false);
  }

  sendDeadLetter(record: DeadLetter): void {
    this.write(record.topic, record.key, record.value, record.headers, record.timestamp, undefined, true);
  }

  /** The next offset after the last acknowledged record of a changelog partition (checkpoints). */
  changelogOffset(topic: string, partition: number): number | undefined {
    return this.acked.get(topic)?.[partition];
  }

  private write(topic: string, key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, partition: number | undefined, deadLetter: boolean): void {
    if (this.discarding) return;
    // Stop feeding a producer whose output can no longer commit.
    if (this.failure) throw this.failure;
    if (this.eos && !this.inTransaction) {
      this.producer.beginTransaction();
      this.inTransaction = true;
    }
    this.outstanding++;
    this.sent++;
    const send = new PendingSend(this, topic, key, value, headers, timestamp, partition, deadLetter, this.epoch);
    if (this.callbacks) {
      (this.producer as Producer & CallbackProducer).sendWithCallback(send, send);
      return;
    }
    let sending;
    try {
      sending = this.producer.send({ topic, key, value, headers, timestamp, partition });
    } catch (err) {
      sending = Promise.reject(err as Error);
    }
    sending.then(
      (meta) => this.completed(send, null, meta),
      (err: unknown) => this.completed(send, err, null),
    );
  }

  /** A send's outcome (from the producer's callback or promise): metadata, or what failed it. */
  completed(send: PendingSend, error: unknown, meta: RecordMetadata | null): void {
    if (meta !== null) {
      const m = meta;
      let offsets = this.acked.get(m.topic);
      if (offsets === undefined) {
        offsets = this.isChangelog(m.topic) ? [] : null;
        this.acked.set(m.topic, offsets);
      }
      if (offsets !== null && m.offset + 1 > (offsets[m.partition] ?? 0)) offsets[m.partition] = m.offset + 1;
    } else if (send.epoch === this.epoch) {
      this.failed(error, send, send.partition, send.deadLetter);
    }
    this.settle();
  }

  private settle(): void {
    if (--this.outstanding > 0) return;
    const waiters = this.drained;
    this.drained = [];
    for (const w of waiters) w();
  }

  private failed(err: unknown, record: DeadLetter, partition: number | undefined, deadLetter: boolean): void {
    if (this.failure) return;
    if (isFencing(err)) {
      this.failure = new StreamsError('TASK_MIGRATED', `The producer was fenced (${describeError(err)}): another instance owns this app's transactional id or the transaction timed out.`, { cause: err });
      return;
    }
    if (deadLetter) {
      this.failure = new StreamsError('PRODUCTION_FAILED', `Writing to dead-letter topic ${record.topic} failed: ${describeError(err)}.`, { cause: err });
      return;
    }
    const failed = { topic: record.topic, partition: partition ?? -1, offset: -1, timestamp: record.timestamp, key: record.key, value: record.value, headers: record.headers };
    let response;
    try {
      response = this.handlers().handle('production', err, failed, `the producer (sending to ${record.topic})`);
    } catch (handlerErr) {
      response = 'fail';
      this.logger.error('Handling a production error failed', { error: describeError(handlerErr) });
    }
    if (response === 'fail') this.failure = new StreamsError('PRODUCTION_FAILED', `Sending a record to ${record.topic} failed: ${describeError(err)}.`, { cause: err });
  }

  /** Waits for every send's acknowledgement; throws the failure that stops commits, if any. */
  async flush(): Promise<void> {
    await this.producer.flush();
    while (this.outstanding > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Exactly-once commit: output, changelogs and input offsets in one transaction. */
  async commitTransaction(offsets: OffsetAndMetadata[], group: GroupMetadata): Promise<void> {
    if (!this.inTransaction) {
      if (offsets.length === 0) return;
      this.producer.beginTransaction();
      this.inTransaction = true;
    }
    await this.flush();
    if (offsets.length > 0) await this.producer.sendOffsetsToTransaction(offsets, group);
    await this.producer.commitTransaction();
    this.inTransaction = false;
  }

  /**
   * Drops everything sent since the last commit (exactly-once); failures of those sends are
   * forgotten. Returns false when the producer cannot go on (fenced, or the abort failed): the
   * caller replaces it, and initTransactions() of the new one finishes the abort.
   */
  async abortTransaction(): Promise<boolean> {
    this.epoch++;
    this.failure = null;
    if (!this.inTransaction) return true;
    this.inTransaction = false;
    try {
      await this.producer.abortTransaction();
      return true;
    } catch (err) {
      this.logger.warn('Aborting the transaction failed; the producer will be replaced', { error: describeError(err) });
      return false;
    }
  }
}
