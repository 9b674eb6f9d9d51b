//! Counting words, for the title and contents pages and the reports: whitespace-separated
//! tokens that hold at least one letter or digit.

/// Words are whitespace-separated tokens holding at least one letter or digit, so that a
/// lone dash or ellipsis is not counted.
pub fn count_words(text: &str) -> usize {
    let mut counter = WordCounter::default();
    counter.feed(text);
    counter.words
}

/// Counts words over text that may come in pieces. Every page that shows a count, and every
/// report, counts a whole book, so this reads 64 bytes at a time as bit masks (which the
/// compiler builds with vector instructions) and decodes only the rare characters that
/// might be a letter or a space outside ASCII.
#[derive(Default)]
pub(crate) struct WordCounter {
    pub(crate) words: usize,
    /// The current token already holds a letter or digit and has been counted.
    counted: bool,
}

/// Bytes read at a time: one bit each in a `u64`.
const BLOCK: usize = 64;

impl WordCounter {
    pub(crate) fn feed(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            let masks = match rest.first_chunk::<BLOCK>() {
                Some(block) => Masks::of(block),
                None => {
                    // The last bytes, padded with NUL, which is neither a letter nor a space.
                    let mut block = [0; BLOCK];
                    block[..rest.len()].copy_from_slice(rest);
                    Masks::of(&block)
                }
            };
            let usable = plain_prefix(bytes, i, masks.leads).min(rest.len());
            if usable > 0 {
                self.count_block(&masks, usable);
                i += usable;
                continue;
            }
            // A character that may be a letter or a space: decode it.
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                i += 1;
                continue;
            };
            if c.is_whitespace() {
                self.counted = false;
            } else if !self.counted && c.is_alphanumeric() {
                self.words += 1;
                self.counted = true;
            }
            i += c.len_utf8();
        }
    }

    /// Counts the words that start in the first `usable` bytes of a block.
    fn count_block(&mut self, masks: &Masks, usable: usize) {
        let kept = if usable == BLOCK {
            u64::MAX
        } else {
            (1 << usable) - 1
        };
        let alnum = masks.alnum & kept;
        let space = masks.space & kept;
        let other = !(alnum | space) & kept;
        // A word starts at the first letter or digit after a space, punctuation in between
        // ignored. Mark the byte after each space (and the first byte, if the running token
        // has no letter yet); adding the punctuation bits carries each mark across the
        // punctuation that follows it, onto the next letter or space.
        let marks = (space << 1) | u64::from(!self.counted);
        let landed = marks.wrapping_add(other) & !other;
        self.words += (landed & alnum).count_ones() as usize;
        let significant = alnum | space;
        if significant != 0 {
            let last = 63 - significant.leading_zeros();
            self.counted = (alnum >> last) & 1 == 1;
        }
    }
}

/// One bit per byte of a block: ASCII letters and digits, ASCII spaces, and the first bytes
/// of characters outside ASCII.
struct Masks {
    alnum: u64,
    space: u64,
    leads: u64,
}

