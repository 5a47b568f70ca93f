//! Shift_JIS as the exchange formats want it: JIS X 0201 (8-bit) and JIS X 0208 only, as in the
//! JAHIS 院外処方箋２次元シンボル (`domain::order::jahis`) and the レセプト電算処理 UKE file
//! (`claims::uke`). One encoder, one decoder and one field cleaner ([`clean`]) for both. No IO.

/// `■` (U+25A0) in Shift_JIS: what every character outside JIS X 0201/0208 is written as.
const BLACK_SQUARE: [u8; 2] = [0x81, 0xA1];

/// `text` in Shift_JIS, every character outside JIS X 0201 and JIS X 0208 replaced by `■`:
/// those the encoding lacks, and the NEC and IBM extensions CP932 has (①, ㈱, 髙 …: lead bytes
/// 0x87, 0xED–0xEE, 0xFA–0xFC), which neither format allows (JAHIS b.2; 記録条件仕様（医科）
/// 第1章 3(3)エ 内容を表現する文字の符号). The JIS mapping's code points for the characters CP932
/// maps elsewhere (〜 U+301C, − U+2212 …) are written as the JIS X 0208 character they stand for
/// ([`cp932_variant`]), not as `■`.
///
/// CR and LF are written as given (callers put the line breaks); every other control character
/// (C0 TAB, EOF 0x1A …, DEL, C1 U+0080–U+009F) is written as a space, so the output never has a
/// byte 0x00–0x1F but CR and LF, nor 0x7F, nor 0x80: a stray EOF or TAB in a field can neither
/// end the file early nor split a record, and reads back as the blank it stood for.
pub fn encode_sjis(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match written(c) {
            Encoded::One(b) => out.push(b),
            Encoded::Two(b) => out.extend_from_slice(&b),
        }
    }
    out
}

/// Whether `c` survives [`encode_sjis`] as itself (not as `■`, nor as the space a control
/// character other than CR and LF becomes).
pub fn is_sjis(c: char) -> bool {
    encode_char(c).is_some()
}

/// How [`clean`] treats a character outside JIS X 0201/0208.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outside {
    /// Kept in the text: [`encode_sjis`] writes it as `■` (the JAHIS records keep what was typed).
    Keep,
    /// Replaced by `■` already, so the text is what the bytes will say (the UKE writer).
    Square,
}

/// `text` as a field of a comma-separated Shift_JIS record format (JAHIS b.2, 記録条件仕様（医科）
/// 第1章 3(3)ウ–エ) can carry it: a half-width comma becomes `，`, a control character (CR, LF,
/// TAB, EOF 0x1A, DEL, C1 …) a space, and with [`Outside::Square`] a character outside JIS X
/// 0201/0208 `■`. Blanks are not trimmed: each format has its own rule for them.
pub fn clean(text: &str, outside: Outside) -> String {
    text.chars()
        .map(|c| match c {
            ',' => '，',
            c if c.is_control() => ' ',
            c if outside == Outside::Square && !is_sjis(c) => '■',
            c => c,
        })
        .collect()
}

/// The character reading `c` back from its Shift_JIS bytes gives: `－` (U+FF0D) for `−`
/// (U+2212), `\` for `¥` (JIS X 0201 0x5C) …; `c` itself when it has no bytes of its own (it is
/// written as `■`, or as a space for a control character other than CR and LF) or is already
/// what decoding gives. Text that came from Shift_JIS through a converter with the JIS mapping
/// (UTF-8 files) reads, after this, as its Shift_JIS original.
pub fn as_decoded(c: char) -> char {
    sjis_decoded(c).unwrap_or(c)
}

