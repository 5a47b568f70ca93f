//! Synthetic DICOM files made here (fictitious people only): uncompressed 16-bit CT with a
//! rescale, a multi-frame series, RLE Lossless, RGB, an unsupported syntax, and mutated bytes
//! that must never panic.

use super::*;
use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::uids;
use dicom_object::mem::InMemElement;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use proptest::prelude::*;

fn strs(tag: dicom_core::Tag, vr: VR, values: &[&str]) -> InMemElement {
    DataElement::new(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().map(|s| s.to_string()).collect()),
    )
}

fn us(tag: dicom_core::Tag, v: u16) -> InMemElement {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

/// The image elements every test file has; `rows` × `cols`, `frames`, `bits` allocated.
fn image(rows: u16, cols: u16, frames: u32, bits: u16, samples: u16) -> Vec<InMemElement> {
    let mut e = vec![
        strs(tags::PATIENT_NAME, VR::PN, &["MIHON^TARO"]),
        strs(tags::PATIENT_ID, VR::LO, &["000123"]),
        strs(tags::PATIENT_BIRTH_DATE, VR::DA, &["19800401"]),
        strs(tags::PATIENT_SEX, VR::CS, &["M"]),
        strs(tags::STUDY_DATE, VR::DA, &["20261204"]),
        strs(tags::STUDY_DESCRIPTION, VR::LO, &["CHEST CT"]),
        strs(tags::MODALITY, VR::CS, &["CT"]),
        strs(tags::SERIES_NUMBER, VR::IS, &["3"]),
        strs(tags::INSTANCE_NUMBER, VR::IS, &["7"]),
        strs(tags::STUDY_INSTANCE_UID, VR::UI, &["1.2.392.999.1"]),
        strs(tags::SERIES_INSTANCE_UID, VR::UI, &["1.2.392.999.1.3"]),
        strs(tags::SOP_INSTANCE_UID, VR::UI, &["1.2.392.999.1.7"]),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, cols),
        us(tags::SAMPLES_PER_PIXEL, samples),
        strs(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            &[if samples == 3 { "RGB" } else { "MONOCHROME2" }],
        ),
        us(tags::BITS_ALLOCATED, bits),
        us(tags::BITS_STORED, bits),
        us(tags::HIGH_BIT, bits - 1),
        us(tags::PIXEL_REPRESENTATION, 0),
    ];
    if samples == 3 {
        e.push(us(tags::PLANAR_CONFIGURATION, 0));
    }
    if frames > 1 {
        e.push(strs(tags::NUMBER_OF_FRAMES, VR::IS, &[&frames.to_string()]));
    }
    e
}

fn file(ts: &str, elements: Vec<InMemElement>) -> Vec<u8> {
    let obj = InMemDicomObject::from_element_iter(elements);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(ts)
                .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE),
        )
        .unwrap();
    let mut out = Vec::new();
    file.write_all(&mut out).unwrap();
    out
}

/// A 4×3 CT slice, 16-bit stored values 0..12 × 100, rescaled to HU (slope 1, intercept −1024),
/// with a window and a pixel spacing.
fn ct() -> Vec<u8> {
    let mut e = image(3, 4, 1, 16, 1);
    e.push(strs(tags::RESCALE_SLOPE, VR::DS, &["1"]));
    e.push(strs(tags::RESCALE_INTERCEPT, VR::DS, &["-1024"]));
    e.push(strs(tags::WINDOW_CENTER, VR::DS, &["40", "400"]));
    e.push(strs(tags::WINDOW_WIDTH, VR::DS, &["400", "1500"]));
    e.push(strs(tags::PIXEL_SPACING, VR::DS, &["0.5", "0.25"]));
    let pixels: Vec<u16> = (0..12).map(|i| i * 100).collect();
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(pixels.into()),
    ));
    file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)
}

