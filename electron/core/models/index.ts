// Public surface of core/models: discover, validate and verify ONNX models described by manifests.
//   resolveModelLocations(overrides?, env?) -> ModelLocations   where bundled and user models live
//   listModels(locations, digests?) -> Promise<ModelListing>    good models + the problems of bad ones
//   loadModelFolder(dir, source, digests?) -> InstalledModel     one folder, throws MODEL_* AppErrors
//   findModel(listing, id) -> InstalledModel                     throws MODEL_NOT_FOUND or the folder's problem
//   DEFAULT_MODEL_ID                                             the model used when none is chosen
//
// May import: node:fs, node:path, node:crypto, core/shared. Never sharp, onnxruntime, engine or imageio.
export { DEFAULT_MODEL_ID } from './default-model.js';
export { FileDigestCache, sha256OfFile } from './file-digest.js';
export { readOnnxFacts, type OnnxFacts } from './onnx-facts.js';
export { ENV_BUNDLED_MODELS, ENV_USER_MODELS, packageRoot, resolveModelLocations, type ModelLocations } from './locations.js';
export {
  findModel,
  listModels,
  loadModelFolder,
  UNTRAINED_LABEL,
  type InstalledModel,
  type ModelListing,
  type ModelProblem,
  type ModelSource,
  type Precision,
} from './registry.js';