/// [`as_decoded`] for a character [`is_sjis`] keeps; `None` for one it does not (one pass for
/// a reader that wants both).
pub fn sjis_decoded(c: char) -> Option<char> {
    if c.is_ascii() {
        return is_sjis(c).then_some(c);
    }
    let mut buf = [0u8; 2];
    let bytes: &[u8] = match encode_char(c)? {
        Encoded::One(b) => {
            buf[0] = b;
            &buf[..1]
        }
        Encoded::Two(b) => {
            buf = b;
            &buf
        }
    };
    let decoded = decode_sjis(bytes).unwrap_or_default();
    let mut chars = decoded.chars();
    match (chars.next(), chars.next()) {
        (Some(d), None) => Some(d),
        _ => Some(c),
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

/// What [`encode_sjis`] writes for `c`: its bytes, a space for a control character other than
/// CR and LF, `■` for anything else outside JIS X 0201/0208.
fn written(c: char) -> Encoded {
    match encode_char(c) {
        Some(encoded) => encoded,
        None if c.is_control() => Encoded::One(b' '),
        None => Encoded::Two(BLACK_SQUARE),
    }
}

/// `c`'s bytes, or `None` when it is outside JIS X 0201/0208 or a control character other than
/// CR and LF.
fn encode_char(c: char) -> Option<Encoded> {
    if c.is_ascii() {
        let b = c as u8;
        let kept = !b.is_ascii_control() || b == b'\r' || b == b'\n';
        return kept.then_some(Encoded::One(b));
    }
    let mut buf = [0u8; 4];
    let c = cp932_variant(c);
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    match (unmappable, &bytes[..]) {
        (true, _) => None,
        (false, [0x87 | 0xED | 0xEE | 0xFA..=0xFC, _]) => None,
        // U+0080, which encoding_rs (WHATWG) passes through as 0x80: a C1 control, no JIS X 0201
        // character.
        (false, [0x80]) => None,
        (false, [b]) => Some(Encoded::One(*b)),
        (false, [a, b]) => Some(Encoded::Two([*a, *b])),
        _ => None,
    }
}

/// The length of `text` in bytes once written by [`encode_sjis`].
pub fn sjis_len(text: &str) -> usize {
    text.chars()
        .map(|c| match written(c) {
            Encoded::One(_) => 1,
            Encoded::Two(_) => 2,
        })
        .sum()
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
        assert_eq!(as_decoded('\t'), '\t');
        assert_eq!(sjis_decoded('−'), Some('－'));
        assert_eq!(sjis_decoded('A'), Some('A'));
        assert_eq!(sjis_decoded('😀'), None);
        assert_eq!(sjis_decoded('\t'), None);
    }

    #[test]
    fn control_characters_other_than_cr_and_lf_are_written_as_spaces() {
        assert_eq!(
            encode_sjis("a\tb\u{1A}c\u{0}\u{7F}\u{80}\u{85}\u{9F}d\r\n"),
            b"a b c     d\r\n"
        );
        assert!(is_sjis('\r') && is_sjis('\n'));
        assert!(!is_sjis('\t') && !is_sjis('\u{1A}') && !is_sjis('\u{7F}') && !is_sjis('\u{80}'));
        assert_eq!(sjis_len("\t\u{80}"), 2);
        // Bidi overrides and the line separator are no JIS X 0208 characters.
        assert_eq!(
            encode_sjis("\u{202E}\u{2028}"),
            [BLACK_SQUARE, BLACK_SQUARE].concat()
        );
    }

    #[test]
    fn clean_makes_text_a_field_can_carry() {
        let text = "架空,太郎\r\n\t髙😀\u{1A}\u{85} ";
        assert_eq!(clean(text, Outside::Keep), "架空，太郎   髙😀   ");
        assert_eq!(clean(text, Outside::Square), "架空，太郎   ■■   ");
        assert_eq!(
            clean("　ｱ−¥ ", Outside::Square),
            "　ｱ−¥ ",
            "nothing to change"
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// Every character [`is_sjis`] keeps (all in the BMP).
    fn sjis_chars() -> &'static [char] {
        static CHARS: OnceLock<Vec<char>> = OnceLock::new();
        CHARS.get_or_init(|| {
            (0..=0xFFFFu32)
                .filter_map(char::from_u32)
                .filter(|c| is_sjis(*c))
                .collect()
        })
    }

    /// Any character, with the ranges where the encoder has decisions to make (C0, DEL, C1,
    /// Latin-1, the JIS and CP932 extension blocks) drawn more often.
    fn a_char() -> impl Strategy<Value = char> {
        prop_oneof![
            any::<char>(),
            proptest::char::range('\u{0}', '\u{FF}'),
            proptest::char::range('\u{2000}', '\u{33FF}'),
            proptest::char::range('\u{F900}', '\u{FFFF}'),
            proptest::sample::select(sjis_chars()),
        ]
    }

    fn a_string() -> impl Strategy<Value = String> {
        vec(a_char(), 0..48).prop_map(|cs| cs.into_iter().collect())
    }

    /// The bytes' problems as Shift_JIS the formats allow: a lead byte of the NEC or IBM
    /// extensions, or a control byte other than CR and LF (0x00–0x1F, 0x7F, 0x80).
    fn forbidden(bytes: &[u8]) -> Option<(usize, u8)> {
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                0x87 | 0xED | 0xEE | 0xFA..=0xFC => return Some((i, b)),
                0x81..=0x9F | 0xE0..=0xFC => i += 2,
                b'\r' | b'\n' => i += 1,
                0x00..=0x1F | 0x7F | 0x80 => return Some((i, b)),
                _ => i += 1,
            }
        }
        None
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// No character is written with an extension lead byte or as a control byte.
        #[test]
        fn no_char_is_written_as_an_extension_or_a_control_byte(c in a_char()) {
            let bytes = encode_sjis(&c.to_string());
            prop_assert_eq!(forbidden(&bytes), None, "{:?} -> {:02X?}", c, bytes);
        }

        /// Nor is any string; and [`sjis_len`] is the length of what is written.
        #[test]
        fn no_string_is_written_with_extension_or_control_bytes(text in a_string()) {
            let bytes = encode_sjis(&text);
            prop_assert_eq!(forbidden(&bytes), None, "{:?} -> {:02X?}", text, bytes);
            prop_assert_eq!(sjis_len(&text), bytes.len());
            prop_assert!(decode_sjis(&bytes).is_some(), "the bytes are Shift_JIS");
        }

        /// Text of characters [`is_sjis`] keeps reads back as [`as_decoded`] says.
        #[test]
        fn sjis_text_reads_back_as_decoded(
            chars in vec(proptest::sample::select(sjis_chars()), 0..48),
        ) {
            let text: String = chars.iter().collect();
            let expected: String = chars.iter().copied().map(as_decoded).collect();
            prop_assert_eq!(decode_sjis(&encode_sjis(&text)), Some(expected));
        }

        /// [`clean`] leaves no comma and no control character, and with [`Outside::Square`]
        /// only characters the encoder keeps.
        #[test]
        fn cleaned_text_has_no_comma_or_control(text in a_string()) {
            for outside in [Outside::Keep, Outside::Square] {
                let cleaned = clean(&text, outside);
                prop_assert!(!cleaned.chars().any(|c| c == ',' || c.is_control()));
                prop_assert_eq!(cleaned.chars().count(), text.chars().count());
                if outside == Outside::Square {
                    prop_assert!(cleaned.chars().all(is_sjis));
                    let kept = clean(&text, Outside::Keep);
                    prop_assert_eq!(encode_sjis(&cleaned), encode_sjis(&kept));
                }
            }
        }
    }
}
