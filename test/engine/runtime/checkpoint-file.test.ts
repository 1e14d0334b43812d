import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint, TaskCheckpoint, usableCheckpoint } from '../../../engine/runtime/checkpoint-file.js';
import { tpKey } from '../../../storage/types.js';
import { tempDir } from '../../helpers/tmp.js';

// Kafka Streams' OffsetCheckpoint layout: version, entry count, then "<topic> <partition> <offset>" lines.
const FIXTURE = Buffer.from('30 0a 32 0a 61 70 70 2d 61 2d 63 68 61 6e 67 65 6c 6f 67 20 33 20 31 30 34 32 0a 61 70 70 2d 62 2d 63 68 61 6e 67 65 6c 6f 67 20 33 20 37 37 0a'.replace(/ /g, ''), 'hex');

describe('task checkpoint file', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => void (tmp = tempDir('freshet-ckpt-')));
  afterEach(() => tmp.cleanup());

  it('encodes entries sorted by topic and partition, byte for byte', () => {
    const bytes = encodeCheckpoint([
      { topic: 'app-b-changelog', partition: 3, offset: 77 },
      { topic: 'app-a-changelog', partition: 3, offset: 1042 },
    ]);
    expect(bytes.toString('hex')).toBe(FIXTURE.toString('hex'));
    expect(bytes.toString('utf8')).toBe('0\n2\napp-a-changelog 3 1042\napp-b-changelog 3 77\n');
  });

  it('writes unchanged entries again only when the file is gone', () => {
    const checkpoint = new TaskCheckpoint(join(tmp.dir, '0_0'));
    const entries = [{ topic: 'app-a-changelog', partition: 0, offset: 5 }];
    checkpoint.writeIfChanged(entries);
    expect(checkpoint.read()).toEqual(new Map([[tpKey('app-a-changelog', 0), 5]]));
    // Not rewritten for the same entries: a marker put in its place stays.
    writeFileSync(checkpoint.path, '0\n0\n');
    checkpoint.writeIfChanged(entries);
    expect(readFileSync(checkpoint.path, 'utf8')).toBe('0\n0\n');
    checkpoint.writeIfChanged([{ ...entries[0]!, offset: 6 }]);
    expect(checkpoint.read()).toEqual(new Map([[tpKey('app-a-changelog', 0), 6]]));
    checkpoint.delete();
    checkpoint.writeIfChanged([{ ...entries[0]!, offset: 6 }]);
    expect(checkpoint.read()).toEqual(new Map([[tpKey('app-a-changelog', 0), 6]]));
  });

  it('decodes what it encodes, and rejects damaged files', () => {
    expect(decodeCheckpoint(FIXTURE)).toEqual([
      { topic: 'app-a-changelog', partition: 3, offset: 1042 },
      { topic: 'app-b-changelog', partition: 3, offset: 77 },
    ]);
    expect(decodeCheckpoint(Buffer.from('0\n0\n'))).toEqual([]);
    for (const bad of ['1\n0\n', '0\n2\nt 0 1\n', '0\n1\nt x 1\n', '0\n1\nt 0 -1\n', '']) {
      expect(() => decodeCheckpoint(Buffer.from(bad)), JSON.stringify(bad)).toThrow(CheckpointFormatError);
    }
  });

  it('writes atomically into the task directory and reads back offsets by partition', () => {
    const ckpt = new TaskCheckpoint(join(tmp.dir, '0_1'));
    expect(ckpt.read()).toBeNull();
    ckpt.write([{ topic: 't', partition: 1, offset: 5 }]);
    expect(readFileSync(join(tmp.dir, '0_1', '.checkpoint'), 'utf8')).toBe('0\n1\nt 1 5\n');
    expect([...ckpt.read()!.values()]).toEqual([5]);
    writeFileSync(join(tmp.dir, '0_1', '.checkpoint'), 'garbage');
    expect(() => ckpt.read()).toThrow(CheckpointFormatError);
    ckpt.delete();
    expect(ckpt.exists()).toBe(false);
  });

  it('says which checkpoint a task (active or standby) may resume from', () => {
    const ckpt = new TaskCheckpoint(join(tmp.dir, '0_2'));
    const changelogs = [{ topic: 'c', partition: 2 }];
    const problems: string[] = [];
    const usable = (ends: number[]) => usableCheckpoint(ckpt, changelogs, ends, (p) => problems.push(p));
    expect(usable([10])).toBeNull();
    expect(problems).toEqual([]);
    ckpt.write([{ topic: 'c', partition: 2, offset: 7 }]);
    expect(usable([7])).toEqual(new Map([['c\u00002', 7]]));
    // Beyond the changelog's end: the changelog was recreated, the local state is foreign.
    expect(usable([6])).toBeNull();
    writeFileSync(ckpt.path, 'garbage');
    expect(usable([10])).toBeNull();
    expect(problems).toEqual(['its checkpoint is ahead of its changelog', expect.stringMatching(/^its checkpoint is damaged/)]);
  });
});
