/**
 * `freshet groups list | describe GROUP`, as kafka-consumer-groups.sh does them: a group's
 * members and, per partition, the committed offset, the log end offset and the lag between them.
 */
import type { Admin, GroupOffsetInfo, TopicPartition } from '../../../storage/client/types.js';
import type { RemoteClient } from '../../../storage/remote/client.js';
import { renderProperties, renderTable } from '../ksql/table.js';
import { KafkaCliError, withAdmin } from './connection.js';

export async function listGroups(client: RemoteClient): Promise<void> {
  const groups = await withAdmin(client, (admin) => admin.listGroups());
  if (groups.length === 0) {
    process.stdout.write('No consumer groups.\n');
    return;
  }
  process.stdout.write(renderTable(['Group', 'State', 'Type'], groups.map((g) => [g.groupId, g.state, g.protocolType || '-'])));
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** One row per partition the group has an offset for or a member owns (`-`: owned, nothing committed yet). */
async function partitionRows(admin: Admin, committed: GroupOffsetInfo[], owned: TopicPartition[]): Promise<string[][]> {
  const known = new Set(committed.map(key));
  const uncommitted = owned.filter((tp) => !known.has(key(tp)));
  const ends = uncommitted.length > 0 ? await admin.listOffsets(uncommitted.map((tp) => ({ ...tp, spec: 'latest' as const }))) : [];
  const rows = [
    ...committed.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.offset), end: String(c.logEndOffset), lag: String(c.lag) })),
    ...uncommitted.map((tp, i) => ({ ...tp, offset: '-', end: String(ends[i]!.offset), lag: '-' })),
  ].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return rows.map((r) => [r.topic, String(r.partition), r.offset, r.end, r.lag]);
}

export async function describeGroup(client: RemoteClient, groupId: string): Promise<void> {
  await withAdmin(client, async (admin) => {
    const [[group], committed] = await Promise.all([admin.describeGroups([groupId]), admin.listGroupOffsets(groupId)]);
    if (!group || (group.state === 'Dead' && committed.length === 0)) {
      throw new KafkaCliError('UNKNOWN_GROUP', `Consumer group '${groupId}' does not exist (\`freshet groups list\` shows the groups).`);
    }
    const totalLag = committed.reduce((sum, c) => sum + c.lag, 0);
    process.stdout.write(
      renderProperties([
        ['Group', groupId],
        ['State', group.state],
        ['Protocol', group.protocolType === '' ? '-' : `${group.protocolType}${group.protocol ? ` (${group.protocol})` : ''}`],
        ['Members', String(group.members.length)],
        ['Total lag', String(totalLag)],
      ]),
    );
    if (group.members.length > 0) {
      process.stdout.write('\n');
      process.stdout.write(
        renderTable(
          ['Member', 'Client ID', 'Host', 'Partitions'],
          group.members.map((m) => [
            m.groupInstanceId ? `${m.memberId}\n(instance ${m.groupInstanceId})` : m.memberId,
            m.clientId,
            m.clientHost,
            m.assignment.length === 0 ? '-' : m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(', '),
          ]),
        ),
      );
    }
    const rows = await partitionRows(admin, committed, group.members.flatMap((m) => m.assignment));
    process.stdout.write('\n');
    if (rows.length === 0) process.stdout.write('No committed offsets.\n');
    else process.stdout.write(renderTable(['Topic', 'Partition', 'Committed offset', 'End offset', 'Lag'], rows));
  });
}
