/**
 * Nexmark-style events for the benchmarks: persons, auctions and bids, generated locally from a
 * seeded PRNG, so every run (and every way of running a query) sees the same records.
 *
 * The shape follows the Nexmark generator (Beam, Flink): of every 50 events 1 is a person, 3 are
 * auctions and 46 are bids (2% / 6% / 92%); half the bids go to the current hot auction and the
 * rest to one of the ~100 auctions in flight (or a few not opened yet); three quarters come from
 * the current hot bidder; prices are log-uniform between $1 and $1M (in cents); half the bids
 * come through one of four hot channels. Event time runs at EVENTS_PER_SECOND events a second,
 * so 10-second windows roll every 10,000 events. Payloads are padded with EXTRA towards Nexmark's
 * average sizes (measured on the JSON text, which is usually past them for bids already).
 *
 * Records are laid out as the SQL formats read them (NEXMARK_DDL): keys KAFKA BIGINT, the 8-byte
 * big-endian id (a bid's key is its auction); values JSON objects with the value columns in
 * declaration order; the record timestamp is the event time, also in DATETIME.
 */

/** Of event time; Nexmark's default is 10,000, which would leave a 200k-event run only a few windows. */
const EVENTS_PER_SECOND = 1000;
const BASE_TIME = 1_700_000_000_000;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const TOTAL_PROPORTION = 50;
const HOT_AUCTION_RATIO = 100;
const HOT_AUCTION_ODDS = 2;
const HOT_BIDDER_RATIO = 100;
const HOT_BIDDER_ODDS = 4;
const AUCTIONS_IN_FLIGHT = 100;
const ACTIVE_PEOPLE = 1000;
const ID_LEAD = 10;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const CHANNELS = 10_000;
const AVERAGE_SIZE = { person: 200, auction: 500, bid: 100 };
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const CATEGORIES = 5;

export const NEXMARK_TOPICS = { person: 'person', auction: 'auction', bid: 'bid' } as const;

/** The three sources, as ksqlDB streams over the topics `nexmarkEvents` fills. */
export const NEXMARK_DDL = `
  CREATE STREAM PERSON (ID BIGINT KEY, NAME STRING, EMAIL_ADDRESS STRING, CREDIT_CARD STRING, CITY STRING, STATE STRING, DATETIME BIGINT, EXTRA STRING)
    WITH (KAFKA_TOPIC='${NEXMARK_TOPICS.person}', VALUE_FORMAT='JSON');
  CREATE STREAM AUCTION (ID BIGINT KEY, ITEM_NAME STRING, DESCRIPTION STRING, INITIAL_BID BIGINT, RESERVE BIGINT, DATETIME BIGINT, EXPIRES BIGINT, SELLER BIGINT, CATEGORY BIGINT, EXTRA STRING)
    WITH (KAFKA_TOPIC='${NEXMARK_TOPICS.auction}', VALUE_FORMAT='JSON');
  CREATE STREAM BID (AUCTION BIGINT KEY, BIDDER BIGINT, PRICE BIGINT, CHANNEL STRING, URL STRING, DATETIME BIGINT, EXTRA STRING)
    WITH (KAFKA_TOPIC='${NEXMARK_TOPICS.bid}', VALUE_FORMAT='JSON');`;

/** A bid's value (its auction is the key). */
export interface Bid {
  BIDDER: number;
  PRICE: number;
  CHANNEL: string;
  URL: string;
  DATETIME: number;
  EXTRA: string;
}

export interface NexmarkRecord {
  topic: string;
  key: Buffer;
  value: Buffer;
  timestamp: number;
}

/** A small deterministic PRNG (a 32-bit xorshift with a multiply on output); not for anything but test data. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return (Math.imul(this.state, 0x2545f491) >>> 0) / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Lower-case letters, with a space now and then as Nexmark's strings have. */
  string(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += this.int(13) === 0 ? ' ' : String.fromCharCode(97 + this.int(26));
    return s;
  }
}

/** The KAFKA format's BIGINT: 8 bytes, big-endian (ids here are far below 2^53). */
export function longKey(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  const hi = Math.floor(n / 0x1_0000_0000);
  b.writeInt32BE(hi, 0);
  b.writeUInt32BE(n - hi * 0x1_0000_0000, 4);
  return b;
}

export function readLongKey(b: Buffer, offset = 0): number {
  return b.readInt32BE(offset) * 0x1_0000_0000 + b.readUInt32BE(offset + 4);
}

