// The viewers' bridge to the libraries they load on first use, never with the first screen:
// PDF.js (Mozilla, Apache-2.0; pdfjs-dist from npm, copied into dist/pdfjs/ by scripts/viewers.js)
// and Karte's own DICOM module (app/src/bin/karte_dicom.rs, built into dist/dicom/ by
// scripts/lib.sh). Both are dynamic imports from Karte's origin (the CSP allows scripts and
// workers from 'self' only). The app passes the bytes it fetched from /api/v1; nothing here talks
// to the API.

// Imports `url` once (then `init` on the module); a failed load is tried again next time.
function lazy(url, init) {
  let loading = null;
  return () => {
    if (!loading) {
      loading = import(url).then(init);
      loading.catch(() => { loading = null; });
    }
    return loading;
  };
}

// ---- PDF.js: its parser runs in a module worker; scripting (JavaScript inside PDFs) and eval
// are off.

const PDFJS = '/pdfjs/';
const pdfjs = lazy(PDFJS + 'pdf.min.mjs', (lib) => {
  lib.GlobalWorkerOptions.workerSrc = PDFJS + 'pdf.worker.min.mjs';
  return lib;
});

// Opens a PDF from its bytes (a Uint8Array); resolves to the document.
export async function pdf_open(bytes) {
  const lib = await pdfjs();
  return lib.getDocument({
    data: bytes,
    isEvalSupported: false,
    cMapUrl: PDFJS + 'cmaps/',
    cMapPacked: true,
    standardFontDataUrl: PDFJS + 'standard_fonts/',
    wasmUrl: PDFJS + 'wasm/',
    stopAtErrors: false,
  }).promise;
}

export function pdf_pages(doc) {
  return doc.numPages;
}

// Draws page `n` (from 1) into `canvas` at `scale` (CSS pixels per PDF point), sharp on
// high-density screens; resolves to [width, height] in CSS pixels.
// The render in flight on each canvas: a new one cancels it (PDF.js refuses two at once).
const rendering = new WeakMap();
// Largest canvas drawn, in device pixels (what mobile browsers allow).
const MAX_CANVAS = 16777216;

export async function pdf_render(doc, n, canvas, scale) {
  const previous = rendering.get(canvas);
  if (previous) {
    previous.cancel();
    try { await previous.promise; } catch (_) { /* cancelled */ }
  }
  const page = await doc.getPage(n);
  const viewport = page.getViewport({ scale });
  let ratio = window.devicePixelRatio || 1;
  const area = viewport.width * viewport.height;
  if (area * ratio * ratio > MAX_CANVAS) ratio = Math.sqrt(MAX_CANVAS / Math.max(area, 1));
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = Math.floor(viewport.width) + 'px';
  canvas.style.height = Math.floor(viewport.height) + 'px';
  const task = page.render({
    canvasContext: canvas.getContext('2d'),
    canvas,
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
  });
  rendering.set(canvas, task);
  try {
    await task.promise;
  } finally {
    if (rendering.get(canvas) === task) rendering.delete(canvas);
  }
  return [Math.floor(viewport.width), Math.floor(viewport.height)];
}

// The pages whose text contains `query` (spaces ignored, as PDF text often splits words), with
// the number of matches on each: [[page, count], …].
export async function pdf_find(doc, query) {
  const needle = query.replace(/\s+/g, '');
  const hits = [];
  if (!needle) return hits;
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    const text = content.items.map((item) => item.str || '').join('').replace(/\s+/g, '');
    let count = 0;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
      count++;
    }
    if (count > 0) hits.push([n, count]);
  }
  return hits;
}

// Every page as a PNG object URL at print resolution (for the print view); the caller revokes
// them with pdf_release.
export async function pdf_print_images(doc) {
  const urls = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const canvas = document.createElement('canvas');
      const page = await doc.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const scale = Math.min(2, Math.sqrt(MAX_CANVAS / Math.max(base.width * base.height, 1)));
      const viewport = page.getViewport({ scale });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      await page.render({ canvasContext: canvas.getContext('2d'), canvas, viewport }).promise;
      page.cleanup();
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      if (!blob) throw new Error('page image');
      urls.push(URL.createObjectURL(blob));
    }
  } catch (err) {
    pdf_release(urls);
    throw err;
  }
  return urls;
}

export function pdf_release(urls) {
  for (const url of urls) URL.revokeObjectURL(url);
}

// Ends the document's worker task (PDF.js 6: through its loading task). Never throws: it runs
// while the viewer is taken down.
export function pdf_close(doc) {
  try {
    const task = doc && doc.loadingTask;
    if (task && typeof task.destroy === 'function') {
      task.destroy().catch(() => {});
    }
  } catch (_) {
    // Nothing left to end.
  }
}

// ---- The DICOM module (dicom-rs in WebAssembly).

const dicom = lazy('/dicom/karte_dicom.js', async (m) => {
  await m.default();
  return m;
});

// Parses a file's bytes; throws the message to show when it cannot.
export async function dicom_open(bytes) {
  const m = await dicom();
  return new m.DicomFile(bytes);
}

export function dicom_info(file) {
  return file.info();
}

// [center, width] to start frame `n` with.
export function dicom_window(file, n) {
  return Array.from(file.default_window(n));
}

// Draws frame `n` under the window into `canvas` (its pixel size becomes the image's);
// returns [width, height].
export function dicom_draw(file, n, center, width, canvas) {
  const [w, h] = Array.from(file.size(n));
  const rgba = file.render(n, center, width);
  canvas.width = w;
  canvas.height = h;
  const image = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), w, h);
  canvas.getContext('2d').putImageData(image, 0, 0);
  return [w, h];
}

export function dicom_free(file) {
  try {
    file.free();
  } catch (_) {
    // Already freed.
  }
}
