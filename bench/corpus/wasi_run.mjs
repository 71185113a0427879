// Runs a wasm32-wasi command module under Node's WASI (preview1) for build.sh's smoke tests.
// usage: node wasi_run.mjs <dir-to-preopen-as-/> <module.wasm> [args...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [root, file, ...args] = process.argv.slice(2);
if (!root || !file) {
  console.error('usage: node wasi_run.mjs <preopen-dir> <module.wasm> [args...]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens: { '/': root }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
