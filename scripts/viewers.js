// Copies the viewers' third-party files from tools/node_modules (installed from
// tools/package-lock.json) into the built app: PDF.js (pdfjs-dist, Apache-2.0) into
// DIST_DIR/pdfjs/ — the library and its worker (minified ES modules), the CMaps and standard
// fonts that PDFs without embedded Japanese fonts need, the image decoders' WebAssembly, and the
// licence. The app loads them on first use only (app/viewers.js), never with the first screen.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node scripts/viewers.js DIST_DIR');
  process.exit(2);
}
const root = path.join(__dirname, '..', 'tools', 'node_modules', 'pdfjs-dist');
const out = path.join(dist, 'pdfjs');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const copy = (from, to) => fs.cpSync(path.join(root, from), path.join(out, to), { recursive: true });
copy('build/pdf.min.mjs', 'pdf.min.mjs');
copy('build/pdf.worker.min.mjs', 'pdf.worker.min.mjs');
copy('cmaps', 'cmaps');
copy('standard_fonts', 'standard_fonts');
for (const f of ['openjpeg.wasm', 'jbig2.wasm', 'qcms_bg.wasm', 'LICENSE_OPENJPEG', 'LICENSE_JBIG2',
                 'LICENSE_QCMS', 'LICENSE_PDFJS_OPENJPEG', 'LICENSE_PDFJS_JBIG2', 'LICENSE_PDFJS_QCMS']) {
  copy(path.join('wasm', f), path.join('wasm', f));
}
copy('LICENSE', 'LICENSE');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
console.log(`viewers: PDF.js ${version} copied to ${out}`);
