//! DICOM (画像検査: echo, X-ray, CT exports) for the viewer: a Part 10 file read with dicom-rs
//! (maintained, pure Rust) into what the viewer shows — the patient and study data, the image
//! geometry, the window the modality suggests, the pixel spacing for measuring — and each frame
//! decoded to modality values (uncompressed by dicom-rs; RLE Lossless here; JPEG baseline,
//! extended and lossless by jpeg-decoder), every size and offset checked against the bytes.
//! A transfer syntax Karte cannot decode (JPEG 2000, JPEG-LS, …) is a clear error naming it.
//! Parsing outside data never panics: every failure is a [`DicomError`], and a header asking
//! for more pixels than [`MAX_PIXELS`] is refused before anything is decoded. No IO.

use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use dicom_pixeldata::PixelDecoder;

/// Most pixels (rows × columns × frames × samples) a file may ask to decode: 1 GiB of 32-bit
/// values would not fit a tablet's memory; a 1,000-slice 512×512 CT series is 262 M.
pub const MAX_PIXELS: u64 = 300_000_000;

/// Most pixels of one frame (a canvas on a tablet holds about 16.7 M; a 5,000 × 6,000
/// mammogram is 30 M).
pub const MAX_FRAME_PIXELS: u64 = 40_000_000;

/// Transfer syntaxes the viewer decodes (PS3.5 Annex A, PS3.6 Table A-1), with their names.
const SUPPORTED: &[(&str, &str)] = &[
    ("1.2.840.10008.1.2", "Implicit VR Little Endian"),
    ("1.2.840.10008.1.2.1", "Explicit VR Little Endian"),
    ("1.2.840.10008.1.2.2", "Explicit VR Big Endian"),
    ("1.2.840.10008.1.2.4.50", "JPEG Baseline"),
    ("1.2.840.10008.1.2.4.51", "JPEG Extended"),
    ("1.2.840.10008.1.2.4.57", "JPEG Lossless"),
    ("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1"),
    ("1.2.840.10008.1.2.5", "RLE Lossless"),
];

/// Names of transfer syntaxes that are refused, for the message.
const KNOWN: &[(&str, &str)] = &[
    (
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
    ),
    ("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
    ("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"),
    ("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
    ("1.2.840.10008.1.2.4.91", "JPEG 2000"),
    ("1.2.840.10008.1.2.4.201", "HTJ2K Lossless"),
    ("1.2.840.10008.1.2.4.203", "HTJ2K"),
    ("1.2.840.10008.1.2.4.100", "MPEG2"),
    ("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264"),
];

/// Why a file cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DicomError {
    #[error("not a DICOM file")]
    NotDicom,
    #[error("the file has no image")]
    NoImage,
    #[error("transfer syntax not supported: {name}")]
    UnsupportedTransferSyntax { name: String },
    #[error("image too large")]
    TooLarge,
    #[error("frame {0} does not exist")]
    NoSuchFrame(u32),
    #[error("the image data cannot be decoded")]
    Undecodable,
    #[error("the data set is nested too deeply or has too many elements")]
    TooComplex,
}

impl DicomError {
    /// What the viewer says.
    pub fn message_ja(&self) -> String {
        match self {
            Self::NotDicom => "DICOMファイルとして読めません（壊れているか、別の形式です）".into(),
            Self::NoImage => {
                "このDICOMファイルには画像がありません（レポートや構造化データです）".into()
            }
            Self::UnsupportedTransferSyntax { name } => format!(
                "この画像の圧縮形式（{name}）には対応していません。非圧縮かJPEGで書き出してください"
            ),
            Self::TooLarge => "画像が大きすぎて表示できません".into(),
            Self::TooComplex => {
                "DICOMファイルの構造が深すぎるか要素が多すぎて読めません（壊れているか、不正なファイルです）"
                    .into()
            }
            Self::NoSuchFrame(n) => format!("{}枚目の画像はありません", n + 1),
            Self::Undecodable => "画像データを復元できません（ファイルが壊れています）".into(),
        }
    }
}

/// What the viewer shows beside the image (PS3.3 C.7: patient, study, series, image).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DicomInfo {
    pub patient_name: String,
    pub patient_id: String,
    /// YYYYMMDD as stored.
    pub patient_birth_date: String,
    pub patient_sex: String,
    pub study_date: String,
    pub study_description: String,
    /// Study Instance UID (0020,000D) and Series Instance UID (0020,000E): what files of one
    /// series share (empty when the file lacks them).
    pub study_uid: String,
    pub series_uid: String,
    pub modality: String,
    pub series_description: String,
    pub series_number: Option<i32>,
    pub instance_number: Option<i32>,
    pub rows: u32,
    pub columns: u32,
    pub frames: u32,
    pub samples_per_pixel: u16,
    pub photometric: String,
    /// Window center and width the file suggests (the first of several).
    pub window: Option<(f64, f64)>,
    /// Pixel Spacing (0028,0030): row spacing and column spacing in mm; else Imager Pixel
    /// Spacing (0018,1164) for projection radiographs.
    pub pixel_spacing: Option<(f64, f64)>,
    pub transfer_syntax: String,
    pub transfer_syntax_name: String,
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Modality values (after Rescale Slope/Intercept: Hounsfield units for CT), row by row;
    /// `invert` for MONOCHROME1 (low values white).
    Gray {
        width: u32,
        height: u32,
        values: Vec<f32>,
        invert: bool,
    },
    /// 8-bit RGB, row by row.
    Rgb {
        width: u32,
        height: u32,
        rgb: Vec<u8>,
    },
}

