/**
 * Testing a topology without a broker: TopologyTestDriver runs it deterministically, here on
 * three partitions so a missing repartition would show. Run: npx tsx examples/test-driver.ts
 */
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'freshet';

interface Order {
  customer: string;
  amount: number;
}

const S = Serdes.String();
const builder = new StreamsBuilder();
builder
  .stream<string, Order>('orders', { keySerde: S, valueSerde: Serdes.Json<Order>() })
  .groupBy((_, order) => order.customer, { keySerde: S, valueSerde: Serdes.Json<Order>() })
  .aggregate(() => 0, (_customer, order, total) => total + order.amount, { materialized: { storeName: 'totals', valueSerde: Serdes.Double() } })
  .toStream()
  .to('customer-totals', { keySerde: S, valueSerde: Serdes.Double() });

const driver = await TopologyTestDriver.create(builder.build(), { partitions: 3 });
const orders = driver.createInputTopic('orders', S, Serdes.Json<Order>());
orders.pipeInput('o1', { customer: 'alice', amount: 30 });
orders.pipeInput('o2', { customer: 'bob', amount: 12.5 });
orders.pipeInput('o3', { customer: 'alice', amount: 20 });
console.log(driver.createOutputTopic('customer-totals', S, Serdes.Double()).readKeyValuesToMap());
await driver.close();
