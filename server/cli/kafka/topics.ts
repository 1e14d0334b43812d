/**
 * `freshet topics create | list | describe | delete`, as kafka-topics.sh does them, through the
 * admin API over the Kafka protocol.
 */
import { KafkaError } from '../../../storage/errors.js';
import type { RemoteClient } from '../../../storage/remote/client.js';
import { renderProperties, renderTable } from '../ksql/table.js';
import { KafkaCliError, requireTopic, withAdmin } from './connection.js';
import { plural } from './format.js';

export interface CreateTopicOptions {
  partitions?: number;
  replicationFactor?: number;
  config: Record<string, string>;
}

export async function createTopic(client: RemoteClient, name: string, options: CreateTopicOptions): Promise<void> {
  await withAdmin(client, async (admin) => {
    try {
      await admin.createTopics([{ name, ...(options.partitions !== undefined ? { partitions: options.partitions } : {}), ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}), configs: options.config }]);
    } catch (err) {
      if (err instanceof KafkaError && err.code === 'TOPIC_ALREADY_EXISTS') {
        throw new KafkaCliError('TOPIC_EXISTS', `Topic '${name}' already exists (\`freshet topics describe ${name}\` shows it).`, { cause: err });
      }
      throw err;
    }
    const [info] = await admin.describeTopics([name]);
    const count = info!.partitions.length;
    process.stdout.write(`Created topic ${name} with ${plural(count, 'partition')}.\n`);
  });
}

export async function listTopics(client: RemoteClient, options: { internal: boolean }): Promise<void> {
  const names = await withAdmin(client, (admin) => admin.listTopics({ listInternal: options.internal }));
  process.stdout.write(names.sort().map((n) => `${n}\n`).join(''));
}

/**
 * The topic's identity and overridden configs as `Name : value` lines, then a table of its
 * partitions with their replicas and offsets (start offset: the oldest record kept).
 */
export async function describeTopic(client: RemoteClient, name: string): Promise<void> {
  await withAdmin(client, async (admin) => {
    const info = await requireTopic(admin, name);
    const tps = info.partitions.map((p) => ({ topic: name, partition: p.partition }));
    const [configs, starts, ends] = await Promise.all([
      admin.describeConfigs([{ type: 'topic', name }]),
      admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'earliest' as const }))),
      admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'latest' as const }))),
    ]);
    const overrides = configs[0]!.entries
      .filter((e) => e.source === 'TOPIC_CONFIG')
      .map((e) => `${e.name}=${e.sensitive ? '(hidden)' : e.value}`)
      .sort();
    const replication = Math.max(0, ...info.partitions.map((p) => p.replicas.length));
    const records = info.partitions.reduce((sum, _p, i) => sum + ends[i]!.offset - starts[i]!.offset, 0);
    process.stdout.write(
      renderProperties([
        ['Topic', name],
        ['Topic ID', info.topicId],
        ['Partitions', String(info.partitions.length)],
        ['Replication factor', String(replication)],
        ['Records', String(records)],
        ['Configs', overrides.length > 0 ? overrides.join('\n') : '(defaults)'],
      ]),
    );
    process.stdout.write(
      renderTable(
        ['Partition', 'Leader', 'Replicas', 'In sync', 'Start offset', 'End offset'],
        info.partitions.map((p, i) => [String(p.partition), String(p.leader), p.replicas.join(','), p.isr.join(','), String(starts[i]!.offset), String(ends[i]!.offset)]),
      ),
    );
  });
}

export async function deleteTopic(client: RemoteClient, name: string): Promise<void> {
  await withAdmin(client, async (admin) => {
    // Asked first: the broker's answer for a missing topic is a retriable error the library retries.
    await requireTopic(admin, name);
    await admin.deleteTopics([name]);
    process.stdout.write(`Deleted topic ${name}.\n`);
  });
}
