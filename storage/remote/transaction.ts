/**
 * The transaction state of a remote producer, mapped onto the library's transactions. The
 * interface's calls are the Java client's (initTransactions once, then begin/commit/abort, with
 * a synchronous beginTransaction); the library instead opens a transaction object with an
 * asynchronous call (which also runs InitProducerId the first time). So initTransactions opens
 * the first library transaction, and each beginTransaction opens the next one in the
 * background; sends and offsets wait for it.
 */
import type { MessageToProduce, Producer as LibraryProducer, ProduceResult } from '@platformatic/kafka';
import { KafkaError } from '../errors.js';
import { toKafkaError } from './errors.js';

// The library does not export its Transaction class, only the producer's getter of it.
type LibraryTransaction = NonNullable<LibraryProducer['transaction']>;

type State = 'uninitialized' | 'ready' | 'in-transaction' | 'completing' | 'fatal';

export class RemoteTransaction {
  private state: State = 'uninitialized';
  private current: LibraryTransaction | null = null;
  private opening: Promise<LibraryTransaction> | null = null;
  /** Whether anything (records or offsets) joined the open transaction; an empty one ends locally. */
  private hasWork = false;
  private error: KafkaError | null = null;

  constructor(
    private readonly lib: LibraryProducer,
    readonly id: string,
  ) {}

  /** Throws unless records may be sent now (inside an open transaction). */
  checkSendable(): void {
    if (this.state === 'uninitialized') throw new KafkaError('INVALID_TXN_STATE', 'A transactional producer must call initTransactions() before sending.');
    if (this.state === 'ready' || this.state === 'completing') {
      throw new KafkaError('INVALID_TXN_STATE', 'A transactional producer sends inside a transaction: call beginTransaction() first.');
    }
    if (this.state === 'fatal') throw new KafkaError('INVALID_TXN_STATE', `Transactional producer '${this.id}' hit a fatal error (it was fenced): close it and create a new one.`);
  }

  checkOpen(what: string): void {
    if (this.state !== 'in-transaction') throw new KafkaError('INVALID_TXN_STATE', `${what} needs an open transaction: call beginTransaction() first.`);
  }

  private open(): Promise<LibraryTransaction> {
    const opening = this.lib.beginTransaction().then(
      (t) => {
        this.current = t;
        return t;
      },
      (err: unknown) => {
        throw toKafkaError(err, `Starting a transaction of '${this.id}'`);
      },
    );
    // A failure is reported by whoever waits for the transaction next.
    opening.catch(() => undefined);
    this.opening = opening;
    return opening;
  }

  async init(): Promise<void> {
    if (this.state !== 'uninitialized') throw new KafkaError('INVALID_TXN_STATE', 'initTransactions() was already called on this producer.');
    await this.open();
    this.state = 'ready';
  }

  begin(): void {
    if (this.state !== 'ready') {
      throw new KafkaError('INVALID_TXN_STATE', this.state === 'uninitialized' ? 'Call initTransactions() before beginTransaction().' : 'A transaction is already open: commit or abort it first.');
    }
    this.state = 'in-transaction';
    this.hasWork = false;
    this.error = null;
    if (this.current === null) void this.open();
  }

  /** The library transaction of the open transaction (waiting for it to open). */
  async ready(): Promise<LibraryTransaction> {
    if (this.current !== null) return this.current;
    if (this.opening === null) throw new KafkaError('INVALID_TXN_STATE', 'No transaction is open.');
    return this.opening;
  }

  recordSent(): void {
    this.hasWork = true;
  }

  offsetsAdded(): void {
    this.hasWork = true;
  }

  async send(messages: MessageToProduce[]): Promise<ProduceResult> {
    return (await this.ready()).send({ messages });
  }

  sendFailed(error: KafkaError): void {
    if (this.state === 'in-transaction' || this.state === 'completing') this.error ??= error;
  }

  startCompleting(kind: 'commit' | 'abort'): void {
    const ok = this.state === 'in-transaction' || (kind === 'abort' && this.state === 'completing');
    if (!ok) throw new KafkaError('INVALID_TXN_STATE', `No transaction is open to ${kind}.`);
    this.state = 'completing';
  }

  completionFailed(): void {
    if (this.state === 'completing') this.state = 'in-transaction';
  }

  setFatal(): void {
    this.state = 'fatal';
  }

  async commit(): Promise<void> {
    if (this.error) {
      throw new KafkaError('INVALID_TXN_STATE', `Cannot commit: a send in this transaction failed (${this.error.message}). Abort the transaction.`, { cause: this.error });
    }
    const t = await this.ready();
    try {
      if (this.hasWork) await t.commit();
      else await t.cancel();
    } catch (err) {
      throw toKafkaError(err, `Committing transaction '${this.id}'`);
    }
    this.finish();
  }

  async abort(): Promise<void> {
    let t: LibraryTransaction | null = this.current;
    if (t === null && this.opening !== null) t = await this.opening.catch(() => null);
    try {
      if (t !== null && !t.completed) {
        if (this.hasWork) await t.abort();
        else await t.cancel();
      }
    } catch (err) {
      throw toKafkaError(err, `Aborting transaction '${this.id}'`);
    }
    this.finish();
  }

  private finish(): void {
    this.current = null;
    this.opening = null;
    this.hasWork = false;
    this.error = null;
    this.state = 'ready';
  }
}
