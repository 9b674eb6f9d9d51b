//! The emphasis rule: `*text*` and `_text_` as emphasis. Emphasis is structure, so the raw
//! reader finds it (`read/emphasis.rs`) and this entry only switches it on and off.

use super::*;

/// `*text*` and `_text_` as emphasis.
pub(super) const RULE: Entry = Entry {
    name: "emphasis",
    description: "`*text*` and `_text_` as emphasis",
    pass: Pass::Markup,
    cases: &[
        ("*very* good", "<em>very</em> good"),
        ("**bold**", "<strong>bold</strong>"),
        ("a * b * c", "a * b * c"),
    ],
};
