/**
 * Topic administration: CreateTopics (with validateOnly, configs, -1 for the broker's default
 * partition count and replication factor, or explicit assignments that must all name this
 * node), DeleteTopics (by name, or by id from v6), CreatePartitions and DeleteRecords. Each
 * topic or partition succeeds or fails on its own, with Kafka's error and a message.
 */
import { KafkaError, kafkaErrorCode } from '../../../storage/errors.js';
import { describeTopicConfigs } from '../../../storage/log/log-config.js';
import type { CreateTopicsRequest, CreateTopicsResponse, EncodeInput } from '../protocol/index.js';
import { ZERO_UUID } from '../protocol/index.js';
import { SOURCE_IDS } from './configs.js';
import type { RequestContext } from './handler.js';
import { defineHandler, num, wireError } from './handler.js';

type CreatableTopic = CreateTopicsRequest['topics'][number];
type CreatableResult = EncodeInput<CreateTopicsResponse['topics'][number]>;

function failure(name: string, errorCode: number, errorMessage: string | null): CreatableResult {
  return { name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null };
}

/** The partition count an explicit assignment asks for; each partition must live on this node alone. */
function assignedPartitions(t: CreatableTopic, nodeId: number): number {
  if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
    throw new KafkaError('INVALID_REQUEST', `Topic '${t.name}': give either assignments or numPartitions/replicationFactor, not both.`);
  }
  t.assignments.forEach((a, i) => {
    if (a.partitionIndex !== i) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Topic '${t.name}': assignments must list partitions 0, 1, 2, ... in order.`);
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
      throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Topic '${t.name}' partition ${i}: the only broker is ${nodeId}, so every partition's replicas must be [${nodeId}].`);
    }
  });
  return t.assignments.length;
}

function createTopic(ctx: RequestContext, t: CreatableTopic, validateOnly: boolean): CreatableResult {
  const broker = ctx.listener.broker;
  try {
    const configs: Record<string, string> = {};
    for (const c of t.configs) {
      if (c.value === null) throw new KafkaError('INVALID_CONFIG', `Topic '${t.name}': config '${c.name}' has a null value; leave it out to use the default.`);
      configs[c.name] = c.value;
    }
    const partitions = t.assignments.length > 0 ? assignedPartitions(t, broker.nodeId) : t.numPartitions;
    const d = broker.createTopic(t.name, { partitions, replicationFactor: t.replicationFactor, configs, validateOnly });
    return {
      name: t.name,
      topicId: validateOnly ? ZERO_UUID : d.topicId,
      errorCode: 0,
      errorMessage: null,
      numPartitions: d.partitions.length,
      replicationFactor: 1,
      configs: describeTopicConfigs(configs, broker.topics.defaults).map((e) => ({
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        configSource: SOURCE_IDS[e.source],
        isSensitive: e.sensitive,
      })),
    };
  } catch (err) {
    const e = wireError(err, ctx, `CreateTopics of ${t.name}`);
    return failure(t.name, e.code, e.message);
  }
}

export const createTopics = defineHandler({
  apiKey: 19,
  name: 'CreateTopics',
  versions: { min: 0, max: 7 },
  handle(req, ctx) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) =>
        (counts.get(t.name) ?? 0) > 1
          ? failure(t.name, kafkaErrorCode('INVALID_REQUEST'), `Topic '${t.name}' appears more than once in the request.`)
          : createTopic(ctx, t, req.validateOnly),
      ),
    };
  },
  errorResponse(req, errorCode) {
    return { topics: req.topics.map((t) => failure(t.name, errorCode, null)) };
  },
});

export const deleteTopics = defineHandler({
  apiKey: 20,
  name: 'DeleteTopics',
  versions: { min: 0, max: 6 },
  handle(req, ctx) {
    const broker = ctx.listener.broker;
    const v = ctx.apiVersion;
    const wanted = v >= 6 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    return {
      throttleTimeMs: 0,
      responses: wanted.map(({ name, topicId }) => {
        const byId = name === null || (v >= 6 && name === '' && topicId !== ZERO_UUID);
        const resolved = byId ? broker.topics.topicById(topicId) : name;
        if (resolved === undefined || resolved === null) {
          return { name: null, topicId, errorCode: kafkaErrorCode('UNKNOWN_TOPIC_ID'), errorMessage: `No topic has id ${topicId}.` };
        }
        try {
          const id = broker.topics.has(resolved) ? broker.topics.topicId(resolved) : topicId;
          broker.deleteTopic(resolved);
          return { name: resolved, topicId: id, errorCode: 0, errorMessage: null };
        } catch (err) {
          const e = wireError(err, ctx, `DeleteTopics of ${resolved}`);
          return { name: resolved, topicId, errorCode: e.code, errorMessage: e.message };
        }
      }),
    };
  },
  errorResponse(req, errorCode, ctx) {
    const names = ctx.apiVersion >= 6 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    return { responses: names.map((n) => ({ ...n, errorCode })) };
  },
});

export const createPartitions = defineHandler({
  apiKey: 37,
  name: 'CreatePartitions',
  versions: { min: 0, max: 3 },
  handle(req, ctx) {
    const broker = ctx.listener.broker;
    return {
      throttleTimeMs: 0,
      results: req.topics.map((t) => {
        try {
          const bad = (t.assignments ?? []).find((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId);
          if (bad) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Topic '${t.name}': the only broker is ${broker.nodeId}, so new partitions' replicas must be [${broker.nodeId}].`);
          broker.createPartitions(t.name, t.count, req.validateOnly);
          return { name: t.name, errorCode: 0, errorMessage: null };
        } catch (err) {
          const e = wireError(err, ctx, `CreatePartitions of ${t.name}`);
          return { name: t.name, errorCode: e.code, errorMessage: e.message };
        }
      }),
    };
  },
  errorResponse(req, errorCode) {
    return { results: req.topics.map((t) => ({ name: t.name, errorCode })) };
  },
});

export const deleteRecords = defineHandler({
  apiKey: 21,
  name: 'DeleteRecords',
  versions: { min: 0, max: 2 },
  handle(req, ctx) {
    const broker = ctx.listener.broker;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          try {
            return { partitionIndex: p.partitionIndex, lowWatermark: broker.deleteRecords(t.name, p.partitionIndex, num(p.offset)), errorCode: 0 };
          } catch (err) {
            return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: wireError(err, ctx, `DeleteRecords of ${t.name}-${p.partitionIndex}`).code };
          }
        }),
      })),
    };
  },
  errorResponse(req, errorCode) {
    return { topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode })) })) };
  },
});
