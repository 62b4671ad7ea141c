// Run a YoWASP npm package's command through the package's own JavaScript
// runner (its bundle.js: the component transpiled by jco, on node's V8), the
// way the package is meant to be used from node:
//   node yowasp_run.mjs PACKAGE_DIR COMMAND WORKDIR [ARGS...]
// The files of WORKDIR (top level only) are given to the command as its
// current directory; the files it leaves there are written back to WORKDIR.
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import process from 'node:process';

const [pkg, command, workdir, ...args] = process.argv.slice(2);
if (!pkg || !command || !workdir) {
    process.stderr.write('usage: node yowasp_run.mjs PACKAGE_DIR COMMAND WORKDIR [ARGS...]\n');
    process.exit(2);
}
const { commands, Exit } = await import(pathToFileURL(join(pkg, 'gen', 'bundle.js')).href);
const files = {};
for (const name of await readdir(workdir)) {
    const path = join(workdir, name);
    if ((await stat(path)).isFile()) files[name] = await readFile(path);
}
const write = (stream) => (bytes) => { if (bytes) stream.write(bytes); };
let out;
try {
    out = await commands[command](args, files, { stdout: write(process.stdout), stderr: write(process.stderr) });
} catch (e) {
    if (!(e instanceof Exit)) throw e;
    process.exitCode = e.code;
    out = e.files;
}
for (const [name, value] of Object.entries(out ?? {})) {
    if (typeof value === 'string' || value instanceof Uint8Array) await writeFile(join(workdir, name), value);
}
