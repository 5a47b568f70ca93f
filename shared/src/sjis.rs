//! Shift_JIS as the exchange formats want it: JIS X 0201 (8-bit) and JIS X 0208 only, as in the
//! JAHIS 院外処方箋２次元シンボル (`domain::order::jahis`) and the レセプト電算処理 UKE file
//! (`claims::uke`). One encoder and one decoder for both. No IO.

/// `text` in Shift_JIS, every character outside JIS X 0201 and JIS X 0208 replaced by `■`:
/// those the encoding lacks, and the NEC and IBM extensions CP932 has (①, ㈱, 髙 …: lead bytes
/// 0x87, 0xED–0xEE, 0xFA–0xFC), which neither format allows (JAHIS b.2; 記録条件仕様（医科）
/// 第1章 3(3)エ 内容を表現する文字の符号). The JIS mapping's code points for the characters CP932
/// maps elsewhere (〜 U+301C, − U+2212 …) are written as the JIS X 0208 character they stand for
/// ([`cp932_variant`]), not as `■`.
pub fn encode_sjis(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match encode_char(c) {
            Some(Encoded::One(b)) => out.push(b),
            Some(Encoded::Two(b)) => out.extend_from_slice(&b),
            None => out.extend_from_slice(&[0x81, 0xA1]),
        }
    }
    out
}

/// Whether `c` survives [`encode_sjis`] (not as `■`).
pub fn is_sjis(c: char) -> bool {
    encode_char(c).is_some()
}

/// The character reading `c` back from its Shift_JIS bytes gives: `－` (U+FF0D) for `−`
/// (U+2212), `\` for `¥` (JIS X 0201 0x5C) …; `c` itself when it has no bytes of its own (it is
/// written as `■`) or is already what decoding gives. Text that came from Shift_JIS through a
/// converter with the JIS mapping (UTF-8 files) reads, after this, as its Shift_JIS original.
pub fn as_decoded(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let mut buf = [0u8; 2];
    let bytes: &[u8] = match encode_char(c) {
        Some(Encoded::One(b)) => {
            buf[0] = b;
            &buf[..1]
        }
        Some(Encoded::Two(b)) => {
            buf = b;
            &buf
        }
        None => return c,
    };
    let decoded = decode_sjis(bytes).unwrap_or_default();
    let mut chars = decoded.chars();
    match (chars.next(), chars.next()) {
        (Some(d), None) => d,
        _ => c,
    }
}

/// The CP932 code point for a character the JIS X 0208 mapping (JIS X 0221, Shift_JIS-2004,
/// iconv's `SHIFT_JIS`) gives another one: 〜 U+301C (0x8160), ‖ U+2016 (0x8161), − U+2212
/// (0x817C), ¢ U+00A2 (0x8191), £ U+00A3 (0x8192), ¬ U+00AC (0x81CA), — U+2014 (0x815C).
pub fn cp932_variant(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}',
        '\u{2016}' => '\u{2225}',
        '\u{2212}' => '\u{FF0D}',
        '\u{00A2}' => '\u{FFE0}',
        '\u{00A3}' => '\u{FFE1}',
        '\u{00AC}' => '\u{FFE2}',
        '\u{2014}' => '\u{2015}',
        c => c,
    }
}

enum Encoded {
    One(u8),
    Two([u8; 2]),
}

/// `c`'s bytes, or `None` when it is outside JIS X 0201/0208.
fn encode_char(c: char) -> Option<Encoded> {
    if c.is_ascii() {
        return Some(Encoded::One(c as u8));
    }
    let mut buf = [0u8; 4];
    let c = cp932_variant(c);
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    match (unmappable, &bytes[..]) {
        (true, _) => None,
        (false, [0x87 | 0xED | 0xEE | 0xFA..=0xFC, _]) => None,
        (false, [b]) => Some(Encoded::One(*b)),
        (false, [a, b]) => Some(Encoded::Two([*a, *b])),
        _ => None,
    }
}

/// The length of `text` in bytes once written by [`encode_sjis`].
pub fn sjis_len(text: &str) -> usize {
    encode_sjis(text).len()
}

/// `bytes` decoded as Shift_JIS (encoding_rs's, i.e. CP932), or `None` when they are not valid
/// Shift_JIS. No byte-order-mark sniffing, no replacement characters.
pub fn decode_sjis(bytes: &[u8]) -> Option<String> {
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jis_x_0208_is_kept_and_the_rest_becomes_a_black_square() {
        assert_eq!(encode_sjis("医A"), vec![0x88, 0xE3, b'A']);
        assert_eq!(encode_sjis("ｱ"), vec![0xB1]);
        assert_eq!(decode_sjis(&encode_sjis("髙①😀")).unwrap(), "■■■");
        assert!(is_sjis('医') && is_sjis('ｱ') && !is_sjis('髙') && !is_sjis('😀'));
        assert_eq!(sjis_len("医A ｱ😀"), 2 + 1 + 1 + 1 + 2);
        assert_eq!(decode_sjis(&[0x82]), None);
        assert_eq!(decode_sjis(&[0x88, 0xE3]).unwrap(), "医");
    }

    #[test]
    fn the_jis_mapping_variants_are_written_as_their_characters() {
        assert_eq!(encode_sjis("−〜‖¢£¬—"), encode_sjis("－～∥￠￡￢―"));
        assert_eq!(
            decode_sjis(&encode_sjis("−〜‖¢£¬—")).unwrap(),
            "－～∥￠￡￢―"
        );
        assert_eq!(as_decoded('−'), '－');
        assert_eq!(as_decoded('〜'), '～');
        assert_eq!(as_decoded('¥'), '\\');
        assert_eq!(as_decoded('医'), '医');
        assert_eq!(as_decoded('①'), '①');
        assert_eq!(as_decoded('😀'), '😀');
    }
}