/// How stored sample values are laid out and turned into modality values (PS3.3 C.7.6.3,
/// C.11.1: Bits Allocated/Stored, Pixel Representation, Rescale Slope/Intercept).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    bits_allocated: u32,
    bits_stored: u32,
    high_bit: u32,
    signed: bool,
    slope: f64,
    intercept: f64,
}

impl Layout {
    /// Only what the decoders handle: 8 or 16 bits allocated, 1 ≤ stored ≤ allocated.
    fn is_valid(&self) -> bool {
        matches!(self.bits_allocated, 8 | 16)
            && (1..=self.bits_allocated).contains(&self.bits_stored)
            && self.high_bit < self.bits_allocated
    }

    /// The modality value of a stored sample: masked to Bits Stored, sign-extended when signed,
    /// rescaled.
    fn modality(&self, raw: u32) -> f32 {
        let bits = self.bits_stored.clamp(1, 16);
        let masked = raw & ((1u32 << bits) - 1);
        let value = if self.signed && masked & (1 << (bits - 1)) != 0 {
            i64::from(masked) - (1i64 << bits)
        } else {
            i64::from(masked)
        };
        (value as f64 * self.slope + self.intercept) as f32
    }
}

/// A parsed file.
pub struct Dicom {
    object: DefaultDicomObject,
    info: DicomInfo,
    layout: Layout,
}

fn text(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok())
        .map(|s| {
            s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string()
        })
        .unwrap_or_default()
}

fn int(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Option<i64> {
    obj.element_opt(tag).ok().flatten()?.to_int::<i64>().ok()
}

fn floats(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Vec<f64> {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_multi_float64().ok())
        .unwrap_or_default()
}

/// A count from the header (rows, frames …): absent, negative or absurd reads as none.
fn count(value: Option<i64>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

/// A UID element: digits and dots only (PS3.5 9.1), at most 64 characters; anything else reads
/// as none, so a hostile file cannot put text where an identifier is expected.
fn uid(object: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    let value = text(object, tag);
    let value = value.trim_end_matches('\0').trim();
    if !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        value.to_string()
    } else {
        String::new()
    }
}

fn pair(values: &[f64]) -> Option<(f64, f64)> {
    match values {
        [a, b, ..] if a.is_finite() && b.is_finite() && *a > 0.0 && *b > 0.0 => Some((*a, *b)),
        _ => None,
    }
}

/// The deepest nesting of sequences and items a file may have: real files nest a few levels;
/// the parser that builds the object recurses once per level, so a hostile file nested
/// thousands deep would exhaust the stack (and a stack overflow ends the whole process).
const MAX_DEPTH: usize = 64;

/// The most data elements (and items) a file may have before it is built into an object.
const MAX_TOKENS: usize = 2_000_000;

/// Walks the data set's tokens without recursion (dicom-parser's reader keeps its own stack)
/// and refuses a file nested deeper than [`MAX_DEPTH`] or with more than [`MAX_TOKENS`] of them,
/// before anything builds it.
fn check_structure(bytes: &[u8]) -> Result<(), DicomError> {
    use dicom_parser::dataset::read::DataSetReader;
    use dicom_parser::dataset::DataToken;
    use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};
    let start = if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        128
    } else {
        0
    };
    let mut cursor = std::io::Cursor::new(bytes.get(start..).ok_or(DicomError::NotDicom)?);
    let meta =
        dicom_object::FileMetaTable::from_reader(&mut cursor).map_err(|_| DicomError::NotDicom)?;
    let uid = meta.transfer_syntax().trim_end_matches('\0').trim();
    let ts = TransferSyntaxRegistry
        .get(uid)
        .ok_or(DicomError::NotDicom)?;
    let reader = DataSetReader::new_with_ts(cursor, ts).map_err(|_| DicomError::NotDicom)?;
    let mut depth = 0usize;
    for (n, token) in reader.enumerate() {
        if n >= MAX_TOKENS {
            return Err(DicomError::TooComplex);
        }
        match token.map_err(|_| DicomError::NotDicom)? {
            DataToken::SequenceStart { .. }
            | DataToken::PixelSequenceStart
            | DataToken::ItemStart { .. } => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(DicomError::TooComplex);
                }
            }
            DataToken::SequenceEnd | DataToken::ItemEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

