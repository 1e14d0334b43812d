/** What the streams benchmarks share: timing, and running a topology on the broker until it has processed n records. */
import { join } from 'node:path';
import type { Broker } from '../storage/broker/broker.js';
import { silentLogger } from '../storage/logger.js';
import { StreamsApp } from '../engine/runtime/streams-app.js';
import type { Topology } from '../engine/topology/topology.js';

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Runs a topology until n records went through; returns the seconds per record of the
 * processing after the app became RUNNING (setup excluded). With `failOnSkipped`, a record
 * skipped or dropped as late is an error (the comparison would be unfair otherwise).
 */
export async function runApp(broker: Broker, dir: string, topology: Topology, name: string, n: number, options: { failOnSkipped?: boolean } = {}): Promise<number> {
  const app = new StreamsApp(topology, { applicationId: name, stateDir: join(dir, name), logger: silentLogger, commitIntervalMs: 1000 }, broker.client());
  await app.start();
  await app.waitForState('RUNNING');
  const start = process.hrtime.bigint();
  const before = app.metrics().processed;
  while (app.metrics().processed < n) {
    if (app.state === 'ERROR') throw new Error(`${name} failed: ${String(app.error)}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const s = seconds(start);
  const metrics = app.metrics();
  await app.close();
  if (options.failOnSkipped) {
    const skipped = metrics.skipped.deserialization + metrics.skipped.processing + metrics.skipped.invalidTimestamp + metrics.droppedLate;
    if (skipped > 0) throw new Error(`${name} skipped or dropped ${skipped} records: ${JSON.stringify(metrics.skipped)}, late ${metrics.droppedLate}.`);
  }
  return s / (metrics.processed - before);
}
