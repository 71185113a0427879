// Runs a WASI command under Node's built-in WASI (V8).
// Usage: node --experimental-wasi-unstable-preview1 --no-warnings node_wasi.mjs FILE.wasm [ARGS...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, exit } from 'node:process';

const [file, ...args] = argv.slice(2);
if (!file) { console.error('usage: node_wasi.mjs FILE.wasm [ARGS...]'); exit(2); }
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