/** Nexmark's padding: EXTRA brings a record to about `average` bytes, ±20%; nothing if it is there already. */
function extra(random: Random, size: number, average: number): string {
  if (size >= average) return '';
  const wanted = average - size;
  const delta = Math.round(wanted * 0.2);
  return random.string(wanted - delta + random.int(2 * delta + 1));
}

/** JSON text of a value whose last column is EXTRA, padded towards `average` bytes. */
function padded(random: Random, value: { EXTRA: string }, average: number): Buffer {
  value.EXTRA = extra(random, JSON.stringify(value).length, average);
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** `count` events in event-time order, deterministic for a seed. */
export function* nexmarkEvents(count: number, seed = 20_240_601): Generator<NexmarkRecord> {
  const random = new Random(seed);
  let persons = 0;
  let auctions = 0;
  for (let i = 0; i < count; i++) {
    const timestamp = BASE_TIME + Math.floor((i * 1000) / EVENTS_PER_SECOND);
    const slot = i % TOTAL_PROPORTION;
    const lastPerson = Math.max(persons - 1, 0);
    const lastAuction = Math.max(auctions - 1, 0);
    if (slot < PERSON_PROPORTION) {
      const id = FIRST_PERSON_ID + persons++;
      const name = `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
      const value = {
        NAME: name,
        EMAIL_ADDRESS: `${random.string(7)}@${random.string(5)}.com`,
        CREDIT_CARD: Array.from({ length: 4 }, () => String(1000 + random.int(9000))).join(' '),
        CITY: random.pick(CITIES),
        STATE: random.pick(STATES),
        DATETIME: timestamp,
        EXTRA: '',
      };
      yield { topic: NEXMARK_TOPICS.person, key: longKey(id), value: padded(random, value, AVERAGE_SIZE.person), timestamp };
    } else if (slot < PERSON_PROPORTION + AUCTION_PROPORTION) {
      const id = FIRST_AUCTION_ID + auctions++;
      const initialBid = Math.round(10 ** (random.next() * 6) * 100);
      const value = {
        ITEM_NAME: random.string(20),
        DESCRIPTION: random.string(100),
        INITIAL_BID: initialBid,
        RESERVE: initialBid + Math.round(10 ** (random.next() * 6) * 100),
        DATETIME: timestamp,
        EXPIRES: timestamp + 10_000 + random.int(20_000),
        SELLER: FIRST_PERSON_ID + (random.int(HOT_BIDDER_ODDS) > 0 ? Math.floor(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO : random.int(persons + ID_LEAD)),
        CATEGORY: 10 + random.int(CATEGORIES),
        EXTRA: '',
      };
      yield { topic: NEXMARK_TOPICS.auction, key: longKey(id), value: padded(random, value, AVERAGE_SIZE.auction), timestamp };
    } else {
      let auction: number;
      if (random.int(HOT_AUCTION_ODDS) > 0) {
        auction = Math.floor(lastAuction / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO;
      } else {
        const from = Math.max(lastAuction - AUCTIONS_IN_FLIGHT, 0);
        auction = from + random.int(lastAuction - from + 1 + ID_LEAD);
      }
      let bidder: number;
      if (random.int(HOT_BIDDER_ODDS) > 0) {
        bidder = Math.floor(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1;
      } else {
        const from = Math.max(lastPerson - ACTIVE_PEOPLE, 0);
        bidder = from + random.int(lastPerson - from + 1 + ID_LEAD);
      }
      const hot = random.int(2) > 0;
      const channel = hot ? random.int(HOT_CHANNELS.length) : random.int(CHANNELS);
      const value: Bid = {
        BIDDER: FIRST_PERSON_ID + bidder,
        PRICE: Math.round(10 ** (random.next() * 6) * 100),
        CHANNEL: hot ? HOT_CHANNELS[channel]! : `channel-${channel}`,
        URL: hot ? `https://www.nexmark.com/${HOT_CHANNELS[channel]!.toLowerCase()}/item.htm?query=1` : `https://www.nexmark.com/${random.string(5)}/${random.string(5)}/${random.string(5)}/item.htm?query=1&channel_id=${channel}`,
        DATETIME: timestamp,
        EXTRA: '',
      };
      yield { topic: NEXMARK_TOPICS.bid, key: longKey(FIRST_AUCTION_ID + auction), value: padded(random, value, AVERAGE_SIZE.bid), timestamp };
    }
  }
}
