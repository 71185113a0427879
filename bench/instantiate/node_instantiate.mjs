// The instantiation cycle of skiff_instantiate_bench in V8: new WebAssembly.Instance from an
// already compiled module + call `run` (if exported), repeated; imports are functions that
// throw. Tear-down is V8's garbage collector's business, so it is not in the cycle.
// usage: node node_instantiate.mjs SECONDS MODULE.wasm...
// Output: `node <file> <median_us> <p99_us> <cycles> <run result or ->`
import { readFileSync } from 'node:fs';

const [seconds, ...files] = process.argv.slice(2);
for (const file of files) {
  const module = new WebAssembly.Module(readFileSync(file));
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    if (imp.kind === 'function') imports[imp.module][imp.name] = () => { throw new Error('stub'); };
    else if (imp.kind === 'memory') imports[imp.module][imp.name] = new WebAssembly.Memory({ initial: 1 });
    else if (imp.kind === 'table') imports[imp.module][imp.name] = new WebAssembly.Table({ initial: 1, element: 'anyfunc' });
    else imports[imp.module][imp.name] = 0;
  }
  const hasRun = WebAssembly.Module.exports(module).some((e) => e.name === 'run' && e.kind === 'function');
  const cycle = () => {
    const inst = new WebAssembly.Instance(module, imports);
    return hasRun ? inst.exports.run() : 0;
  };
  for (let i = 0; i < 100; i++) cycle();
  const times = [];
  let result = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(Number(seconds) * 1e9));
  while (process.hrtime.bigint() < end || times.length < 1000) {
    const t0 = process.hrtime.bigint();
    result = cycle();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const med = times[times.length >> 1], p99 = times[Math.floor(times.length * 0.99)];
  console.log(`node ${file} ${med.toFixed(3)} ${p99.toFixed(3)} ${times.length} ${hasRun ? result : '-'}`);
}
