// Write the file tree a YoWASP npm package bundles into its resources-*.js
// module (small files inline, large ones as URLs of files in gen/share) out
// as a directory, so any WASI runtime can preopen it as /share:
//   node yowasp_share.mjs PACKAGE_DIR/gen/resources-NAME.js OUT_DIR
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import process from 'node:process';

const [resources, out] = process.argv.slice(2);
if (!resources || !out) {
    process.stderr.write('usage: node yowasp_share.mjs resources-NAME.js OUT_DIR\n');
    process.exit(2);
}
const { filesystem } = await import(pathToFileURL(resources).href);

async function put(dir, tree) {
    await mkdir(dir, { recursive: true });
    for (const [name, value] of Object.entries(tree)) {
        const path = join(dir, name);
        if (typeof value === 'string' || value instanceof Uint8Array) await writeFile(path, value);
        else if (value instanceof URL) await copyFile(fileURLToPath(value), path);
        else await put(path, value);
    }
}
// The tree's top level is { share: {...} }: OUT_DIR becomes that share.
await put(out, filesystem.share ?? filesystem);