impl Dicom {
    /// Reads a Part 10 file (with or without its 128-byte preamble).
    pub fn parse(bytes: &[u8]) -> Result<Self, DicomError> {
        check_structure(bytes)?;
        let object = OpenFileOptions::new()
            .read_preamble(ReadPreamble::Auto)
            .from_reader(bytes)
            .map_err(|_| DicomError::NotDicom)?;
        let ts = object
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .trim()
            .to_string();
        let ts_name = SUPPORTED
            .iter()
            .chain(KNOWN)
            .find(|(uid, _)| *uid == ts)
            .map(|(_, name)| name.to_string())
            .unwrap_or_else(|| ts.clone());
        let window = match (
            floats(&object, tags::WINDOW_CENTER).first(),
            floats(&object, tags::WINDOW_WIDTH).first(),
        ) {
            (Some(&c), Some(&w)) if c.is_finite() && w.is_finite() && w >= 1.0 => Some((c, w)),
            _ => None,
        };
        let info = DicomInfo {
            patient_name: text(&object, tags::PATIENT_NAME)
                .replace('^', " ")
                .trim()
                .to_string(),
            patient_id: text(&object, tags::PATIENT_ID),
            patient_birth_date: text(&object, tags::PATIENT_BIRTH_DATE),
            patient_sex: text(&object, tags::PATIENT_SEX),
            study_date: text(&object, tags::STUDY_DATE),
            study_description: text(&object, tags::STUDY_DESCRIPTION),
            study_uid: uid(&object, tags::STUDY_INSTANCE_UID),
            series_uid: uid(&object, tags::SERIES_INSTANCE_UID),
            modality: text(&object, tags::MODALITY),
            series_description: text(&object, tags::SERIES_DESCRIPTION),
            series_number: int(&object, tags::SERIES_NUMBER).and_then(|v| v.try_into().ok()),
            instance_number: int(&object, tags::INSTANCE_NUMBER).and_then(|v| v.try_into().ok()),
            rows: count(int(&object, tags::ROWS)).unwrap_or(0),
            columns: count(int(&object, tags::COLUMNS)).unwrap_or(0),
            frames: count(int(&object, tags::NUMBER_OF_FRAMES))
                .unwrap_or(1)
                .max(1),
            samples_per_pixel: count(int(&object, tags::SAMPLES_PER_PIXEL))
                .and_then(|v| u16::try_from(v).ok())
                .unwrap_or(1),
            photometric: text(&object, tags::PHOTOMETRIC_INTERPRETATION),
            window,
            pixel_spacing: pair(&floats(&object, tags::PIXEL_SPACING))
                .or_else(|| pair(&floats(&object, tags::IMAGER_PIXEL_SPACING))),
            transfer_syntax: ts,
            transfer_syntax_name: ts_name,
        };
        let first = |tag| {
            floats(&object, tag)
                .first()
                .copied()
                .filter(|v| v.is_finite())
        };
        let layout = Layout {
            bits_allocated: count(int(&object, tags::BITS_ALLOCATED)).unwrap_or(0),
            bits_stored: count(int(&object, tags::BITS_STORED)).unwrap_or(0),
            high_bit: count(int(&object, tags::HIGH_BIT)).unwrap_or(u32::MAX),
            signed: int(&object, tags::PIXEL_REPRESENTATION) == Some(1),
            slope: first(tags::RESCALE_SLOPE)
                .filter(|v| *v != 0.0)
                .unwrap_or(1.0),
            intercept: first(tags::RESCALE_INTERCEPT).unwrap_or(0.0),
        };
        Ok(Self {
            object,
            info,
            layout,
        })
    }

