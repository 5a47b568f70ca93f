// The DICOM viewer's bridge to its own WebAssembly module (app/src/bin/karte_dicom.rs, built into
// dist/dicom/ by scripts/lib.sh): imported on first use only, from Karte's origin.

let loading = null;

function dicom() {
  if (!loading) {
    loading = import('/dicom/karte_dicom.js').then(async (m) => {
      await m.default();
      return m;
    });
    loading.catch(() => { loading = null; });
  }
  return loading;
}

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