impl Masks {
    /// On x86-64, whose every processor has SSE2: sixteen bytes at a time, each test a
    /// compare whose results `movemask` gathers into bits, a third of the instructions of
    /// the portable code below.
    #[cfg(target_arch = "x86_64")]
    fn of(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: SSE2 is part of the x86-64 baseline, so every processor this code is
        // built for has it.
        unsafe { Masks::of_sse2(block) }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    fn of_sse2(block: &[u8; BLOCK]) -> Masks {
        use std::arch::x86_64::{
            __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8, _mm_set_epi64x,
        };
        // SSE2 compares bytes as signed: shifting a range to start at -128 makes
        // "`b - low` below `n`, unsigned" the signed "below `n - 128`".
        #[target_feature(enable = "sse2")]
        fn in_range(v: __m128i, low: u8, n: u8) -> __m128i {
            let shifted = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(low) as i8));
            _mm_cmplt_epi8(shifted, _mm_set1_epi8(n.wrapping_sub(0x80) as i8))
        }
        let bits = |lanes: __m128i| u64::from(_mm_movemask_epi8(lanes) as u16);
        let (mut alnum, mut space, mut leads) = (0, 0, 0);
        let (quarters, _) = block.as_chunks::<16>();
        for (q, quarter) in quarters.iter().enumerate() {
            let (low, high) = quarter.split_at(8);
            let half = |bytes: &[u8]| {
                i64::from_le_bytes(bytes.try_into().unwrap_or_else(|_| unreachable!()))
            };
            let v = _mm_set_epi64x(half(high), half(low));
            let letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26);
            let digit = in_range(v, b'0', 10);
            let blank = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                in_range(v, b'\t', 5),
            );
            let lead = in_range(v, 0xC0, 0x40);
            alnum |= bits(_mm_or_si128(letter, digit)) << (16 * q);
            space |= bits(blank) << (16 * q);
            leads |= bits(lead) << (16 * q);
        }
        Masks {
            alnum,
            space,
            leads,
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn of(block: &[u8; BLOCK]) -> Masks {
        const ALNUM: u8 = 1;
        const SPACE: u8 = 2;
        const LEAD: u8 = 4;
        // A byte of flags for each byte, in a loop the compiler turns into vector code...
        let mut flags = [0u8; BLOCK];
        for (flag, &b) in flags.iter_mut().zip(block) {
            let letter = (b | 0x20).wrapping_sub(b'a') < 26;
            let digit = b.wrapping_sub(b'0') < 10;
            let blank = (b == b' ') | (b.wrapping_sub(b'\t') < 5);
            let bit = |on: bool, flag: u8| u8::from(on) * flag;
            *flag = bit(letter | digit, ALNUM) | bit(blank, SPACE) | bit(b >= 0xC0, LEAD);
        }
        // ...then gathered into bits eight at a time: the multiplication moves bit 0 of each
        // byte k of `x` to bit 56 + k.
        let (mut alnum, mut space, mut leads) = (0, 0, 0);
        let (groups, _) = flags.as_chunks::<8>();
        for (g, group) in groups.iter().enumerate() {
            let x = u64::from_le_bytes(*group);
            let bits = |flag: u8| {
                let low = (x >> flag.trailing_zeros()) & 0x0101_0101_0101_0101;
                (low.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * g)
            };
            alnum |= bits(ALNUM);
            space |= bits(SPACE);
            leads |= bits(LEAD);
        }
        Masks {
            alnum,
            space,
            leads,
        }
    }
}

/// How many bytes from `i` the block count can take: all before the first character that
/// might be a letter or a space. Outside ASCII, it takes the curly quotes, dashes and
/// ellipsis of every normalized story (U+2000 to U+203F, E2 80 xx), which are punctuation
/// unless they are one of the spaces among them; the other bytes of a character,
/// 0b10xxxxxx, are neither letters nor spaces.
fn plain_prefix(bytes: &[u8], i: usize, mut leads: u64) -> usize {
    while leads != 0 {
        let k = leads.trailing_zeros() as usize;
        let at = i + k;
        let punctuation = bytes.get(at) == Some(&0xE2)
            && bytes.get(at + 1) == Some(&0x80)
            && bytes
                .get(at + 2)
                .is_some_and(|&last| !matches!(last, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF));
        if !punctuation {
            return k;
        }
        leads &= leads - 1;
    }
    BLOCK
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{Inline, Paragraph};

    #[test]
    fn words_are_counted_without_punctuation_tokens() {
        for (text, words) in [
            ("", 0),
            ("one", 1),
            ("one two  three", 3),
            ("wait … what — no", 3),
            ("don’t stop", 2),
            ("— … * ", 0),
            ("tab\tand\nnew\u{b}line\u{c}feed\r", 5),
            ("no\u{a0}break\u{2003}em\u{3000}ideographic\u{85}next", 5),
            ("“Quoted,” she said—softly…", 3),
            ("café naïve 東京 ١٢٣", 4),
            ("’’ «» ¿¡", 0),
            ("«oui»", 1),
        ] {
            assert_eq!(count_words(text), words, "{text:?}");
        }
    }

    #[test]
    fn emphasis_inside_a_word_does_not_split_it() {
        let p = Paragraph::new(vec![
            Inline::Emphasis(vec![Inline::Text("un".into())]),
            Inline::Text("believable stuff".into()),
        ]);
        assert_eq!(p.word_count(), 2);
        assert_eq!(p.plain_text(), "unbelievable stuff");
    }

    proptest::proptest! {
        /// The byte scan agrees with the plain definition, however the text is split.
        #[test]
        fn counting_matches_the_definition(text in r"([a-zA-Z0-9 ,.'\-]{1,12}|[\x00-\x7f]|[é \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{1680}\u{2000}-\u{2071}\u{3000}’—…“”東])*", cut in 0usize..100) {
            let expected = text
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            proptest::prop_assert_eq!(count_words(&text), expected);
            let cut = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let (head, tail) = text.split_at(cut);
            let p = Paragraph::new(vec![
                Inline::Emphasis(vec![Inline::Text(head.to_string())]),
                Inline::Text(tail.to_string()),
            ]);
            proptest::prop_assert_eq!(p.word_count(), expected);
        }
    }
}
