/**
 * Configs: DescribeConfigs for topics (every topic config with its effective value and source)
 * and this broker (its static settings), AlterConfigs (replaces a topic's overrides) and
 * IncrementalAlterConfigs (SET, DELETE, and APPEND/SUBTRACT on list configs). Broker configs are
 * static here, so altering them is refused per resource.
 */
import { KafkaError } from '../../../storage/errors.js';
import type { ConfigEntry, ConfigSource } from '../../../storage/log/log-config.js';
import { TOPIC_CONFIGS } from '../../../storage/log/log-config.js';
import type { RequestContext } from './handler.js';
import { defineHandler, wireError } from './handler.js';

/** Kafka's resource types. */
const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;

/** Kafka's ConfigSource ids: DYNAMIC_TOPIC_CONFIG 1, STATIC_BROKER_CONFIG 4, DEFAULT_CONFIG 5. */
export const SOURCE_IDS: Record<ConfigSource, number> = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 };

/** Kafka's ConfigType ids by the kinds of the topic config table. */
const TYPE_IDS: Record<string, number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 };
const KINDS = new Map(TOPIC_CONFIGS.map((d) => [d.name, d.kind]));

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

function resourceEntries(ctx: RequestContext, type: number, name: string): ConfigEntry[] {
  const broker = ctx.listener.broker;
  if (type === TOPIC) return broker.describeConfigs(name);
  if (type === BROKER) {
    // '' is the cluster-wide default resource; any other name must be this node's id.
    if (name !== '' && name !== String(broker.nodeId)) {
      throw new KafkaError('INVALID_REQUEST', `Broker '${name}' is not this node (${broker.nodeId}): describe broker ${broker.nodeId}.`);
    }
    return broker.describeBrokerConfigs();
  }
  throw new KafkaError('INVALID_REQUEST', `Resource type ${type} is not supported: use 2 (topic) or 4 (broker).`);
}

export const describeConfigs = defineHandler({
  apiKey: 32,
  name: 'DescribeConfigs',
  versions: { min: 0, max: 4 },
  handle(req, ctx) {
    const v = ctx.apiVersion;
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName };
        let entries: ConfigEntry[];
        try {
          entries = resourceEntries(ctx, r.resourceType, r.resourceName);
        } catch (err) {
          const e = wireError(err, ctx, `DescribeConfigs of ${r.resourceName}`);
          return { ...base, errorCode: e.code, errorMessage: e.message, configs: [] };
        }
        const keys = r.configurationKeys === null || r.configurationKeys.length === 0 ? null : new Set(r.configurationKeys);
        return {
          ...base,
          errorCode: 0,
          errorMessage: null,
          configs: entries
            .filter((e) => keys === null || keys.has(e.name))
            .map((e) => ({
              name: e.name,
              value: e.value,
              readOnly: e.readOnly,
              ...(v === 0 ? { isDefault: e.isDefault } : {}),
              configSource: SOURCE_IDS[e.source],
              isSensitive: e.sensitive,
              synonyms: req.includeSynonyms ? [{ name: e.name, value: e.value, source: SOURCE_IDS[e.source] }] : [],
              configType: TYPE_IDS[KINDS.get(e.name) ?? ''] ?? 0,
              documentation: req.includeDocumentation ? e.documentation : null,
            })),
        };
      }),
    };
  },
  errorResponse(req, errorCode) {
    return { results: req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })) };
  },
});

/** Broker and logger resources cannot be altered; anything but a topic fails per resource. */
function requireTopic(type: number, name: string): void {
  if (type === TOPIC) return;
  if (type === BROKER || type === BROKER_LOGGER) {
    throw new KafkaError('INVALID_REQUEST', `Broker configs of '${name}' are static in Freshet: set them in the broker options and restart.`);
  }
  throw new KafkaError('INVALID_REQUEST', `Resource type ${type} is not supported: use 2 (topic).`);
}

function alterResult(ctx: RequestContext, type: number, name: string, apply: () => void): { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string } {
  try {
    requireTopic(type, name);
    apply();
    return { errorCode: 0, errorMessage: null, resourceType: type, resourceName: name };
  } catch (err) {
    const e = wireError(err, ctx, `altering configs of ${name}`);
    return { errorCode: e.code, errorMessage: e.message, resourceType: type, resourceName: name };
  }
}

export const alterConfigs = defineHandler({
  apiKey: 33,
  name: 'AlterConfigs',
  versions: { min: 0, max: 2 },
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r) =>
        alterResult(ctx, r.resourceType, r.resourceName, () => {
          const set: Record<string, string> = {};
          for (const c of r.configs) {
            if (c.value === null) throw new KafkaError('INVALID_CONFIG', `Config '${c.name}' has a null value: leave it out to use the default.`);
            set[c.name] = c.value;
          }
          ctx.listener.broker.alterConfigs(r.resourceName, set, [], false, req.validateOnly);
        }),
      ),
    };
  },
  errorResponse(req, errorCode) {
    return { responses: req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
  },
});

/** The effective value of a list config as items (the override, else the default). */
function currentList(ctx: RequestContext, topic: string, name: string): string[] {
  const entry = ctx.listener.broker.describeConfigs(topic).find((e) => e.name === name);
  return (entry?.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export const incrementalAlterConfigs = defineHandler({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  versions: { min: 0, max: 1 },
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r) =>
        alterResult(ctx, r.resourceType, r.resourceName, () => {
          const set: Record<string, string> = {};
          const remove: string[] = [];
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new KafkaError('INVALID_REQUEST', `Config '${c.name}' appears more than once for ${r.resourceName}.`);
            seen.add(c.name);
            const op = c.configOperation;
            if (op === DELETE) {
              remove.push(c.name);
              continue;
            }
            if (c.value === null) throw new KafkaError('INVALID_CONFIG', `Config '${c.name}' has a null value; use DELETE to revert it to the default.`);
            if (op === SET) {
              set[c.name] = c.value;
            } else if (op === APPEND || op === SUBTRACT) {
              if (KINDS.get(c.name) !== 'list') {
                throw new KafkaError('INVALID_CONFIG', `Config '${c.name}' is not a list, so it cannot be appended to or subtracted from: use SET.`);
              }
              const items = currentList(ctx, r.resourceName, c.name);
              const given = c.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
              const next = op === APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
              set[c.name] = next.join(',');
            } else {
              throw new KafkaError('INVALID_REQUEST', `Config operation ${op} for '${c.name}' is not one of 0 (SET), 1 (DELETE), 2 (APPEND), 3 (SUBTRACT).`);
            }
          }
          ctx.listener.broker.alterConfigs(r.resourceName, set, remove, true, req.validateOnly);
        }),
      ),
    };
  },
  errorResponse(req, errorCode) {
    return { responses: req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
  },
});