    pub fn info(&self) -> &DicomInfo {
        &self.info
    }

    /// Frame `n` (from 0) decoded.
    pub fn frame(&self, n: u32) -> Result<Frame, DicomError> {
        let info = &self.info;
        if self
            .object
            .element_opt(tags::PIXEL_DATA)
            .ok()
            .flatten()
            .is_none()
            || info.rows == 0
            || info.columns == 0
        {
            return Err(DicomError::NoImage);
        }
        if !SUPPORTED
            .iter()
            .any(|(uid, _)| *uid == info.transfer_syntax)
        {
            return Err(DicomError::UnsupportedTransferSyntax {
                name: info.transfer_syntax_name.clone(),
            });
        }
        let pixels = u64::from(info.rows)
            * u64::from(info.columns)
            * u64::from(info.frames)
            * u64::from(info.samples_per_pixel.max(1));
        let per_frame = u64::from(info.rows) * u64::from(info.columns);
        if pixels > MAX_PIXELS || per_frame > MAX_FRAME_PIXELS {
            return Err(DicomError::TooLarge);
        }
        // Sample layouts the decoders handle (anything else is refused before decoding).
        let colour = info.samples_per_pixel == 3;
        if !(info.samples_per_pixel == 1 || colour && self.layout.bits_allocated == 8)
            || !self.layout.is_valid()
        {
            return Err(DicomError::Undecodable);
        }
        if n >= info.frames {
            return Err(DicomError::NoSuchFrame(n));
        }
        if JPEG.contains(&info.transfer_syntax.as_str()) {
            return self.jpeg_frame(n);
        }
        if info.transfer_syntax == RLE {
            return self.rle_frame(n);
        }
        let decoded = self
            .object
            .decode_pixel_data_frame(n)
            .map_err(|_| DicomError::Undecodable)?;
        let (width, height) = (decoded.columns(), decoded.rows());
        let expected = u64::from(width) * u64::from(height);
        if decoded.samples_per_pixel() == 3 {
            let rgb: Vec<u8> = decoded
                .to_vec_frame(0)
                .map_err(|_| DicomError::Undecodable)?;
            if rgb.len() as u64 != expected * 3 {
                return Err(DicomError::Undecodable);
            }
            return self.colour(width, height, rgb);
        }
        let values: Vec<f32> = decoded
            .to_vec_frame(0)
            .map_err(|_| DicomError::Undecodable)?;
        if values.len() as u64 != expected {
            return Err(DicomError::Undecodable);
        }
        Ok(Frame::Gray {
            width,
            height,
            values,
            invert: info.photometric == "MONOCHROME1",
        })
    }
}

impl Dicom {
    /// A colour frame as RGB: RGB as it is, YBR_FULL converted (PS3.3 C.7.6.3.1.2); YBR_FULL_422
    /// and the other colour spaces outside a JPEG stream (which carries its own) are not decoded.
    fn colour(&self, width: u32, height: u32, mut rgb: Vec<u8>) -> Result<Frame, DicomError> {
        match self.info.photometric.trim() {
            "RGB" | "" => {}
            "YBR_FULL" => ybr_full_to_rgb(&mut rgb),
            _ => return Err(DicomError::Undecodable),
        }
        Ok(Frame::Rgb { width, height, rgb })
    }

    /// The bytes of frame `n` of encapsulated pixel data (PS3.5 A.4): one frame's fragments,
    /// found by the basic offset table, one fragment per frame, or (one frame) all of them.
    fn encapsulated_frame(&self, n: u32) -> Result<Vec<u8>, DicomError> {
        let element = self
            .object
            .element_opt(tags::PIXEL_DATA)
            .ok()
            .flatten()
            .ok_or(DicomError::NoImage)?;
        let dicom_core::value::Value::PixelSequence(seq) = element.value() else {
            return Err(DicomError::Undecodable);
        };
        let fragments = seq.fragments();
        let frames = self.info.frames as usize;
        let n = n as usize;
        if frames == 1 {
            return Ok(fragments.concat());
        }
        if fragments.len() == frames {
            return fragments.get(n).cloned().ok_or(DicomError::Undecodable);
        }
        // Offsets count each fragment item's 8-byte header and its bytes.
        let table = seq.offset_table();
        let (Some(&start), end) = (table.get(n), table.get(n + 1).copied()) else {
            return Err(DicomError::Undecodable);
        };
        let mut at = 0u64;
        let mut out = Vec::new();
        for fragment in fragments {
            let here = at;
            at += 8 + fragment.len() as u64;
            if here >= u64::from(start) && end.is_none_or(|e| here < u64::from(e)) {
                out.extend_from_slice(fragment);
            }
        }
        if out.is_empty() {
            Err(DicomError::Undecodable)
        } else {
            Ok(out)
        }
    }

