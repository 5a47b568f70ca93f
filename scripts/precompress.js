// Writes <file>.br (brotli, quality 11) and <file>.gz (gzip -9) beside each file of the built app
// in dist/, which the server sends as they are to browsers that accept them: the first-load
// budget (DESIGN.md §8) counts what goes over the wire. Node's own zlib: no extra package.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/precompress.js DIST_DIR');
  process.exit(2);
}
let raw = 0;
let br = 0;
for (const name of fs.readdirSync(dir)) {
  if (!/\.(wasm|js|css|html)$/.test(name)) continue;
  const file = path.join(dir, name);
  const data = fs.readFileSync(file);
  const brotli = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  fs.writeFileSync(file + '.br', brotli);
  fs.writeFileSync(file + '.gz', zlib.gzipSync(data, { level: 9 }));
  raw += data.length;
  br += brotli.length;
}
console.log(`precompressed ${dir}: ${raw} bytes → ${br} bytes brotli`);
