/**
 * The application's state directory, `<stateDir>/<applicationId>/`:
 *
 *   .lock          pid of the process running the app here (one instance per directory)
 *   .process-id    this instance's UUID, kept across restarts (names the transactional producer)
 *   0_1/           one directory per task: its persistent stores and its `.checkpoint`
 *
 * The process id lives here, as Kafka Streams keeps it in its state directory, so a restarted
 * instance reuses its transactional.id: initTransactions() then fences the crashed incarnation
 * and aborts its open transaction at once, instead of readers waiting for the timeout.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamsError } from './errors.js';

/** Directories locked by apps of this process (a second app on one directory must fail too). */
const lockedHere = new Set<string>();

export class StateDirectory {
  readonly root: string;
  private locked = false;

  constructor(stateDir: string, applicationId: string) {
    this.root = join(stateDir, applicationId);
  }

  /** Takes the directory for this app instance, or throws STATE_DIR_LOCKED. */
  lock(): void {
    mkdirSync(this.root, { recursive: true });
    const path = join(this.root, '.lock');
    if (lockedHere.has(this.root)) throw this.lockedError(process.pid);
    if (existsSync(path)) {
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw this.lockedError(pid);
    }
    writeFileSync(path, `${process.pid}\n`);
    lockedHere.add(this.root);
    this.locked = true;
  }

  private lockedError(pid: number): StreamsError {
    return new StreamsError('STATE_DIR_LOCKED', `State directory ${this.root} is in use by another instance of this application (process ${pid}). Give each instance its own stateDir.`);
  }

  unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    lockedHere.delete(this.root);
    rmSync(join(this.root, '.lock'), { force: true });
  }

  /** This instance's stable UUID, created on first use. */
  processId(): string {
    const path = join(this.root, '.process-id');
    try {
      const id = readFileSync(path, 'utf8').trim();
      if (/^[0-9a-f-]{36}$/.test(id)) return id;
    } catch {
      // first start here: make one
    }
    const id = randomUUID();
    mkdirSync(this.root, { recursive: true });
    writeFileSync(path, `${id}\n`);
    return id;
  }

  taskDir(taskId: string): string {
    return join(this.root, taskId);
  }

  /** Deletes a task's stores and checkpoint: its state is rebuilt from the changelogs. */
  wipeTask(taskId: string): void {
    rmSync(this.taskDir(taskId), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
