// Runs a probe module (reference.py build_probe(..., split_v128=True): no imports, one
// export "probe" returning only i32/i64) in node's V8: diff.py's tie-breaker and
// triage.py's third opinion. Prints each result as "i32:U32" or "i64:U64" (unsigned
// decimal), one per line; a trap prints "trap: MESSAGE" (V8's wording) and exits 1.
// Usage: node v8_probe.mjs PROBE.wasm
import { readFileSync } from 'node:fs';
import { argv, exit } from 'node:process';

const file = argv[2];
if (!file) { console.error('usage: node v8_probe.mjs PROBE.wasm'); exit(2); }
let instance;
try {
  ({ instance } = await WebAssembly.instantiate(readFileSync(file)));
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError) { console.error(`trap: ${e.message}`); exit(1); }
  console.error(`error: ${e.message}`);
  exit(2);
}
let results;
try {
  results = instance.exports.probe();
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
    console.error(`trap: ${e.message}`);
    exit(1);
  }
  throw e;
}
if (!Array.isArray(results)) results = results === undefined ? [] : [results];
for (const v of results)
  console.log(typeof v === 'bigint' ? `i64:${BigInt.asUintN(64, v)}` : `i32:${v >>> 0}`);
