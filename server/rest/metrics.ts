/**
 * Prometheus metrics at GET /metrics (prom-client): the process's own (CPU, memory, event loop
 * lag), and the server's: persistent queries by state, records each has processed and skipped,
 * its consumer lag, push queries running, processing errors.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { KsqlServer } from '../ksql/ksql-server.js';

export function registerMetrics(app: FastifyInstance, ksql: KsqlServer): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'freshet_' });
  new Gauge({
    name: 'freshet_persistent_queries',
    help: 'Persistent queries (CSAS, CTAS, INSERT INTO) by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of ksql.persistentQueries().all()) this.inc({ state: q.app.state });
    },
  });
  new Gauge({
    name: 'freshet_push_queries',
    help: 'Push queries and PRINTs running',
    registers: [registry],
    collect() {
      this.set(ksql.transientQueries().length);
    },
  });
  new Gauge({
    name: 'freshet_processing_errors_total',
    help: 'Records skipped by queries because an expression failed (the processing log)',
    registers: [registry],
    collect() {
      this.set(ksql.processingLog.count);
    },
  });
  new Gauge({
    name: 'freshet_query_records_processed_total',
    help: 'Records processed by a persistent query since it started',
    labelNames: ['query_id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of ksql.persistentQueries().all()) this.set({ query_id: q.query.id }, q.app.metrics().processed);
    },
  });
  new Gauge({
    name: 'freshet_query_records_skipped_total',
    help: 'Records a persistent query skipped (undecodable, failed processing, invalid timestamp)',
    labelNames: ['query_id', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of ksql.persistentQueries().all()) {
        for (const [reason, n] of Object.entries(q.app.metrics().skipped)) this.set({ query_id: q.query.id, reason }, n);
      }
    },
  });
  new Gauge({
    name: 'freshet_query_consumer_lag',
    help: 'Records of a persistent query input partition not processed yet',
    labelNames: ['query_id', 'topic', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of ksql.persistentQueries().all()) {
        for (const l of q.app.metrics().lag) if (l.lag !== null) this.set({ query_id: q.query.id, topic: l.topic, partition: String(l.partition) }, l.lag);
      }
    },
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
