//! Words that start with an apostrophe for letters left out (’em, ’twas, ’un): data the
//! apostrophes rule reads, not a rule of its own. An apostrophe in opening position before
//! one of these is an apostrophe, not an opening single quote.
//!
//! `SURE` forms are elisions wherever they stand: no quotation starts with them. `LIKELY`
//! forms are also ordinary words or letters (`'a`, `'way`, `'cross`), so they count as
//! elisions only in a paragraph that already drops letters elsewhere (`goin'`, `an'`, a
//! `SURE` form) and where no later mark closes a quotation they could open (`'way off,'
//! she said` is a quotation). Words are compared without regard to case; a word is the
//! letters after the apostrophe, so `'tisn't` is looked up as `tisn`.

/// Elisions wherever they stand.
const SURE: &[&str] = &[
    // Pronouns and articles.
    "em",
    "im",
    "er",
    "un",
    "uns",
    "n",
    // Modals and auxiliaries of dialect speech: 'ud (would), 'ull (will), 'll.
    "ud",
    "ull",
    "ave",
    "ad",
    // 'tis and its kin.
    "twas",
    "tis",
    "twere",
    "twill",
    "twould",
    "twouldn",
    "tisn",
    "twasn",
    "tweren",
    "twon",
    "twixt",
    // Conjunctions and prepositions with a dropped first syllable.
    "cause",
    "cos",
    "cuz",
    "bout",
    "til",
    "fore",
    "tween",
    "gainst",
    "neath",
    "mongst",
    "midst",
    "pon",
    "cept",
    "stead",
    // Other words best known with a dropped start.
    "kay",
    "sup",
    "nother",
    "ello",
    "ere",
    "round",
    "scuse",
    "course",
    "nuff",
    "nough",
    "specially",
    "member",
    "fraid",
    "deed",
    "appen",
    "orse",
    "ouse",
    "taters",
    "tater",
    "rithmetic",
    "prentice",
    "baccy",
    "bacca",
    "uz",
];

/// Elisions in dialect, when nothing closes a quotation they could open.
const LIKELY: &[&str] = &[
    "a", "s", "as", "is", "way", "cross", "tend", "ome", "alf", "ead",
];

/// How sure an elision reading of a word after an opening apostrophe is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Elision {
    Sure,
    Likely,
}

pub(super) fn elision(word: &str) -> Option<Elision> {
    let is = |list: &[&str]| list.iter().any(|e| e.eq_ignore_ascii_case(word));
    if is(SURE) {
        Some(Elision::Sure)
    } else if is(LIKELY) {
        Some(Elision::Likely)
    } else {
        None
    }
}

/// Word endings that drop a letter in dialect, written with a final apostrophe.
const DROPPED_ENDINGS: &[&str] = &["in", "an", "o", "th", "tha", "wi", "ha", "i", "yo", "ol"];

/// Whether the word before an apostrophe at a word's end is a dialect form (`goin'`).
pub(super) fn is_dropped_ending(word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    DROPPED_ENDINGS
        .iter()
        .any(|ending| word.ends_with(ending) && (word.len() > 2 || word == *ending))
}

/// Past participles that `'a'` ("have") comes before: `I'd 'a' gone`.
const PARTICIPLES: &[&str] = &[
    "been", "gone", "done", "had", "known", "seen", "come", "got", "made", "said", "thought",
    "taken", "told", "given", "let", "kept", "left", "found", "heard", "brought", "stayed",
];

pub(super) fn is_participle(word: &str) -> bool {
    PARTICIPLES.iter().any(|p| p.eq_ignore_ascii_case(word))
}
