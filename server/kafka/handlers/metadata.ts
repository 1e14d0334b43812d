/**
 * Metadata and DescribeCluster: this node is the whole cluster (broker, controller, leader of
 * every partition), reached at the advertised host and port.
 *
 * Topic auto-creation follows Kafka: a requested topic that does not exist is created when the
 * request allows it (allowAutoTopicCreation, v4+; always before) and the broker has
 * auto.create.topics.enable; that response says LEADER_NOT_AVAILABLE and the client asks again.
 * Otherwise an unknown topic is UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID when asked by id,
 * INVALID_TOPIC_EXCEPTION when its name is illegal).
 */
import type { Broker } from '../../../storage/broker/broker.js';
import { isInternalTopic, validateTopicName } from '../../../storage/broker/topic-names.js';
import { KafkaError, kafkaErrorCode } from '../../../storage/errors.js';
import type { EncodeInput, MetadataResponse } from '../protocol/index.js';
import { ZERO_UUID } from '../protocol/index.js';
import type { Reply, RequestContext } from './handler.js';
import { defineHandler, wireError } from './handler.js';

type TopicMetadata = EncodeInput<MetadataResponse['topics'][number]>;

/** Leader epoch of every partition: a single node never changes leader. */
export const LEADER_EPOCH = 0;

function describeTopic(broker: Broker, name: string): TopicMetadata {
  const d = broker.describeTopic(name);
  const node = broker.nodeId;
  return {
    errorCode: 0,
    name,
    topicId: d.topicId,
    isInternal: d.internal,
    partitions: d.partitions.map((p) => ({
      errorCode: 0,
      partitionIndex: p.partition,
      leaderId: node,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    })),
  };
}

function topicError(code: number, name: string | null, topicId: string, version: number): TopicMetadata {
  // Names are nullable only from v12; before that an unnamed topic is ''.
  return { errorCode: code, name: name ?? (version >= 12 ? null : ''), topicId, isInternal: false, partitions: [] };
}

function requestedTopic(ctx: RequestContext, name: string, allowCreate: boolean): TopicMetadata {
  const broker = ctx.listener.broker;
  if (broker.topics.has(name)) return describeTopic(broker, name);
  try {
    validateTopicName(name);
  } catch (err) {
    return topicError(wireError(err, ctx, `Metadata of ${name}`).code, name, ZERO_UUID, ctx.apiVersion);
  }
  if (!allowCreate || !broker.options.autoCreateTopics || isInternalTopic(name)) {
    return topicError(kafkaErrorCode('UNKNOWN_TOPIC_OR_PARTITION'), name, ZERO_UUID, ctx.apiVersion);
  }
  try {
    const created = broker.createTopic(name, {});
    ctx.listener.logger.info(`Auto-created topic ${name} for a Metadata request`, { clientId: ctx.header.clientId, partitions: created.partitions.length });
    return topicError(kafkaErrorCode('LEADER_NOT_AVAILABLE'), name, created.topicId, ctx.apiVersion);
  } catch (err) {
    // Another connection may have created it meanwhile.
    if (err instanceof KafkaError && err.code === 'TOPIC_ALREADY_EXISTS') return describeTopic(broker, name);
    return topicError(wireError(err, ctx, `auto-creating topic ${name}`).code, name, ZERO_UUID, ctx.apiVersion);
  }
}

function brokers(ctx: RequestContext): { nodeId: number; host: string; port: number; rack: null }[] {
  const l = ctx.listener;
  return [{ nodeId: l.broker.nodeId, host: l.advertisedHost, port: l.advertisedPort, rack: null }];
}

export const metadata = defineHandler({
  apiKey: 3,
  name: 'Metadata',
  versions: { min: 0, max: 12 },
  handle(req, ctx) {
    const broker = ctx.listener.broker;
    const v = ctx.apiVersion;
    // v0: an empty list means every topic; v1+: null means every topic, empty means none.
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    let topics: TopicMetadata[];
    if (all) {
      topics = broker.listTopics(true).map((name) => describeTopic(broker, name));
    } else {
      const allowCreate = v < 4 || req.allowAutoTopicCreation;
      topics = req.topics!.map((t) => {
        if (t.name === null || (v >= 10 && t.topicId !== ZERO_UUID && t.name === '')) {
          const name = broker.topics.topicById(t.topicId);
          if (name === undefined) return topicError(kafkaErrorCode('UNKNOWN_TOPIC_ID'), null, t.topicId, v);
          return describeTopic(broker, name);
        }
        return requestedTopic(ctx, t.name, allowCreate);
      });
    }
    const body: Reply<3> = {
      throttleTimeMs: 0,
      brokers: brokers(ctx),
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
    };
    return body;
  },
  errorResponse(req, errorCode, ctx) {
    const topics = (req.topics ?? []).map((t) => topicError(errorCode, t.name, t.topicId, ctx.apiVersion));
    return { brokers: brokers(ctx), clusterId: ctx.listener.broker.clusterId, controllerId: ctx.listener.broker.nodeId, topics } satisfies Reply<3>;
  },
});

export const describeCluster = defineHandler({
  apiKey: 60,
  name: 'DescribeCluster',
  versions: { min: 0, max: 1 },
  handle(req, ctx) {
    const broker = ctx.listener.broker;
    // endpointType 2 asks for controller endpoints, which a combined single node does not list separately.
    if (ctx.apiVersion >= 1 && req.endpointType !== 1) {
      return { errorCode: kafkaErrorCode('INVALID_REQUEST'), errorMessage: `Endpoint type ${req.endpointType} is not supported; ask for brokers (1).`, endpointType: req.endpointType, clusterId: broker.clusterId };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      brokers: brokers(ctx).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
    };
  },
  errorResponse(_req, errorCode, ctx) {
    return { errorCode, clusterId: ctx.listener.broker.clusterId };
  },
});
