// The model contract: `native-models/<id>/manifest.json`. The training workspace writes it, the engine reads it.
// This zod schema is the single source of truth: `npm run gen:schema` writes `native-models/manifest.schema.json`
// from it (Python validates against that file), and a test fails when the committed JSON Schema is stale.
//
// May import: zod only.
import { z } from 'zod';

export const MANIFEST_SCHEMA_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 digest');

export const ModelFileSchema = z
  .object({
    path: z
      .string()
      .regex(/^[A-Za-z0-9._-]+\.onnx$/, 'a plain .onnx file name inside the model folder')
      .describe('File name relative to the manifest folder.'),
    sha256,
    bytes: z.number().int().positive(),
    dtype: z.enum(['float32', 'float16']).describe('Element type of the graph input and output tensors.'),
  })
  .strict();

export const FixedTileSchema = z
  .object({
    mode: z.literal('fixed'),
    size: z.number().int().positive().describe('LR tile side in pixels; the graph accepts only this size.'),
  })
  .strict();

export const FreeTileSchema = z
  .object({
    mode: z.literal('free'),
    multipleOf: z.number().int().positive(),
    min: z.number().int().positive(),
    max: z.number().int().positive(),
    default: z.number().int().positive().describe('Tile side (LR px) used when the user does not choose one.'),
  })
  .strict()
  .refine((t) => t.min <= t.default && t.default <= t.max, { message: 'tile.min <= tile.default <= tile.max' });

export const TileRuleSchema = z.discriminatedUnion('mode', [FixedTileSchema, FreeTileSchema]);

export const ManifestSchema = z
  .object({
    $schema: z.string().optional(),
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, dot, dash, underscore'),
    name: z.string().min(1),
    version: z.string().regex(/^\d+\.\d+\.\d+([-+].+)?$/, 'a semantic version such as 1.0.0'),
    description: z.string(),
    /** One or two sentences for people: what the model is good for and what it does to a photo (its card in the app). */
    summary: z.string().min(1).max(300).optional(),
    family: z.enum(['tinysr', 'generic-sr']),
    scale: z.number().int().min(1).max(8),
    files: z
      .object({
        fp32: ModelFileSchema,
        fp16: ModelFileSchema.optional(),
      })
      .strict(),
    io: z
      .object({
        input: z.string().min(1),
        output: z.string().min(1),
        layout: z.literal('NCHW'),
        channels: z.literal(3),
        colorOrder: z.literal('RGB'),
        range: z.tuple([z.literal(0), z.literal(1)]).describe('Value range of input and output tensors.'),
        dynamicBatch: z.boolean(),
        opset: z.number().int().min(7),
      })
      .strict(),
    tile: TileRuleSchema,
    overlap: z.number().int().min(0).describe('Recommended overlap between neighbouring tiles, LR px.'),
    receptiveField: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('LR px each side that influence one output pixel, when bounded and known.'),
    colorFix: z.enum(['adain', 'wavelet', 'none']),
    cost: z
      .object({
        params: z.number().int().min(0),
        tileLr: z.number().int().positive().describe('LR tile side the MAC counts refer to.'),
        macs: z.number().min(0).describe('MACs per tile, thop convention (attention matmuls not counted).'),
        macsWithAttention: z.number().min(0),
      })
      .strict(),
    license: z
      .object({
        id: z.string().min(1).describe('SPDX identifier of the weights licence.'),
        notes: z.string().optional(),
      })
      .strict(),
    provenance: z
      .object({
        weights: z
          .enum(['trained', 'imported', 'random-init', 'analytic'])
          .describe('random-init: untrained test weights; analytic: a fixed function such as bicubic.'),
        teacher: z.string(),
        data: z.string(),
        configHash: z.string(),
        config: z.record(z.string(), z.unknown()).describe('The resolved training/export config.'),
        exporter: z.string(),
        createdAt: z.string(),
        parity: z
          .object({
            fp32MaxAbsError: z.number().min(0),
            fp16MaxAbsError: z.number().min(0).optional(),
          })
          .strict(),
      })
      .strict(),
    quality: z
      .array(
        z
          .object({
            dataset: z.string(),
            metric: z.string(),
            value: z.number(),
            reference: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;
export type ModelFile = z.infer<typeof ModelFileSchema>;
export type TileRule = z.infer<typeof TileRuleSchema>;

/** The JSON Schema (draft 2020-12) that `native-models/manifest.schema.json` must equal. */
export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ManifestSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $id: 'https://tinysr.studio/schemas/manifest.schema.json',
    title: 'TinySR Studio model manifest',
    ...schema,
  };
}