#[test]
fn a_ct_slice_reads_with_its_data_and_hounsfield_values() {
    let d = Dicom::parse(&ct()).unwrap();
    let info = d.info();
    assert_eq!(info.patient_name, "MIHON TARO");
    assert_eq!(info.patient_id, "000123");
    assert_eq!(info.modality, "CT");
    assert_eq!(info.study_description, "CHEST CT");
    assert_eq!(
        (info.series_number, info.instance_number),
        (Some(3), Some(7))
    );
    assert_eq!(
        (info.study_uid.as_str(), info.series_uid.as_str()),
        ("1.2.392.999.1", "1.2.392.999.1.3")
    );
    assert_eq!((info.rows, info.columns, info.frames), (3, 4, 1));
    assert_eq!(info.window, Some((40.0, 400.0)));
    assert_eq!(info.pixel_spacing, Some((0.5, 0.25)));
    assert_eq!(info.transfer_syntax_name, "Explicit VR Little Endian");
    let Frame::Gray {
        width,
        height,
        values,
        invert,
    } = d.frame(0).unwrap()
    else {
        panic!("a gray frame");
    };
    assert_eq!((width, height, invert), (4, 3, false));
    assert_eq!(values[0], -1024.0);
    assert_eq!(values[11], 76.0);
    assert_eq!(d.frame(1), Err(DicomError::NoSuchFrame(1)));
}

/// A file of sequences nested `levels` deep (each an item of undefined length holding the
/// next sequence), as a hostile file would be: built by hand, explicit VR little endian.
fn nested(levels: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for _ in 0..levels {
        // (0040,A730) Content Sequence, SQ, undefined length; an item of undefined length.
        body.extend_from_slice(&[
            0x40, 0x00, 0x30, 0xA7, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        body.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    for _ in 0..levels {
        body.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        body.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    }
    let mut out = file(
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        vec![strs(tags::SOP_INSTANCE_UID, VR::UI, &["1.2.392.999.9"])],
    );
    out.extend_from_slice(&body);
    out
}

#[test]
fn a_file_nested_too_deeply_is_refused_before_it_is_built() {
    assert!(Dicom::parse(&nested(5)).is_ok(), "a few levels read");
    assert_eq!(
        Dicom::parse(&nested(MAX_DEPTH)).err(),
        Some(DicomError::TooComplex),
        "each level is a sequence and an item"
    );
    // Deep enough to overflow a thread's stack if it were built recursively.
    assert_eq!(
        Dicom::parse(&nested(100_000)).err(),
        Some(DicomError::TooComplex)
    );
}

#[test]
fn a_uid_that_is_not_digits_and_dots_reads_as_none() {
    let mut e = image(3, 4, 1, 16, 1);
    e.push(strs(tags::SERIES_INSTANCE_UID, VR::UI, &["1.2.<script>"]));
    let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
    assert_eq!(d.info().series_uid, "");
    let mut e = image(3, 4, 1, 16, 1);
    e.push(strs(tags::SERIES_INSTANCE_UID, VR::UI, &[&"1.".repeat(40)]));
    let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
    assert_eq!(d.info().series_uid, "", "longer than 64");
}

#[test]
fn the_window_maps_values_as_the_standard_says() {
    // Center 40, width 400: −160 and below black, 240 and above white.
    let g = window_level(
        &[-1024.0, -160.0, 40.0, 239.5, 240.0, 1000.0],
        40.0,
        400.0,
        false,
    );
    assert_eq!(g[0], 0);
    assert_eq!(g[1], 0);
    assert!((126..=128).contains(&g[2]), "{g:?}");
    assert_eq!(g[4], 255);
    assert_eq!(g[5], 255);
    // MONOCHROME1 turns it over.
    assert_eq!(window_level(&[-1024.0], 40.0, 400.0, true), vec![255]);
    // A width below 1 is 1 (a threshold), never a division by zero.
    assert_eq!(window_level(&[0.0, 100.0], 50.0, 0.0, false), vec![0, 255]);
    assert_eq!(window_level(&[f32::NAN], 0.0, 10.0, false), vec![0]);
}

#[test]
fn without_a_window_the_values_range_is_used() {
    let info = DicomInfo::default();
    assert_eq!(default_window(&info, &[-100.0, 300.0]), (100.0, 400.0));
    assert_eq!(default_window(&info, &[]), (0.0, 1.0));
}

#[test]
fn distances_use_the_pixel_spacing() {
    // 4 columns at 0.25 mm and 3 rows at 0.5 mm: (0,0)→(4,3) is √(1² + 1.5²) mm.
    let d = distance_mm((0.0, 0.0), (4.0, 3.0), Some((0.5, 0.25))).unwrap();
    assert!((d - (1.0f64 + 2.25).sqrt()).abs() < 1e-9);
    assert_eq!(distance_mm((0.0, 0.0), (1.0, 1.0), None), None);
}

#[test]
fn a_multi_frame_series_gives_each_frame() {
    let mut e = image(2, 2, 3, 8, 1);
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::U8((0..12u8).collect::<Vec<_>>().into()),
    ));
    let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
    assert_eq!(d.info().frames, 3);
    for n in 0..3u32 {
        let Frame::Gray { values, .. } = d.frame(n).unwrap() else {
            panic!("gray");
        };
        let first = (n * 4) as f32;
        assert_eq!(values, vec![first, first + 1.0, first + 2.0, first + 3.0]);
    }
}

/// RLE Lossless (PS3.5 Annex G) of 8-bit frames: one segment each, PackBits literal runs.
fn rle_frame(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&64u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 56]);
    for chunk in bytes.chunks(128) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

