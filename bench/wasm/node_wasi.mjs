// Run a WASI (preview1) command module under node, as bench/wasm/run.sh
// does for each runtime: node --experimental-wasi-unstable-preview1 \
//   node_wasi.mjs [--dir HOST:GUEST]... MODULE.wasm [ARGS...]
// (argv[0] seen by the guest: MODULE's basename; each --dir preopens HOST as GUEST)
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import process from 'node:process';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = {};
while (argv[0] === '--dir' && argv.length > 1) {
    const spec = argv[1];
    const colon = spec.indexOf(':');
    if (colon < 0) preopens[spec] = spec;
    else preopens[spec.slice(colon + 1)] = spec.slice(0, colon);
    argv.splice(0, 2);
}
const [path, ...args] = argv;
if (!path) {
    process.stderr.write('usage: node node_wasi.mjs [--dir HOST:GUEST]... MODULE.wasm [ARGS...]\n');
    process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [basename(path), ...args], env: {}, preopens, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(path));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
