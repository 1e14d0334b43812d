/**
 * ksqlDB's built-in function library, by category.
 */
import type { FunctionRegistry } from '../registry.js';
import { aggregateFunctions } from './aggregates.js';
import { collectionFunctions } from './collections.js';
import { datetimeFunctions } from './datetime.js';
import { jsonFunctions } from './json.js';
import { lambdaFunctions } from './lambda.js';
import { mathFunctions } from './math.js';
import { miscFunctions } from './misc.js';
import { offsetAggregateFunctions } from './offset-aggregates.js';
import { regexpFunctions } from './regexp.js';
import { stringFunctions } from './string.js';
import { tableFunctions } from './table-functions.js';

export function registerBuiltins(registry: FunctionRegistry): void {
  for (const list of [mathFunctions, stringFunctions, regexpFunctions, datetimeFunctions, jsonFunctions, collectionFunctions, lambdaFunctions, miscFunctions]) {
    for (const def of list) registry.registerUdf(def);
  }
  for (const def of [...aggregateFunctions, ...offsetAggregateFunctions]) registry.registerUdaf(def);
  for (const def of tableFunctions) registry.registerUdtf(def);
}
