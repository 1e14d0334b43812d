/**
 * The compression codecs of RecordBatch v2 (attributes bits 0-2), each from a well-kept package:
 * gzip from zlib, snappy and lz4 from napi-rs bindings, zstd from a WebAssembly build.
 *
 * Snappy: Kafka's Java client writes xerial's framing (the `\x82SNAPPY\0` header, two int32
 * versions, then int32-length-prefixed raw blocks); librdkafka accepts it and may itself write raw
 * snappy. We write the framing and read both. LZ4: the standard LZ4 frame format.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { KafkaError } from '../errors.js';

export const Codec = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function codecOf(type: CompressionType): Codec {
  const codec = COMPRESSION_TYPES.indexOf(type);
  if (codec < 0) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Unknown compression type '${type}': use one of ${COMPRESSION_TYPES.join(', ')}.`);
  }
  return codec as Codec;
}

export function compressionTypeOf(codec: number): CompressionType {
  const type = COMPRESSION_TYPES[codec];
  if (type === undefined) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Record batch uses compression codec ${codec}, which does not exist (0-4 are defined).`);
  }
  return type;
}

interface ZstdCodec {
  compress(data: Uint8Array, level?: number): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

let zstd: ZstdCodec | undefined;
let zstdLoading: Promise<void> | undefined;

/** Loads the codecs that need asynchronous initialisation (zstd's WebAssembly). Idempotent. */
export function loadCodecs(): Promise<void> {
  zstdLoading ??= import('@hpcc-js/wasm-zstd').then(async ({ Zstd }) => {
    zstd = (await Zstd.load()) as unknown as ZstdCodec;
  });
  return zstdLoading;
}

function requireZstd(): ZstdCodec {
  if (zstd === undefined) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', 'zstd is not loaded yet: await loadCodecs() (Broker.open does) before handling zstd batches.');
  }
  return zstd;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_BLOCK_SIZE = 32 * 1024;

function snappyFramed(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = snappyCompress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

function snappyUnframed(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_SIZE || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return snappyUncompress(data) as Buffer;
  }
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new RangeError('truncated xerial snappy block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw new RangeError('truncated xerial snappy block');
    parts.push(snappyUncompress(data.subarray(pos, pos + len)) as Buffer);
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export function compress(codec: Codec, data: Buffer): Buffer {
  switch (codec) {
    case Codec.None:
      return data;
    case Codec.Gzip:
      return gzipSync(data);
    case Codec.Snappy:
      return snappyFramed(data);
    case Codec.Lz4:
      return compressFrameSync(data);
    case Codec.Zstd: {
      const out = requireZstd().compress(data, 3);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
    default:
      throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Compression codec ${codec as number} does not exist.`);
  }
}

/** Decompresses; corrupt input throws CORRUPT_MESSAGE. */
export function decompress(codec: Codec, data: Buffer): Buffer {
  try {
    switch (codec) {
      case Codec.None:
        return data;
      case Codec.Gzip:
        return gunzipSync(data);
      case Codec.Snappy:
        return snappyUnframed(data);
      case Codec.Lz4:
        return decompressFrameSync(data);
      case Codec.Zstd: {
        const out = requireZstd().decompress(data);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      }
      default:
        throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Compression codec ${codec as number} does not exist.`);
    }
  } catch (err) {
    if (err instanceof KafkaError) throw err;
    throw new KafkaError('CORRUPT_MESSAGE', `A ${compressionTypeOf(codec)}-compressed record batch does not decompress: ${(err as Error).message}.`, { cause: err });
  }
}
