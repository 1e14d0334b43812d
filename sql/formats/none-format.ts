/**
 * NONE: the record part carries no columns. As a key format it makes a keyless stream whose
 * record keys are ignored on read and null on write.
 */
import { defineFormat, formatColumns, type Format } from './format.js';
import { voidRowSerde } from './row-serde.js';

export const noneFormat: Format = defineFormat({
  name: 'NONE',
  usesSchemaRegistry: false,
  supportsSchemaInference: false,
  canUnwrap: false,
  canWrap: false,
  properties: [],

  unsupported(columns, isKey) {
    if (columns.length === 0) return null;
    return `The 'NONE' format can only be used when no columns are defined. Got: ${formatColumns(columns, isKey)}`;
  },

  async createSerde() {
    return voidRowSerde();
  },
});
