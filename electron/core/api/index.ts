// Public surface of core/api: the service that implements the API contract for every transport.
//
// May import: its own files.
export { createApiService, type ApiEngine, type ApiService, type ApiServiceOptions } from './service.js';
export { MAX_PREVIEW_SIDE } from './preview.js';
