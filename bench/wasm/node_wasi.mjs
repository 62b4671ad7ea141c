// Run a WASI (preview1) command module under node, as bench/wasm/run.sh
// does for each runtime: node --experimental-wasi-unstable-preview1 \
//   node_wasi.mjs MODULE.wasm [ARGS...]   (argv[0] seen by the guest: MODULE's basename)
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import process from 'node:process';
import { WASI } from 'node:wasi';

const [path, ...args] = process.argv.slice(2);
if (!path) {
    process.stderr.write('usage: node node_wasi.mjs MODULE.wasm [ARGS...]\n');
    process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [basename(path), ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(path));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
