// Writes <file>.br (brotli, quality 11) and <file>.gz (gzip -9) beside each file of the built app
// in dist/ (.wasm, .js, .mjs, .css, .html, in subfolders too), which the server sends as they are to
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

// The app itself (what the first screen loads) apart from the viewers in pdfjs/ and dicom/,
// which load on first use.
const totals = { app: [0, 0], viewers: [0, 0] };
function walk(folder, part) {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      walk(file, entry.name === 'pdfjs' || entry.name === 'dicom' ? 'viewers' : part);
      continue;
    }
    if (!/\.(wasm|m?js|css|html)$/.test(entry.name)) continue;
    const data = fs.readFileSync(file);
    const brotli = zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    writeAtomically(`${file}.br`, brotli);
    writeAtomically(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
    totals[part][0] += data.length;
    totals[part][1] += brotli.length;
  }
}
walk(dir, 'app');
const [raw, br] = totals.app;
const [vraw, vbr] = totals.viewers;
console.log(`precompressed ${dir}: ${raw} bytes → ${br} bytes brotli`);
console.log(`  viewers (loaded on first use): ${vraw} bytes → ${vbr} bytes brotli`);
