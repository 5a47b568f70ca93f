//! Reading generated PDFs back the way a person would: poppler's tools (scripts/test installs
//! poppler-utils) for the text, the fonts and a page as an image, and a QR decoder for the
//! 2次元シンボル on a page or a screenshot.

/// What `tool` (`pdftotext` with its layout kept, or `pdffonts`) prints for the PDF `bytes`.
pub fn poppler(tool: &str, bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("karte-pdf-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let mut cmd = std::process::Command::new(tool);
    if tool == "pdftotext" {
        cmd.arg("-layout").arg(&path).arg("-");
    } else {
        cmd.arg(&path);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) must be installed: {e}"));
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The number of pages `pdfinfo` reports.
pub fn pages(bytes: &[u8]) -> usize {
    poppler_info(bytes)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo names the pages")
}

fn poppler_info(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("karte-pdf-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo (poppler-utils) must be installed");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Page `page` (1-based) of the PDF `bytes` as a greyscale PNG at `dpi`.
pub fn page_png(bytes: &[u8], page: usize, dpi: u32) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("karte-pdf-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("in.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-gray", "-singlefile", "-r", &dpi.to_string()])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(&pdf)
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm (poppler-utils) must be installed");
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.join("page.png")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    png
}

/// The bytes of the first QR symbol in a PNG image.
pub fn decode_qr(png_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let luma = |x: usize, y: usize| -> u8 {
        let i = (y * w + x) * channels;
        if channels >= 3 {
            let (r, g, b) = (buf[i] as u32, buf[i + 1] as u32, buf[i + 2] as u32);
            ((r * 299 + g * 587 + b * 114) / 1000) as u8
        } else {
            buf[i]
        }
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    let grids = image.detect_grids();
    anyhow::ensure!(!grids.is_empty(), "no QR symbol found in the image");
    let mut data = Vec::new();
    grids[0]
        .decode_to(&mut data)
        .map_err(|e| anyhow::anyhow!("QR decode: {e:?}"))?;
    Ok(data)
}
