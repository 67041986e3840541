// Entry point of the engine process: `child_process.fork('dist/core/engine/worker-main.js')` from EngineClient, or
// Electron's `utilityProcess.fork` of the same file. All inference, decoding and encoding happen here, off the
// caller's event loop.
//
// May import: ./engine, ./engine-service, ./process-setup, ./worker-port.
import { Engine } from './engine.js';
import { serveEngine } from './engine-service.js';
import { configureEngineProcess } from './process-setup.js';
import { parentWorkerPort } from './worker-port.js';

configureEngineProcess();
serveEngine(parentWorkerPort(), (config) => new Engine(config));
