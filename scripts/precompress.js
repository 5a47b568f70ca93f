// Writes <file>.br (brotli, quality 11) and <file>.gz (gzip -9) beside each file of the built app
// in dist/ (.wasm, .js, .css, .html, in subfolders too), which the server sends as they are to
// browsers that accept them: the first-load budget (DESIGN.md §8) counts what goes over the wire.
// Each copy is written to a temporary name and renamed, so an interrupted run never leaves a
// truncated file to be served. Node's own zlib: no extra package.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/precompress.js DIST_DIR');
  process.exit(2);
}

function writeAtomically(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

let raw = 0;
let br = 0;
function walk(folder) {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      walk(file);
      continue;
    }
    if (!/\.(wasm|js|css|html)$/.test(entry.name)) continue;
    const data = fs.readFileSync(file);
    const brotli = zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    writeAtomically(`${file}.br`, brotli);
    writeAtomically(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
    raw += data.length;
    br += brotli.length;
  }
}
walk(dir);
console.log(`precompressed ${dir}: ${raw} bytes → ${br} bytes brotli`);
