//! The DICOM viewer's own WebAssembly module: `shared::dicom` (dicom-rs and its dictionary)
//! behind a small JavaScript API. Built apart from the app (scripts/lib.sh `build_dicom`, into
//! `dist/dicom/`) and imported by the viewer on first use, so the first screen never carries it.
//!
//! `new DicomFile(bytes)` parses (an error is the message to show); `info()` gives the patient,
//! study and image data as JSON; `render(frame, center, width)` gives the frame as RGBA under a
//! window (gray) or as it is (colour), ready for a canvas.

use shared::dicom::{default_window, window_level, Dicom, Frame};
use wasm_bindgen::prelude::*;

fn main() {}

#[wasm_bindgen]
pub struct DicomFile {
    dicom: Dicom,
    /// The last frame decoded (moving the window does not decode again).
    cached: Option<(u32, Frame)>,
}

#[wasm_bindgen]
impl DicomFile {
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<DicomFile, JsValue> {
        let dicom = Dicom::parse(bytes).map_err(|e| JsValue::from_str(&e.message_ja()))?;
        Ok(DicomFile {
            dicom,
            cached: None,
        })
    }

    /// The file's data as JSON (see `shared::dicom::DicomInfo`).
    pub fn info(&self) -> String {
        let i = self.dicom.info();
        serde_json::json!({
            "patient_name": i.patient_name,
            "patient_id": i.patient_id,
            "patient_birth_date": i.patient_birth_date,
            "patient_sex": i.patient_sex,
            "study_date": i.study_date,
            "study_description": i.study_description,
            "modality": i.modality,
            "series_description": i.series_description,
            "series_number": i.series_number,
            "instance_number": i.instance_number,
            "rows": i.rows,
            "columns": i.columns,
            "frames": i.frames,
            "window": i.window.map(|(c, w)| [c, w]),
            "pixel_spacing": i.pixel_spacing.map(|(r, c)| [r, c]),
            "transfer_syntax": i.transfer_syntax_name,
        })
        .to_string()
    }

    fn frame(&mut self, n: u32) -> Result<&Frame, JsValue> {
        if self.cached.as_ref().is_none_or(|(m, _)| *m != n) {
            let frame = self
                .dicom
                .frame(n)
                .map_err(|e| JsValue::from_str(&e.message_ja()))?;
            self.cached = Some((n, frame));
        }
        match &self.cached {
            Some((_, frame)) => Ok(frame),
            None => Err(JsValue::from_str("画像を読めません")),
        }
    }

    /// The window to start with for frame `n`: `[center, width]` (the file's, else the range).
    pub fn default_window(&mut self, n: u32) -> Result<Vec<f64>, JsValue> {
        let info = self.dicom.info().clone();
        Ok(match self.frame(n)? {
            Frame::Gray { values, .. } => {
                let (c, w) = default_window(&info, values);
                vec![c, w]
            }
            Frame::Rgb { .. } => vec![127.5, 256.0],
        })
    }

    /// Frame `n` as RGBA (width × height × 4) under the window `center`/`width` (colour frames
    /// ignore the window).
    pub fn render(&mut self, n: u32, center: f64, width: f64) -> Result<Vec<u8>, JsValue> {
        Ok(match self.frame(n)? {
            Frame::Gray { values, invert, .. } => {
                let gray = window_level(values, center, width, *invert);
                gray.iter().flat_map(|&g| [g, g, g, 255]).collect()
            }
            Frame::Rgb { rgb, .. } => rgb
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
        })
    }

    /// Width and height of frame `n` in pixels.
    pub fn size(&mut self, n: u32) -> Result<Vec<u32>, JsValue> {
        Ok(match self.frame(n)? {
            Frame::Gray { width, height, .. } | Frame::Rgb { width, height, .. } => {
                vec![*width, *height]
            }
        })
    }
}
