/** Small file helpers shared by the log's files. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/** Writes a whole file through a temporary name and a rename, so a crash leaves old or new, never half. */
export function writeFileAtomic(path: string, data: Buffer | string, sync = false): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** `<offset, 20 digits>`: how Kafka names a segment's files. */
export function offsetFileName(offset: number, suffix: string): string {
  return `${String(offset).padStart(20, '0')}${suffix}`;
}
