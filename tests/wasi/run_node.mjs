// Run a WASI module with node's WASI (the reference the suite compares with):
//   node run_node.mjs [--dir GUEST::HOST]... [--env K=V]... module.wasm [args...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv } from 'node:process';

const preopens = {};
const env = {};
let i = 2;
for (; i < argv.length; i++) {
  if (argv[i] === '--dir') {
    const [g, h] = argv[++i].split('::');
    preopens[g] = h;
  } else if (argv[i] === '--env') {
    const s = argv[++i];
    const k = s.indexOf('=');
    env[s.slice(0, k)] = s.slice(k + 1);
  } else {
    break;
  }
}
const path = argv[i];
const wasi = new WASI({
  version: 'preview1',
  args: [path.split('/').pop(), ...argv.slice(i + 1)],
  env,
  preopens,
  returnOnExit: true,
});
const mod = await WebAssembly.compile(await readFile(path));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
process.exitCode = wasi.start(inst);