#[test]
fn rle_lossless_frames_decode() {
    let mut e = image(2, 3, 2, 8, 1);
    let frames: Vec<Vec<u8>> = vec![
        rle_frame(&[10, 20, 30, 40, 50, 60]),
        rle_frame(&[1, 2, 3, 4, 5, 6]),
    ];
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(Vec::<u32>::new(), frames)),
    ));
    let d = Dicom::parse(&file(uids::RLE_LOSSLESS, e)).unwrap();
    assert_eq!(d.info().transfer_syntax_name, "RLE Lossless");
    let Frame::Gray { values, .. } = d.frame(1).unwrap() else {
        panic!("gray");
    };
    assert_eq!(values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}

#[test]
fn an_rgb_image_stays_in_colour() {
    let mut e = image(1, 2, 1, 8, 3);
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::U8(vec![255u8, 0, 0, 0, 0, 255].into()),
    ));
    let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
    assert_eq!(
        d.frame(0).unwrap(),
        Frame::Rgb {
            width: 2,
            height: 1,
            rgb: vec![255, 0, 0, 0, 0, 255]
        }
    );
}

#[test]
fn a_ybr_full_image_is_shown_in_rgb_and_other_colour_spaces_are_refused() {
    let ybr = |photometric: &str| {
        let mut e = image(1, 2, 1, 8, 3);
        e.push(strs(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            &[photometric],
        ));
        // Red and white in Y, Cb, Cr.
        e.push(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PrimitiveValue::U8(vec![76u8, 85, 255, 255, 128, 128].into()),
        ));
        Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap()
    };
    let Frame::Rgb { rgb, .. } = ybr("YBR_FULL").frame(0).unwrap() else {
        panic!("a colour frame");
    };
    assert!(rgb[0] >= 250 && rgb[1] <= 2 && rgb[2] <= 2, "{rgb:?}");
    assert_eq!(&rgb[3..], &[255, 255, 255]);
    assert_eq!(ybr("PALETTE COLOR").frame(0), Err(DicomError::Undecodable));
}

fn jpeg_file(jpeg: &[u8], samples: u16) -> Vec<u8> {
    let mut e = image(8, 8, 1, 8, samples);
    // Encapsulated: an empty basic offset table, the JPEG in two fragments.
    let (a, b) = jpeg.split_at(jpeg.len() / 2);
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    // Fragments have even lengths (a JPEG may end on a padding byte after EOI).
    if a.len() % 2 == 1 {
        b.insert(0, a.pop().unwrap());
    }
    if b.len() % 2 == 1 {
        b.push(0);
    }
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(Vec::<u32>::new(), vec![a, b])),
    ));
    file(uids::JPEG_BASELINE8_BIT, e)
}

