/**
 * FindCoordinator: this node coordinates every consumer group (key type 0) and every
 * transactional id (key type 1). v4+ batch several keys of one type in a request.
 */
import { kafkaErrorCode } from '../../../storage/errors.js';
import { defineHandler } from './handler.js';

const GROUP = 0;
const TRANSACTION = 1;

export const findCoordinator = defineHandler({
  apiKey: 10,
  name: 'FindCoordinator',
  versions: { min: 0, max: 6 },
  handle(req, ctx) {
    const l = ctx.listener;
    const keyType = ctx.apiVersion >= 1 ? req.keyType : GROUP;
    const supported = keyType === GROUP || keyType === TRANSACTION;
    const errorCode = supported ? 0 : kafkaErrorCode('INVALID_REQUEST');
    const errorMessage = supported ? null : `Key type ${keyType} is not supported: use 0 (group) or 1 (transaction).`;
    const nodeId = supported ? l.broker.nodeId : -1;
    const host = supported ? l.advertisedHost : '';
    const port = supported ? l.advertisedPort : -1;
    if (ctx.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId, host, port, errorCode, errorMessage })) };
    }
    return { throttleTimeMs: 0, errorCode, errorMessage, nodeId, host, port };
  },
  errorResponse(req, errorCode, ctx) {
    if (ctx.apiVersion >= 4) return { coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode })) };
    return { errorCode, nodeId: -1, host: '', port: -1 };
  },
});
