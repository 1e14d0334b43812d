/**
 * kcat 1.7 (librdkafka 2.0) against the listener: metadata, a keyed produce of 100k records
 * partitioned as the Java client would, reading them back, and a balanced consumer group of two
 * kcat processes. Skipped when kcat is not installed (CI installs it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { decodeAssignment } from '../../../storage/broker/consumer-protocol.js';
import { partitionForKey } from '../../../storage/broker/partitioner.js';
import { tempDir } from '../../helpers/tmp.js';
import { eventually, readTopic, startKafka, type KafkaHarness } from './helpers.js';

const KCAT = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'kcat')).find((p) => existsSync(p));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kcat(args: string[], opts: { stdinFile?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT!, args, { stdio: [opts.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.stdinFile) createReadStream(opts.stdinFile).pipe(child.stdin!);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!KCAT)(`kcat${KCAT ? '' : ' (skipped: kcat is not on PATH; CI installs it)'}`, () => {
  let k: KafkaHarness;
  const tmp = tempDir('freshet-kcat-');

  beforeAll(async () => {
    k = await startKafka();
  });

  afterAll(async () => {
    await k?.stop();
    tmp.cleanup();
  });

  it('kcat -L lists this node and the topics', async () => {
    k.broker.createTopic('meta-topic', { partitions: 3 });
    const run = await kcat(['-b', k.bootstrap, '-L', '-J']);
    expect(run.code).toBe(0);
    const meta = JSON.parse(run.stdout) as { brokers: { id: number; name: string }[]; topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[] };
    expect(meta.brokers).toEqual([{ id: k.broker.nodeId, name: `127.0.0.1:${k.port}` }]);
    const topic = meta.topics.find((t) => t.topic === 'meta-topic')!;
    expect(topic.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const p of topic.partitions) {
      expect(p).toMatchObject({ leader: k.broker.nodeId, replicas: [{ id: k.broker.nodeId }], isrs: [{ id: k.broker.nodeId }] });
    }
    const text = await kcat(['-b', k.bootstrap, '-L', '-t', 'meta-topic']);
    expect(text.stdout).toContain(`broker ${k.broker.nodeId} at 127.0.0.1:${k.port} (controller)`);
    expect(text.stdout).toContain('topic "meta-topic" with 3 partitions:');
  });

  it('produces 100k keyed records with murmur2_random onto the Java partitions, and consumes them back', async () => {
    const partitions = 6;
    const count = 100_000;
    k.broker.createTopic('kcat-keyed', { partitions });
    const lines = Array.from({ length: count }, (_, i) => `key-${i}:value-${i}-${'x'.repeat(i % 50)}`);
    const input = join(tmp.dir, 'keyed.txt');
    writeFileSync(input, lines.join('\n') + '\n');

    const produced = await kcat(['-b', k.bootstrap, '-P', '-K:', '-X', 'partitioner=murmur2_random', '-t', 'kcat-keyed'], { stdinFile: input });
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);

    const records = await readTopic(k.broker, 'kcat-keyed');
    expect(records).toHaveLength(count);
    for (const r of records) expect(r.partition).toBe(partitionForKey(r.key!, partitions));
    // Within a partition, the records keep the order kcat read them in.
    const index = (key: Buffer | null): number => Number(key!.toString().slice(4));
    for (let p = 0; p < partitions; p++) {
      const order = records.filter((r) => r.partition === p).map((r) => index(r.key));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }

    const consumed = await kcat(['-b', k.bootstrap, '-C', '-e', '-q', '-o', 'beginning', '-f', '%k:%s\\n', '-t', 'kcat-keyed']);
    expect(consumed.code).toBe(0);
    const got = consumed.stdout.split('\n').filter((l) => l !== '');
    expect(got).toHaveLength(count);
    expect(got.sort()).toEqual([...lines].sort());
  });

  it('authenticates with SASL/PLAIN, and fails with a wrong password', async () => {
    const secured = await startKafka({ listener: { sasl: { users: { kcat: 'kcat-secret' } } } });
    const sasl = (password: string): string[] => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=kcat', '-X', `sasl.password=${password}`, '-b', secured.bootstrap];
    try {
      secured.broker.createTopic('sasl-topic');
      const input = join(tmp.dir, 'sasl.txt');
      writeFileSync(input, 'one\ntwo\n');
      expect((await kcat([...sasl('kcat-secret'), '-P', '-t', 'sasl-topic'], { stdinFile: input })).code).toBe(0);
      const read = await kcat([...sasl('kcat-secret'), '-C', '-e', '-q', '-o', 'beginning', '-t', 'sasl-topic']);
      expect(read.stdout.split('\n').filter((l) => l !== '')).toEqual(['one', 'two']);
      const denied = await kcat([...sasl('wrong'), '-L', '-m', '1']);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('Authentication failed: Invalid username or password');
    } finally {
      await secured.stop();
    }
  });

  it('runs a consumer group of two kcat processes that split the partitions and commit offsets', async () => {
    const topic = 'kcat-grouped';
    const group = 'kcat-group';
    k.broker.createTopic(topic, { partitions: 4 });
    const args = [
      '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=100', '-X', 'fetch.wait.max.ms=100',
      '-b', k.bootstrap, '-G', group, '-q', '-u', '-f', '%p:%s\\n', topic,
    ];
    const outputs = ['', ''];
    const children: ChildProcess[] = [0, 1].map((i) => {
      const child = spawn(KCAT!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (outputs[i] += d));
      child.stderr!.resume();
      return child;
    });
    const exited = children.map((c) => new Promise<void>((resolve) => c.on('close', () => resolve())));
    try {
      const assigned = await eventually(() => {
        const d = k.broker.groups.describeGroup(group);
        if (d.state !== 'Stable' || d.members.length !== 2) return undefined;
        const parts = d.members.map((m) => (m.assignment.length > 0 ? decodeAssignment(m.assignment).assignedPartitions.flatMap((tp) => tp.partitions) : []));
        return parts.every((p) => p.length === 2) && parts;
      }, 30_000, 'a stable group of two kcat consumers with two partitions each');
      expect(assigned.flat().sort()).toEqual([0, 1, 2, 3]);

      const producer = k.broker.producer();
      await producer.sendBatch(Array.from({ length: 400 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })));
      await producer.close();

      const lines = await eventually(() => {
        const all = outputs.map((o) => o.split('\n').filter((l) => l !== ''));
        return all[0]!.length + all[1]!.length >= 400 && all;
      }, 20_000, 'both kcat consumers to print every record');
      const partitionsOf = lines.map((l) => new Set(l.map((x) => Number(x.split(':')[0]))));
      expect(partitionsOf[0]!.size).toBeGreaterThan(0);
      expect(partitionsOf[1]!.size).toBeGreaterThan(0);
      for (const p of partitionsOf[0]!) expect(partitionsOf[1]!.has(p)).toBe(false);
      expect(lines.flat().map((l) => l.split(':')[1]).sort()).toEqual(Array.from({ length: 400 }, (_, i) => `v${i}`).sort());
    } finally {
      // kcat commits the offsets of what it printed when it stops (SIGTERM closes the consumer).
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(exited);
    }
    const ends = [0, 1, 2, 3].map((p) => k.broker.listOffset(topic, p, -1).offset);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(400);
    const committed = k.broker.groups.offsets.fetch(group, [0, 1, 2, 3].map((partition) => ({ topic, partition })));
    expect(committed.map((c) => c.offset)).toEqual(ends);
    // Both left the group on shutdown.
    expect(k.broker.groups.describeGroup(group).state).toBe('Empty');
  });
});