#[test]
fn jpeg_baseline_gray_and_colour_decode() {
    // An 8×8 gradient (value 32·x + 4·y), JPEG quality 100 (made with Pillow for this test).
    let d = Dicom::parse(&jpeg_file(include_bytes!("gray8.jpg"), 1)).unwrap();
    assert_eq!(d.info().transfer_syntax_name, "JPEG Baseline");
    let Frame::Gray {
        width,
        height,
        values,
        ..
    } = d.frame(0).unwrap()
    else {
        panic!("gray");
    };
    assert_eq!((width, height), (8, 8));
    for y in 0..8 {
        for x in 0..8 {
            let want = (32 * x + 4 * y) as f32;
            let got = values[y * 8 + x];
            assert!((got - want).abs() <= 4.0, "({x},{y}): {got} for {want}");
        }
    }
    // A red square stays red.
    let d = Dicom::parse(&jpeg_file(include_bytes!("rgb8.jpg"), 3)).unwrap();
    let Frame::Rgb { rgb, .. } = d.frame(0).unwrap() else {
        panic!("colour");
    };
    assert!(
        rgb.chunks(3).all(|p| p[0] > 180 && p[1] < 60 && p[2] < 70),
        "{rgb:?}"
    );
}

#[test]
fn jpeg_2000_is_named_as_not_supported() {
    let mut e = image(2, 2, 1, 8, 1);
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(
            Vec::<u32>::new(),
            vec![vec![0xFFu8, 0x4F, 0xFF, 0x51]],
        )),
    ));
    let d = Dicom::parse(&file(uids::JPEG2000, e)).unwrap();
    let err = d.frame(0).unwrap_err();
    assert_eq!(
        err,
        DicomError::UnsupportedTransferSyntax {
            name: "JPEG 2000".into()
        }
    );
    assert!(err.message_ja().contains("JPEG 2000"));
}

#[test]
fn a_report_without_pixels_and_a_non_dicom_file_are_told_apart() {
    let e = vec![
        strs(tags::PATIENT_NAME, VR::PN, &["MIHON^HANAKO"]),
        strs(tags::SOP_INSTANCE_UID, VR::UI, &["1.2.392.999.1.8"]),
        DataElement::new(
            tags::CONTENT_SEQUENCE,
            VR::SQ,
            Value::from(DataSetSequence::empty()),
        ),
    ];
    let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
    assert_eq!(d.frame(0), Err(DicomError::NoImage));
    assert_eq!(
        Dicom::parse(b"%PDF-1.7 not dicom").err(),
        Some(DicomError::NotDicom)
    );
    assert_eq!(Dicom::parse(&[]).err(), Some(DicomError::NotDicom));
}

#[test]
fn a_header_asking_for_too_many_pixels_is_refused_before_decoding() {
    let mut e = image(u16::MAX, u16::MAX, 1000, 16, 1);
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(vec![0u16; 4].into()),
    ));
    let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
    assert_eq!(d.frame(0), Err(DicomError::TooLarge));
}

fn rle_file(fragments: Vec<Vec<u8>>) -> Vec<u8> {
    let mut e = image(2, 3, 1, 8, 1);
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(Vec::<u32>::new(), fragments)),
    ));
    file(uids::RLE_LOSSLESS, e)
}

