//! Synthetic files for the attachment tests and benchmarks: DICOM CT images (built with the
//! dicom-rs crates `shared::dicom` reads them with) and PDFs of a chosen size. Fictitious
//! patients only.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// A CT image file: `frames` frames of `side`×`side` pixels, 8-bit (frame k: value 16·x + k)
/// or 16-bit signed Hounsfield-like values (a disc of 40 in −1000), 0.5 mm pixels, in series
/// `series` (its Series Instance UID ends in that number) as instance `instance`.
pub fn ct(instance: u32, series: u32, side: u16, frames: u32, sixteen_bit: bool) -> Vec<u8> {
    let s = |tag, vr, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
    let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
    let n = u32::from(side) * u32::from(side);
    let pixels: Vec<u8> = if sixteen_bit {
        let c = f64::from(side) / 2.0;
        (0..frames)
            .flat_map(|k| {
                (0..n).flat_map(move |i| {
                    let (x, y) = (
                        f64::from(i % u32::from(side)),
                        f64::from(i / u32::from(side)),
                    );
                    let inside = (x - c).hypot(y - c) < c * 0.8;
                    let v: i16 = if inside { 40 + (k % 20) as i16 } else { -1000 };
                    v.to_le_bytes()
                })
            })
            .collect()
    } else {
        (0..frames)
            .flat_map(|k| (0..n).map(move |i| ((i % 16) * 16 + k) as u8))
            .collect()
    };
    let bits: u16 = if sixteen_bit { 16 } else { 8 };
    let obj = InMemDicomObject::from_element_iter([
        s(tags::PATIENT_NAME, VR::PN, "KAKUU^JIRO"),
        s(tags::PATIENT_ID, VR::LO, "000777"),
        s(tags::STUDY_DATE, VR::DA, "20261204"),
        s(tags::MODALITY, VR::CS, "CT"),
        s(tags::STUDY_DESCRIPTION, VR::LO, "KAKUU CHEST"),
        s(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.392.999.1"),
        s(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            &format!("1.2.392.999.1.{series}"),
        ),
        s(tags::SERIES_NUMBER, VR::IS, &series.to_string()),
        s(tags::INSTANCE_NUMBER, VR::IS, &instance.to_string()),
        s(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            &format!("1.2.392.999.2.{series}.{instance}"),
        ),
        s(tags::NUMBER_OF_FRAMES, VR::IS, &frames.to_string()),
        DataElement::new(
            tags::PIXEL_SPACING,
            VR::DS,
            PrimitiveValue::Strs(vec!["0.5".to_string(), "0.5".to_string()].into()),
        ),
        us(tags::ROWS, side),
        us(tags::COLUMNS, side),
        us(tags::SAMPLES_PER_PIXEL, 1),
        s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        us(tags::BITS_ALLOCATED, bits),
        us(tags::BITS_STORED, bits),
        us(tags::HIGH_BIT, bits - 1),
        us(tags::PIXEL_REPRESENTATION, u16::from(sixteen_bit)),
        DataElement::new(
            tags::PIXEL_DATA,
            if sixteen_bit { VR::OW } else { VR::OB },
            PrimitiveValue::U8(pixels.into()),
        ),
    ]);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE),
        )
        .expect("a complete file meta table");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("writing to memory");
    out
}

/// A valid one-page PDF of about `size` bytes: the page says `text` (Helvetica, ASCII), and an
/// unreferenced stream of incompressible filler makes up the size (as a scan-heavy PDF would).
pub fn pdf_of_size(size: usize, text: &str) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let content = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let filler_len = size.saturating_sub(1024);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let filler: Vec<u8> = (0..filler_len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
           /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content.into_bytes(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        [
            format!("<< /Length {filler_len} >>\nstream\n").into_bytes(),
            filler,
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
