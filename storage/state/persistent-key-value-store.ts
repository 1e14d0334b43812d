/**
 * The persistent key-value bytes store: RocksDB (or LevelDB) in `<stateDir>/<store name>/`.
 *
 * Writes never wait for the disk: they land in a pending-write buffer (a SortedKeyMap, ordered
 * once a scan needs it, where null marks a delete), which reads consult first and scans merge
 * over the engine's keys in order. flush() writes the buffer as one batch (≈535k keys/s on RocksDB where one awaited
 * put costs ~35 µs); once it resolves the writes are in the engine's write-ahead log, so a
 * checkpoint written after it is truthful across a process crash (`syncWrites` extends that to
 * an OS crash). A buffer beyond `maxPendingBytes` is written early, so memory stays bounded
 * between commits.
 *
 * Entries leave the buffer only after the batch holding them is written, and only when not
 * overwritten meanwhile, so reads during an asynchronous (LevelDB) write stay correct; an entry
 * already queued for a batch is not queued again.
 */
import { join } from 'node:path';
import { resolveBackend } from './backend-loader.js';
import { Lifecycle, latin1, type RangeDeletableBytesStore } from './bytes-store.js';
import { FilterCursor, inRange, OverlayCursor, type Cursor, type KeyRange } from './cursor.js';
import {
  DEFAULT_BLOCK_CACHE_BYTES,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_WRITE_BUFFER_BYTES,
  type BackendKind,
  type DeleteRange,
  type PersistentBackend,
  type PersistentStoreOptions,
} from './persistent-backend.js';
import { SortedKeyMap } from './sorted-keys.js';
import { ioError } from './state-errors.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';

/** Rough per-entry overhead of the pending buffer (map entry, chunk slot, key string header). */
const ENTRY_OVERHEAD = 64;

/** A buffered write; `queued` once a batch holding it is on its way to the engine. */
interface PendingWrite {
  value: Buffer | null;
  queued: boolean;
}

const pendingValue = (w: PendingWrite): Buffer | null => w.value;

export class PersistentKeyValueBytesStore implements RangeDeletableBytesStore {
  readonly persistent = true;
  private backend: PersistentBackend | null = null;
  private readonly pending = new SortedKeyMap<PendingWrite>();
  private pendingBytes = 0;
  /** Ranges deleted since the last write: hidden from engine reads until written. */
  private deletedRanges: DeleteRange[] = [];
  private writing: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private writeError: unknown = null;
  private readonly lifecycle: Lifecycle;
  private readonly maxPendingBytes: number;

  constructor(
    readonly name: string,
    private readonly options: PersistentStoreOptions = {},
  ) {
    this.lifecycle = new Lifecycle(name);
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  }

  /** The engine in use (after init). */
  get backendKind(): BackendKind | null {
    return this.backend?.kind ?? null;
  }

  /** Writes buffered for the next batch (diagnostics). */
  get pendingWrites(): number {
    return this.pending.size;
  }

  async init(context: StateStoreContext, _root: StateStore): Promise<void> {
    this.lifecycle.beginInit();
    const dir = join(context.stateDir, this.name);
    const { open } = resolveBackend(this.options.backend ?? 'auto', dir, this.name);
    this.backend = await open({
      dir,
      storeName: this.name,
      blockCacheBytes: this.options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES,
      writeBufferBytes: this.options.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES,
      syncWrites: this.options.syncWrites ?? false,
    });
    this.lifecycle.state = 'open';
  }

  isOpen(): boolean {
    return this.lifecycle.isOpen;
  }

  get(key: string): Buffer | null {
    this.lifecycle.check();
    const p = this.pending.get(key);
    if (p !== undefined) return p.value;
    if (this.deletedRanges.length > 0 && this.inDeletedRange(key)) return null;
    return this.backend!.get(key) ?? null;
  }

  put(key: string, value: Buffer | null, _timestamp: number): void {
    this.lifecycle.check();
    this.pending.set(key, { value, queued: false });
    this.pendingBytes += key.length + (value === null ? 0 : value.length) + ENTRY_OVERHEAD;
    if (this.pendingBytes > this.maxPendingBytes) this.spill();
  }

