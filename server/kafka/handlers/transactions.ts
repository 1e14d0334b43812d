/**
 * Producer ids and transactions onto the broker's transaction coordinator: InitProducerId,
 * AddPartitionsToTxn (v0-3 one transaction; v4+ a batch of them, optionally verify-only as
 * brokers send it), AddOffsetsToTxn, EndTxn, and TxnOffsetCommit onto the offset manager.
 */
import { KafkaError, kafkaErrorCode } from '../../../storage/errors.js';
import type { AddPartitionsToTxnResponse, EncodeInput } from '../protocol/index.js';
import type { RequestContext } from './handler.js';
import { codeOf, defineHandler, num, wireError } from './handler.js';

export const initProducerId = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  versions: { min: 0, max: 5 },
  async handle(req, ctx) {
    try {
      const r = await ctx.listener.broker.transactions.initProducerId(req.transactionalId, req.transactionTimeoutMs);
      return { throttleTimeMs: 0, errorCode: 0, producerId: r.producerId, producerEpoch: r.producerEpoch };
    } catch (err) {
      return { throttleTimeMs: 0, errorCode: wireError(err, ctx, 'InitProducerId').code, producerId: -1, producerEpoch: -1 };
    }
  },
  errorResponse(_req, errorCode) {
    return { errorCode, producerId: -1, producerEpoch: -1 };
  },
});

type TopicResult = EncodeInput<AddPartitionsToTxnResponse['resultsByTopicV3AndBelow'][number]>;

interface TxnPartitions {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: { name: string; partitions: number[] }[];
}

function resultsWith(topics: TxnPartitions['topics'], code: (topic: string, partition: number) => number): TopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
}

/** Adds one transaction's partitions; an unknown partition fails alone, the rest are not attempted (as Kafka). */
async function addPartitions(ctx: RequestContext, txn: TxnPartitions): Promise<TopicResult[]> {
  const broker = ctx.listener.broker;
  const exists = (topic: string, p: number): boolean => broker.topics.maybeLog(topic, p) !== undefined;
  if (txn.topics.some((t) => t.partitions.some((p) => !exists(t.name, p)))) {
    return resultsWith(txn.topics, (t, p) => kafkaErrorCode(exists(t, p) ? 'OPERATION_NOT_ATTEMPTED' : 'UNKNOWN_TOPIC_OR_PARTITION'));
  }
  const producerId = num(txn.producerId);
  try {
    if (txn.verifyOnly) {
      const d = broker.transactions.describe(txn.transactionalId);
      if (!d || d.producerId !== producerId || d.producerEpoch !== txn.producerEpoch) {
        throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `Producer ${producerId} epoch ${txn.producerEpoch} does not own transactional.id '${txn.transactionalId}'.`);
      }
      const inTxn = (t: string, p: number): boolean => d.state === 'Ongoing' && d.partitions.some((tp) => tp.topic === t && tp.partition === p);
      return resultsWith(txn.topics, (t, p) => (inTxn(t, p) ? 0 : kafkaErrorCode('INVALID_TXN_STATE')));
    }
    const partitions = txn.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    await broker.transactions.addPartitions(txn.transactionalId, producerId, txn.producerEpoch, partitions);
    return resultsWith(txn.topics, () => 0);
  } catch (err) {
    const code = wireError(err, ctx, `AddPartitionsToTxn of '${txn.transactionalId}'`).code;
    return resultsWith(txn.topics, () => code);
  }
}

export const addPartitionsToTxn = defineHandler({
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  versions: { min: 0, max: 5 },
  async handle(req, ctx) {
    if (ctx.apiVersion < 4) {
      const results = await addPartitions(ctx, {
        transactionalId: req.v3AndBelowTransactionalId,
        producerId: req.v3AndBelowProducerId,
        producerEpoch: req.v3AndBelowProducerEpoch,
        verifyOnly: false,
        topics: req.v3AndBelowTopics,
      });
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
    }
    const resultsByTransaction = [];
    for (const txn of req.transactions) resultsByTransaction.push({ transactionalId: txn.transactionalId, topicResults: await addPartitions(ctx, txn) });
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction };
  },
  errorResponse(req, errorCode, ctx) {
    if (ctx.apiVersion < 4) return { resultsByTopicV3AndBelow: resultsWith(req.v3AndBelowTopics, () => errorCode) };
    return { errorCode, resultsByTransaction: req.transactions.map((t) => ({ transactionalId: t.transactionalId, topicResults: resultsWith(t.topics, () => errorCode) })) };
  },
});

export const addOffsetsToTxn = defineHandler({
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  versions: { min: 0, max: 4 },
  async handle(req, ctx) {
    try {
      await ctx.listener.broker.transactions.addOffsets(req.transactionalId, num(req.producerId), req.producerEpoch, req.groupId);
      return { throttleTimeMs: 0, errorCode: 0 };
    } catch (err) {
      return { throttleTimeMs: 0, errorCode: wireError(err, ctx, `AddOffsetsToTxn of '${req.transactionalId}'`).code };
    }
  },
  errorResponse(_req, errorCode) {
    return { errorCode };
  },
});

export const endTxn = defineHandler({
  apiKey: 26,
  name: 'EndTxn',
  // v5 belongs to transactions v2 (KIP-890), which this coordinator does not implement.
  versions: { min: 0, max: 4 },
  async handle(req, ctx) {
    try {
      await ctx.listener.broker.transactions.endTxn(req.transactionalId, num(req.producerId), req.producerEpoch, req.committed);
      return { throttleTimeMs: 0, errorCode: 0 };
    } catch (err) {
      return { throttleTimeMs: 0, errorCode: wireError(err, ctx, `EndTxn of '${req.transactionalId}'`).code };
    }
  },
  errorResponse(_req, errorCode) {
    return { errorCode };
  },
});

export const txnOffsetCommit = defineHandler({
  apiKey: 28,
  name: 'TxnOffsetCommit',
  versions: { min: 0, max: 4 },
  async handle(req, ctx) {
    const r = await ctx.listener.broker.groups.offsets.txnCommit({
      transactionalId: req.transactionalId,
      groupId: req.groupId,
      producerId: num(req.producerId),
      producerEpoch: req.producerEpoch,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      offsets: req.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: num(p.committedOffset), leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata })),
      ),
    });
    let i = 0;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(r.partitions[i++] ?? r.error) })) })),
    };
  },
  errorResponse(req, errorCode) {
    return { topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
  },
});