    /// A JPEG frame (baseline, extended, lossless) decoded with jpeg-decoder; gray values get
    /// the modality rescale.
    fn jpeg_frame(&self, n: u32) -> Result<Frame, DicomError> {
        let bytes = self.encapsulated_frame(n)?;
        let mut decoder = jpeg_decoder::Decoder::new(bytes.as_slice());
        // The JPEG's own header first: it must be the image the DICOM header describes, so a
        // small fragment cannot make the decoder allocate for a giant image.
        decoder.read_info().map_err(|_| DicomError::Undecodable)?;
        let jpeg = decoder.info().ok_or(DicomError::Undecodable)?;
        let (width, height) = (u32::from(jpeg.width), u32::from(jpeg.height));
        if (width, height) != (self.info.columns, self.info.rows) {
            return Err(DicomError::Undecodable);
        }
        let limit = u64::from(width) * u64::from(height) * 3 * 2;
        decoder.set_max_decoding_buffer_size(usize::try_from(limit).unwrap_or(usize::MAX));
        let pixels = decoder.decode().map_err(|_| DicomError::Undecodable)?;
        let count = width as usize * height as usize;
        let layout = self.layout;
        use jpeg_decoder::PixelFormat;
        match jpeg.pixel_format {
            PixelFormat::L8 if pixels.len() == count => Ok(Frame::Gray {
                width,
                height,
                values: pixels
                    .iter()
                    .map(|&v| layout.modality(u32::from(v)))
                    .collect(),
                invert: self.info.photometric == "MONOCHROME1",
            }),
            // jpeg-decoder gives 16-bit samples in the machine's byte order.
            PixelFormat::L16 if pixels.len() == count * 2 => Ok(Frame::Gray {
                width,
                height,
                values: pixels
                    .chunks_exact(2)
                    .map(|p| layout.modality(u32::from(u16::from_ne_bytes([p[0], p[1]]))))
                    .collect(),
                invert: self.info.photometric == "MONOCHROME1",
            }),
            PixelFormat::RGB24 if pixels.len() == count * 3 => Ok(Frame::Rgb {
                width,
                height,
                rgb: pixels,
            }),
            _ => Err(DicomError::Undecodable),
        }
    }
}

