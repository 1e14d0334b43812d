/**
 * ksqlDB statements compiled to an engine topology and run in the test driver: a windowed count
 * per page. Run: npx tsx examples/sql-engine.ts
 */
import { SqlEngine, TopologyTestDriver, type TopicAdmin } from 'freshet';

// The topics the engine may read, write and create (here in memory; the server uses the broker).
const partitions = new Map([['pageviews', 1]]);
const topics: TopicAdmin = {
  partitions: (topic) => partitions.get(topic),
  createTopic: async (topic, n) => void partitions.set(topic, n),
  deleteTopic: async (topic) => void partitions.delete(topic),
  produce: async () => {},
};

const engine = new SqlEngine({ topics });
await engine.execute(`
  CREATE STREAM PAGEVIEWS (USER_ID STRING KEY, PAGE STRING, MS BIGINT)
    WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='JSON');
  CREATE TABLE VIEWS_PER_PAGE AS
    SELECT PAGE, COUNT(*) AS VIEWS, MAX(MS) AS SLOWEST
    FROM PAGEVIEWS WINDOW TUMBLING (SIZE 1 MINUTE)
    GROUP BY PAGE EMIT CHANGES;`);

const query = engine.queries()[0]!;
console.log(query.id, JSON.stringify(query.plan.sink.source.schema.key), '->', query.plan.sink.topic);
const built = await query.build();
const driver = await TopologyTestDriver.create(built.topology);
const view = (user: string, page: string, ms: number, at: number) => driver.pipe('pageviews', Buffer.from(user), Buffer.from(JSON.stringify({ PAGE: page, MS: ms })), at);
view('alice', '/home', 120, 1_000);
view('bob', '/home', 300, 2_000);
view('alice', '/cart', 80, 61_000);
for (let r = driver.readRaw('VIEWS_PER_PAGE'); r; r = driver.readRaw('VIEWS_PER_PAGE')) {
  // Windowed keys: the page (KAFKA format: UTF-8), then the window start (8 bytes).
  const page = r.key!.subarray(0, r.key!.length - 8).toString();
  const start = Number(r.key!.readBigInt64BE(r.key!.length - 8));
  console.log(page, start, r.value!.toString());
}
await driver.close();