#[test]
fn hostile_rle_headers_and_segments_are_errors() {
    let mut too_many = rle_frame(&[1, 2, 3, 4, 5, 6]);
    too_many[0] = 17;
    let mut short = rle_frame(&[1, 2, 3, 4, 5, 6]);
    short.truncate(66);
    let mut past_end = rle_frame(&[1, 2, 3, 4, 5, 6]);
    past_end[4] = 0xFF;
    for fragment in [vec![1u8, 0], too_many, short, past_end, vec![0u8; 64]] {
        let d = Dicom::parse(&rle_file(vec![fragment])).unwrap();
        assert_eq!(d.frame(0), Err(DicomError::Undecodable));
    }
    // A repeat run.
    let mut run = vec![0u8; 64];
    run[0] = 1;
    run[4] = 64;
    run.extend_from_slice(&[0xFB, 9]); // −5: six times 9
    let d = Dicom::parse(&rle_file(vec![run])).unwrap();
    let Frame::Gray { values, .. } = d.frame(0).unwrap() else {
        panic!("gray");
    };
    assert_eq!(values, vec![9.0; 6]);
}

#[test]
fn sample_layouts_outside_what_is_decoded_are_refused() {
    for (tag, value) in [
        (tags::BITS_STORED, 0u16),
        (tags::BITS_STORED, 24),
        (tags::BITS_ALLOCATED, 32),
        (tags::HIGH_BIT, 16),
    ] {
        let mut e: Vec<InMemElement> = image(3, 4, 1, 16, 1)
            .into_iter()
            .filter(|el| el.tag() != tag)
            .collect();
        e.push(us(tag, value));
        e.push(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(vec![0u16; 12].into()),
        ));
        let d = Dicom::parse(&file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)).unwrap();
        assert_eq!(d.frame(0), Err(DicomError::Undecodable), "{tag}: {value}");
    }
}

#[test]
fn signed_samples_are_sign_extended_from_bits_stored() {
    let layout = Layout {
        bits_allocated: 16,
        bits_stored: 12,
        high_bit: 11,
        signed: true,
        slope: 1.0,
        intercept: 0.0,
    };
    assert_eq!(layout.modality(0x0FFF), -1.0);
    assert_eq!(layout.modality(0x07FF), 2047.0);
    // Bits above Bits Stored (overlay bits) are masked off.
    assert_eq!(layout.modality(0xF001), 1.0);
    let unsigned = Layout {
        signed: false,
        slope: 2.0,
        intercept: -1024.0,
        ..layout
    };
    assert_eq!(unsigned.modality(0x0FFF), 4095.0 * 2.0 - 1024.0);
}

#[test]
fn a_jpeg_whose_size_differs_from_the_header_is_refused() {
    let mut e = image(64, 64, 1, 8, 1);
    e.push(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(
            Vec::<u32>::new(),
            vec![include_bytes!("gray8.jpg").to_vec()],
        )),
    ));
    let d = Dicom::parse(&file(uids::JPEG_BASELINE8_BIT, e)).unwrap();
    assert_eq!(d.frame(0), Err(DicomError::Undecodable));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Bytes changed, cut or added anywhere in a real file: an error or an image, never a
    /// panic.
    #[test]
    fn mutated_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in prop::option::of(any::<prop::sample::Index>()),
        which in 0usize..4,
    ) {
        let base = match which {
            0 => ct(),
            3 => jpeg_file(include_bytes!("gray8.jpg"), 1),
            1 => {
                let mut e = image(2, 3, 2, 8, 1);
                e.push(DataElement::new(
                    tags::PIXEL_DATA,
                    VR::OB,
                    Value::PixelSequence(PixelFragmentSequence::new(
                        Vec::<u32>::new(),
                        vec![rle_frame(&[1, 2, 3, 4, 5, 6]), rle_frame(&[6, 5, 4, 3, 2, 1])],
                    )),
                ));
                file(uids::RLE_LOSSLESS, e)
            }
            _ => {
                let mut e = image(2, 2, 3, 8, 1);
                e.push(DataElement::new(
                    tags::PIXEL_DATA,
                    VR::OB,
                    PrimitiveValue::U8((0..12u8).collect::<Vec<_>>().into()),
                ));
                file(uids::EXPLICIT_VR_LITTLE_ENDIAN, e)
            }
        };
        let mut bytes = base;
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        if let Ok(d) = Dicom::parse(&bytes) {
            for n in 0..d.info().frames.min(4) {
                let _ = d.frame(n);
            }
        }
    }
}
