// Times WebAssembly.validate() on whole modules in-process (node/V8), as a baseline for skiff's
// decode+validate benchmark. Invoked by validate_baselines.sh; usable on its own:
//
//   node --no-wasm-lazy-validation [--single-threaded] v8_validate.js [--label=v8] [--min-time=1] FILE...
//
// Per file: read once; warm up (>= 3 calls and >= 0.2 s); then time individual calls until
// --min-time seconds have passed (at least 5 calls). Prints one line per file:
//
//   <label> <file> <MB/s> <median_ms> <cpu_ms> <calls>
//
// MB/s = file bytes / 1e6 / median seconds per call. cpu_ms is process CPU time (user+sys) per
// call: above median_ms means V8 validated function bodies on background threads too (it does by
// default; pass --single-threaded to node for a one-thread figure).
'use strict';
const fs = require('node:fs');

let label = 'v8';
let minTime = 1.0;
const files = [];
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--label=')) label = a.slice(8);
  else if (a.startsWith('--min-time=')) minTime = Number(a.slice(11));
  else files.push(a);
}
if (files.length === 0 || !(minTime > 0)) {
  console.error('usage: node v8_validate.js [--label=NAME] [--min-time=SECONDS] FILE...');
  process.exit(2);
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
let failed = false;

for (const file of files) {
  const bytes = fs.readFileSync(file);
  if (!WebAssembly.validate(bytes)) {
    console.error(`v8_validate.js: ${file}: WebAssembly.validate returned false`);
    console.log(`${label} ${file} invalid`);
    failed = true;
    continue;
  }
  const warmStart = nowMs();
  for (let i = 0; i < 3 || nowMs() - warmStart < 200; i++) WebAssembly.validate(bytes);

  const times = [];
  const cpu0 = process.cpuUsage();
  const start = nowMs();
  while (times.length < 5 || nowMs() - start < minTime * 1000) {
    const t0 = nowMs();
    WebAssembly.validate(bytes);
    times.push(nowMs() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  const cpuMs = (cpu.user + cpu.system) / 1000 / times.length;
  const mbps = bytes.length / 1e6 / (median / 1000);
  console.log(`${label} ${file} ${mbps.toFixed(1)} ${median.toFixed(3)} ${cpuMs.toFixed(3)} ${times.length}`);
}
process.exitCode = failed ? 1 : 0;