  deleteRange(from: string | undefined, to: string | undefined): void {
    this.lifecycle.check();
    this.pending.deleteRange(from, to);
    this.deletedRanges.push({ from, to });
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    this.lifecycle.check();
    let under = this.backend!.cursor(range);
    if (this.deletedRanges.length > 0) {
      const ranges = this.deletedRanges.slice();
      under = new FilterCursor(under, (k) => !ranges.some((r) => inRange(k, { from: r.from, to: r.to, toExclusive: true })));
    }
    // Always overlay, even on an empty buffer: writes made while the scan is open must show up.
    return new OverlayCursor(this.pending.cursor(range), pendingValue, under, range.reverse === true);
  }

  approximateNumEntries(): number {
    this.lifecycle.check();
    return this.backend!.approximateNumEntries() + this.pending.size;
  }

  async restore(records: readonly ChangelogRecord[]): Promise<void> {
    this.lifecycle.check();
    for (const r of records) this.put(latin1(r.key), r.value, r.timestamp);
    await this.flush();
  }

  /** Writes the pending buffer as one batch; resolves when it is in the engine's log. */
  async flush(): Promise<void> {
    this.lifecycle.check();
    this.writePending();
    await this.writing;
    this.throwWriteError();
  }

  async close(): Promise<void> {
    if (this.lifecycle.state !== 'open') {
      this.lifecycle.state = 'closed';
      return;
    }
    // A clean close keeps every write; an unclean one is repaired from the changelog anyway.
    try {
      this.writePending();
      await this.writing;
    } finally {
      this.lifecycle.state = 'closed';
      this.pending.clear();
      await this.backend!.close();
    }
    this.throwWriteError();
  }

  private spill(): void {
    // A failed early write surfaces here (RocksDB) or at the next flush (LevelDB).
    this.throwWriteError();
    this.writePending();
  }

  /**
   * Writes everything pending now. RocksDB writes synchronously, so a spill frees memory at
   * once; LevelDB's asynchronous writes queue up and run one at a time, in order.
   */
  private writePending(): void {
    if (this.pending.size === 0 && this.deletedRanges.length === 0) return;
    const keys: string[] = [];
    const writes: PendingWrite[] = [];
    const values: (Buffer | null)[] = [];
    // A batch needs no key order: the engine sorts it into its memtable.
    this.pending.forEachUnordered((w, k) => {
      if (w.queued) return;
      w.queued = true;
      keys.push(k);
      writes.push(w);
      values.push(w.value);
    });
    const batch = { keys, values };
    const ranges = this.deletedRanges.slice();
    this.pendingBytes = 0;
    const backend = this.backend!;
    if (this.inFlight === 0 && backend.writeSync !== undefined) {
      try {
        backend.writeSync(ranges, batch);
      } catch (err) {
        this.writeError = err;
        throw ioError(this.name, 'write pending changes', err);
      }
      this.written(ranges, keys, writes);
      return;
    }
    this.inFlight++;
    this.writing = this.writing.then(async () => {
      try {
        if (this.writeError !== null) return;
        await backend.write(ranges, batch);
        this.written(ranges, keys, writes);
      } catch (err) {
        this.writeError = err;
      } finally {
        this.inFlight--;
      }
    });
  }

  private written(ranges: readonly DeleteRange[], keys: readonly string[], writes: readonly PendingWrite[]): void {
    let current = 0;
    for (let i = 0; i < keys.length; i++) if (this.pending.get(keys[i]!) === writes[i]) current++;
    // The usual case, nothing written meanwhile: empty the buffer at once.
    if (current === this.pending.size) this.pending.clear();
    else for (let i = 0; i < keys.length; i++) if (this.pending.get(keys[i]!) === writes[i]) this.pending.delete(keys[i]!);
    if (ranges.length > 0) this.deletedRanges = this.deletedRanges.filter((r) => !ranges.includes(r));
  }

  private throwWriteError(): void {
    if (this.writeError !== null) throw ioError(this.name, 'write pending changes', this.writeError);
  }

  private inDeletedRange(key: string): boolean {
    for (const r of this.deletedRanges) if (inRange(key, { from: r.from, to: r.to, toExclusive: true })) return true;
    return false;
  }
}
