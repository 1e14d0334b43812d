import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../storage/errors.js';
import {
  decodeAssignment,
  decodeCooperativeStickyUserData,
  decodeStickyUserData,
  decodeSubscription,
  encodeAssignment,
  encodeCooperativeStickyUserData,
  encodeStickyUserData,
  encodeSubscription,
  flattenTopicPartitions,
  groupByTopic,
} from '../../../storage/broker/consumer-protocol.js';
import type { ConsumerProtocolSubscription } from '../../../storage/broker/consumer-protocol.js';
import { subscriptionFromProtocol } from '../../../storage/broker/assignors/partition-assignor.js';

/** Hex to bytes; spaces and `|` only separate, `#` starts a comment to the end of the line. */
function hex(text: string): Buffer {
  const digits = text.replace(/#.*$/gm, '').replace(/[\s|]/g, '');
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`not a hex fixture: ${digits}`);
  return Buffer.from(digits, 'hex');
}

function expectMalformed(action: () => unknown): void {
  let thrown: unknown;
  try {
    action();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(KafkaError);
  expect((thrown as KafkaError).code).toBe('INCONSISTENT_GROUP_PROTOCOL');
}

// Hand-assembled from ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json.
const SUBSCRIPTION_V0 = hex(`
  0000  # version 0
  00000002  # topics: 2
  0003 666f6f  # "foo"
  0003 626172  # "bar"
  ffffffff  # userData: null
`);

const SUBSCRIPTION_V1 = hex(`
  0001  # version 1
  00000001 | 0001 74  # topics: ["t"]
  00000002 | cafe  # userData: 2 bytes
  00000001  # ownedPartitions: 1 topic
  0001 74  # "t"
  00000002 | 00000000 00000002  # partitions [0, 2]
`);

const SUBSCRIPTION_V2 = hex(`
  0002  # version 2
  00000000  # topics: []
  00000000  # userData: empty, not null
  00000000  # ownedPartitions: []
  00000007  # generationId 7
`);

const SUBSCRIPTION_V3 = hex(`
  0003  # version 3
  00000001 | 0001 61  # topics: ["a"]
  ffffffff  # userData: null
  00000001 | 0001 61 | 00000001 | 00000001  # ownedPartitions: a [1]
  00000003  # generationId 3
  0002 7231  # rackId "r1"
`);

const SUBSCRIPTION_V3_VALUE: ConsumerProtocolSubscription = {
  topics: ['a'],
  userData: null,
  ownedPartitions: [{ topic: 'a', partitions: [1] }],
  generationId: 3,
  rackId: 'r1',
};

describe('ConsumerProtocolSubscription', () => {
  it('encodes each version byte for byte', () => {
    expect(encodeSubscription({ topics: ['foo', 'bar'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0)).toEqual(
      SUBSCRIPTION_V0,
    );
    expect(
      encodeSubscription(
        {
          topics: ['t'],
          userData: Buffer.from([0xca, 0xfe]),
          ownedPartitions: [{ topic: 't', partitions: [0, 2] }],
          generationId: 9,
          rackId: 'ignored below v3',
        },
        1,
      ),
    ).toEqual(SUBSCRIPTION_V1);
    expect(
      encodeSubscription({ topics: [], userData: Buffer.alloc(0), ownedPartitions: [], generationId: 7, rackId: null }, 2),
    ).toEqual(SUBSCRIPTION_V2);
    expect(encodeSubscription(SUBSCRIPTION_V3_VALUE)).toEqual(SUBSCRIPTION_V3);
  });

  it('encodes a null rack id as length -1', () => {
    expect(encodeSubscription({ ...SUBSCRIPTION_V3_VALUE, rackId: null }).subarray(-2)).toEqual(hex('ffff'));
  });

  it('decodes each version, filling fields the version lacks with their defaults', () => {
    expect(decodeSubscription(SUBSCRIPTION_V0)).toEqual({
      version: 0,
      topics: ['foo', 'bar'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    expect(decodeSubscription(SUBSCRIPTION_V1)).toEqual({
      version: 1,
      topics: ['t'],
      userData: Buffer.from([0xca, 0xfe]),
      ownedPartitions: [{ topic: 't', partitions: [0, 2] }],
      generationId: -1,
      rackId: null,
    });
    expect(decodeSubscription(SUBSCRIPTION_V2)).toMatchObject({ version: 2, userData: Buffer.alloc(0), generationId: 7 });
    expect(decodeSubscription(SUBSCRIPTION_V3)).toEqual({ version: 3, ...SUBSCRIPTION_V3_VALUE });
  });

  it('reads a newer version as the newest it knows and ignores the fields it does not know', () => {
    const v5 = Buffer.concat([hex('0005'), SUBSCRIPTION_V3.subarray(2), hex('0000002a | 0001 78')]);
    expect(decodeSubscription(v5)).toEqual({ version: 5, ...SUBSCRIPTION_V3_VALUE });
  });

  it('ignores trailing bytes after the fields of a known version, as Java does', () => {
    expect(decodeSubscription(Buffer.concat([SUBSCRIPTION_V0, hex('00000001')]))).toMatchObject({ version: 0, topics: ['foo', 'bar'] });
  });

  it('counts string lengths in UTF-8 bytes', () => {
    const bytes = encodeSubscription({ topics: ['ü'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0);
    expect(bytes).toEqual(hex('0000 | 00000001 | 0002 c3bc | ffffffff'));
    expect(decodeSubscription(bytes).topics).toEqual(['ü']);
  });

  it('throws INCONSISTENT_GROUP_PROTOCOL for every truncation, never a partial result', () => {
    for (const full of [SUBSCRIPTION_V0, SUBSCRIPTION_V1, SUBSCRIPTION_V2, SUBSCRIPTION_V3]) {
      for (let length = 0; length < full.length; length++) expectMalformed(() => decodeSubscription(full.subarray(0, length)));
    }
  });

  it('names the field it ran out of bytes in', () => {
    expect(() => decodeSubscription(SUBSCRIPTION_V3.subarray(0, SUBSCRIPTION_V3.length - 1))).toThrow(/rackId/);
  });

  it('rejects a negative version, null non-nullable fields and negative lengths', () => {
    expectMalformed(() => decodeSubscription(hex('ffff | 00000000 | ffffffff')));
    expectMalformed(() => decodeSubscription(hex('0000 | ffffffff | ffffffff'))); // topics null
    expectMalformed(() => decodeSubscription(hex('0000 | 00000001 | ffff | ffffffff'))); // topic name null
    expectMalformed(() => decodeSubscription(hex('0000 | 00000000 | fffffffe'))); // userData length -2
    expectMalformed(() => decodeSubscription(hex('0003 | 00000000 | ffffffff | 00000000 | 00000001 | fffe'))); // rackId -2
  });

  it('does not loop on a huge element count', () => {
    expectMalformed(() => decodeSubscription(hex('0000 | 7fffffff | 0000')));
  });

  it('refuses to encode an unknown version or an out-of-range int32', () => {
    expect(() => encodeSubscription(SUBSCRIPTION_V3_VALUE, 4)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    expect(() => encodeSubscription({ ...SUBSCRIPTION_V3_VALUE, generationId: 2 ** 31 })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
  });

  it('converts to the assignor view: flat owned partitions, deduplicated topics, empty rack id as none', () => {
    const decoded = decodeSubscription(encodeSubscription({ ...SUBSCRIPTION_V3_VALUE, topics: ['a', 'a'], rackId: '' }));
    expect(subscriptionFromProtocol(decoded, 'instance-1')).toEqual({
      topics: ['a'],
      userData: null,
      ownedPartitions: [{ topic: 'a', partition: 1 }],
      generationId: 3,
      rackId: null,
      groupInstanceId: 'instance-1',
    });
  });
});

const ASSIGNMENT_V0 = hex(`
  0000  # version 0
  00000002  # assignedPartitions: 2 topics
  0003 666f6f | 00000002 | 00000000 00000001  # foo [0, 1]
  0003 626172 | 00000001 | 00000002  # bar [2]
  ffffffff  # userData: null
`);

const ASSIGNMENT_V3 = hex(`
  0003  # version 3
  00000000  # assignedPartitions: []
  00000001 | 01  # userData: 1 byte
`);

describe('ConsumerProtocolAssignment', () => {
  it('encodes byte for byte', () => {
    const assignment = {
      assignedPartitions: [
        { topic: 'foo', partitions: [0, 1] },
        { topic: 'bar', partitions: [2] },
      ],
      userData: null,
    };
    expect(encodeAssignment(assignment, 0)).toEqual(ASSIGNMENT_V0);
    expect(encodeAssignment({ assignedPartitions: [], userData: Buffer.from([1]) })).toEqual(ASSIGNMENT_V3);
  });

  it('decodes, including versions newer than it knows', () => {
    expect(decodeAssignment(ASSIGNMENT_V0)).toEqual({
      version: 0,
      assignedPartitions: [
        { topic: 'foo', partitions: [0, 1] },
        { topic: 'bar', partitions: [2] },
      ],
      userData: null,
    });
    expect(decodeAssignment(Buffer.concat([hex('0009'), ASSIGNMENT_V3.subarray(2), hex('ff')]))).toEqual({
      version: 9,
      assignedPartitions: [],
      userData: Buffer.from([1]),
    });
  });

  it('throws INCONSISTENT_GROUP_PROTOCOL for every truncation, including an empty assignment', () => {
    for (const full of [ASSIGNMENT_V0, ASSIGNMENT_V3]) {
      for (let length = 0; length < full.length; length++) expectMalformed(() => decodeAssignment(full.subarray(0, length)));
    }
  });
});

describe('StickyAssignor user data', () => {
  const V1 = hex(`
    00000001  # previous_assignment: 1 topic
    0002 7430 | 00000002 | 00000000 00000001  # t0 [0, 1]
    00000005  # generation 5
  `);

  it('encodes V1, with the generation and no version prefix', () => {
    expect(encodeStickyUserData([{ topic: 't0', partitions: [0, 1] }], 5)).toEqual(V1);
  });

  it('decodes V1, and V0 (no generation) as written by old clients', () => {
    expect(decodeStickyUserData(V1)).toEqual({ previousAssignment: [{ topic: 't0', partitions: [0, 1] }], generation: 5 });
    expect(decodeStickyUserData(V1.subarray(0, V1.length - 4))).toEqual({
      previousAssignment: [{ topic: 't0', partitions: [0, 1] }],
      generation: null,
    });
  });

  it('throws INCONSISTENT_GROUP_PROTOCOL when not even V0 fits', () => {
    expectMalformed(() => decodeStickyUserData(hex('00000005')));
    expectMalformed(() => decodeStickyUserData(V1.subarray(0, 9)));
  });
});

describe('CooperativeStickyAssignor user data', () => {
  it('is the generation as an int32', () => {
    expect(encodeCooperativeStickyUserData(5)).toEqual(hex('00000005'));
    expect(encodeCooperativeStickyUserData(-1)).toEqual(hex('ffffffff'));
    expect(decodeCooperativeStickyUserData(hex('00000005'))).toBe(5);
    expectMalformed(() => decodeCooperativeStickyUserData(hex('000005')));
  });
});

describe('partition list helpers', () => {
  it('groups by topic with topics and partitions sorted and duplicates dropped', () => {
    const grouped = groupByTopic([
      { topic: 'b', partition: 2 },
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 2 },
    ]);
    expect(grouped).toEqual([
      { topic: 'a', partitions: [1] },
      { topic: 'b', partitions: [0, 2] },
    ]);
    expect(flattenTopicPartitions(grouped)).toEqual([
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 2 },
    ]);
  });
});