impl Dicom {
    /// An RLE Lossless frame (PS3.5 Annex G): a 64-byte header (the segment count, 1–15, and
    /// their offsets) and PackBits segments, one per byte plane (the most significant first;
    /// for colour R, G, B). Every count and offset is checked against the bytes there are.
    fn rle_frame(&self, n: u32) -> Result<Frame, DicomError> {
        let bytes = self.encapsulated_frame(n)?;
        let (width, height) = (self.info.columns, self.info.rows);
        let count = width as usize * height as usize;
        let planes =
            usize::from(self.info.samples_per_pixel) * (self.layout.bits_allocated / 8) as usize;
        let word = |i: usize| -> Option<usize> {
            let b = bytes.get(i * 4..i * 4 + 4)?;
            Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let segments = word(0).ok_or(DicomError::Undecodable)?;
        if segments != planes || !(1..=15).contains(&segments) {
            return Err(DicomError::Undecodable);
        }
        let mut decoded = Vec::with_capacity(segments);
        for s in 0..segments {
            let start = word(1 + s).ok_or(DicomError::Undecodable)?;
            let end = if s + 1 < segments {
                word(2 + s).ok_or(DicomError::Undecodable)?
            } else {
                bytes.len()
            };
            let segment = bytes.get(start..end).ok_or(DicomError::Undecodable)?;
            decoded.push(packbits(segment, count).ok_or(DicomError::Undecodable)?);
        }
        if self.info.samples_per_pixel == 3 {
            let rgb = (0..count)
                .flat_map(|i| [decoded[0][i], decoded[1][i], decoded[2][i]])
                .collect();
            return self.colour(width, height, rgb);
        }
        let layout = self.layout;
        let values = (0..count)
            .map(|i| {
                let raw = decoded
                    .iter()
                    .fold(0u32, |acc, plane| (acc << 8) | u32::from(plane[i]));
                layout.modality(raw)
            })
            .collect();
        Ok(Frame::Gray {
            width,
            height,
            values,
            invert: self.info.photometric == "MONOCHROME1",
        })
    }
}

/// One PackBits segment (PS3.5 G.3.1) decoded to exactly `len` bytes: `n` 0–127 copies the
/// next n + 1 bytes, −1 to −127 repeats the next byte 1 − n times, −128 does nothing. Too
/// short is `None`; bytes past `len` (padding) are ignored.
fn packbits(segment: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    let mut i = 0;
    while out.len() < len {
        let n = *segment.get(i)? as i8;
        i += 1;
        match n {
            0..=127 => {
                let run = segment.get(i..i + n as usize + 1)?;
                out.extend_from_slice(run);
                i += run.len();
            }
            -127..=-1 => {
                let byte = *segment.get(i)?;
                i += 1;
                out.extend(std::iter::repeat_n(byte, (1 - i32::from(n)) as usize));
            }
            -128 => {}
        }
    }
    out.truncate(len);
    Some(out)
}

const RLE: &str = "1.2.840.10008.1.2.5";

/// The JPEG transfer syntaxes, decoded by [`Dicom::jpeg_frame`].
const JPEG: &[&str] = &[
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.57",
    "1.2.840.10008.1.2.4.70",
];

/// YBR_FULL samples (Y, Cb, Cr; 8 bits) turned into RGB in place, by the equations of PS3.3
/// C.7.6.3.1.2 (ITU-R BT.601 full range).
fn ybr_full_to_rgb(samples: &mut [u8]) {
    for px in samples.chunks_exact_mut(3) {
        let (y, cb, cr) = (
            f32::from(px[0]),
            f32::from(px[1]) - 128.0,
            f32::from(px[2]) - 128.0,
        );
        let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
        px[0] = clamp(y + 1.402 * cr);
        px[1] = clamp(y - 0.344_136 * cb - 0.714_136 * cr);
        px[2] = clamp(y + 1.772 * cb);
    }
}

/// A window over modality values: the file's, else the values' own range.
pub fn default_window(info: &DicomInfo, values: &[f32]) -> (f64, f64) {
    if let Some(w) = info.window {
        return w;
    }
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let width = (f64::from(hi) - f64::from(lo)).max(1.0);
    (f64::from(lo) + width / 2.0, width)
}

/// Gray levels 0–255 for modality values under window `center`/`width`: the LINEAR VOI LUT
/// function of PS3.3 C.11.2.1.2.1 (values at or below `center − 0.5 − (width − 1)/2` black, at
/// or above `center − 0.5 + (width − 1)/2` white, linear between); `invert` for MONOCHROME1.
pub fn window_level(values: &[f32], center: f64, width: f64, invert: bool) -> Vec<u8> {
    let width = width.max(1.0);
    let low = center - 0.5 - (width - 1.0) / 2.0;
    let high = center - 0.5 + (width - 1.0) / 2.0;
    values
        .iter()
        .map(|&v| {
            let v = f64::from(v);
            let y = if !v.is_finite() || v <= low {
                0.0
            } else if v > high {
                255.0
            } else {
                // Reached only for width > 1 (for 1, low = high).
                ((v - (center - 0.5)) / (width - 1.0) + 0.5) * 255.0
            };
            let y = y.clamp(0.0, 255.0).round() as u8;
            if invert {
                255 - y
            } else {
                y
            }
        })
        .collect()
}

/// The distance in mm between two points given in pixels (column, row), with the pixel
/// spacing (row spacing, column spacing); `None` without a spacing (the file cannot be
/// measured).
pub fn distance_mm(a: (f64, f64), b: (f64, f64), spacing: Option<(f64, f64)>) -> Option<f64> {
    let (row_mm, col_mm) = spacing?;
    let dx = (b.0 - a.0) * col_mm;
    let dy = (b.1 - a.1) * row_mm;
    Some((dx * dx + dy * dy).sqrt())
}

#[cfg(test)]
mod tests;
