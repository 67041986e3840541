// What a manifest needs from an ONNX file that onnxruntime does not tell: the default-domain opset and the number of
// parameters (the elements of the graph's initializers). Read straight from the protobuf, field by field, skipping
// everything else (weights included, by their length prefix). Pure: takes the file's bytes.
//
// May import: core/shared.
import { AppError } from '../shared/errors.js';

interface Field {
  number: number;
  wire: number;
  /** Varint value (wire 0). */
  value: number;
  /** Bytes (wire 2). */
  bytes: Uint8Array;
}

/** The top-level fields of one protobuf message. */
function* fields(buffer: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (at >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[at++]!;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  };
  while (at < buffer.length) {
    const tag = varint();
    const wire = tag % 8;
    const number = Math.floor(tag / 8);
    if (wire === 0) yield { number, wire, value: varint(), bytes: new Uint8Array() };
    else if (wire === 2) {
      const length = varint();
      if (at + length > buffer.length) throw new Error('truncated field');
      yield { number, wire, value: 0, bytes: buffer.subarray(at, at + length) };
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const OPSET_DOMAIN = 1;
const OPSET_VERSION = 2;
const GRAPH_INITIALIZER = 5;
const TENSOR_DIMS = 1;

export interface OnnxFacts {
  /** The default (ai.onnx) domain's opset. */
  opset: number;
  /** Elements of all initializers. */
  params: number;
}

export function readOnnxFacts(bytes: Uint8Array, file: string): OnnxFacts {
  try {
    let opset: number | undefined;
    let params = 0;
    for (const field of fields(bytes)) {
      if (field.number === MODEL_OPSET_IMPORT && field.wire === 2) {
        let domain = '';
        let version = 0;
        for (const inner of fields(field.bytes)) {
          if (inner.number === OPSET_DOMAIN && inner.wire === 2) domain = new TextDecoder().decode(inner.bytes);
          if (inner.number === OPSET_VERSION && inner.wire === 0) version = inner.value;
        }
        if (domain === '' || domain === 'ai.onnx') opset = version;
      }
      if (field.number === MODEL_GRAPH && field.wire === 2) {
        for (const graphField of fields(field.bytes)) {
          if (graphField.number !== GRAPH_INITIALIZER || graphField.wire !== 2) continue;
          params += initializerElements(graphField.bytes);
        }
      }
    }
    if (opset === undefined) throw new Error('no ai.onnx opset import');
    return { opset, params };
  } catch (error) {
    throw new AppError('MODEL_LOAD_FAILED', `${file} is not an ONNX model this app can read (${(error as Error).message}).`, { path: file, cause: error });
  }
}

/** The product of a TensorProto's dims (packed or one per field). */
function initializerElements(tensor: Uint8Array): number {
  const dims: number[] = [];
  for (const field of fields(tensor)) {
    if (field.number !== TENSOR_DIMS) continue;
    if (field.wire === 0) dims.push(field.value);
    else if (field.wire === 2) for (const packed of fields(packedAsVarints(field.bytes))) dims.push(packed.value);
  }
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Packed varints re-tagged as field-1 varints, so the same reader walks them. */
function packedAsVarints(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! < 0x80) {
      out.push(0x08, ...bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  return Uint8Array.from(out);
}
