// The renderer's entry: connects to the host (Electron's preload or the browser-mode server), builds the window's
// state around it and mounts the app.
//
// May import: ./App.svelte, lib/backend, lib/stores.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { connectBackend } from './lib/backend/index.js';
import { AppState } from './lib/stores/app-state.svelte.js';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');

// In browser mode the image key is derived first (WebCrypto is asynchronous), so every image URL carries it.
void connectBackend().then((backend) => mount(App, { target, props: { state: new AppState(backend) } }));
