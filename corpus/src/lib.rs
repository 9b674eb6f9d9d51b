//! Deterministic sample stories in the raw format, for benchmarks and large tests.
//!
//! The text imitates real exports: doubled apostrophes for dialogue, sloppy ellipses,
//! contractions, scene breaks, chapters with and without titles, and author's notes. The
//! same seed and size always give the same story, so measurements can be repeated.

/// A small, fast pseudo-random generator (xorshift64*), enough to vary generated text.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NAMES: &[&str] = &[
    "Spike",
    "Rarity",
    "Twilight",
    "Mara",
    "Tomas",
    "Ilse",
    "the dragon",
];
const VERBS: &[&str] = &[
    "looked",
    "sighed",
    "walked",
    "whispered",
    "smiled",
    "waited",
    "turned",
    "laughed",
    "shrugged",
    "nodded",
];
const WORDS: &[&str] = &[
    "the",
    "rain",
    "was",
    "falling",
    "over",
    "ponyville",
    "and",
    "nobody",
    "knew",
    "why",
    "storm",
    "door",
    "window",
    "heart",
    "train",
    "library",
    "quiet",
    "cold",
    "bright",
    "long",
    "road",
    "home",
    "friend",
    "letter",
    "tomorrow",
    "night",
    "morning",
    "dress",
    "book",
    "tea",
    "clock",
    "tower",
    "station",
    "bench",
    "river",
    "light",
    "shadow",
    "voice",
];
const SPEECH: &[&str] = &[
    "I don't know,...",
    "Wait--what?",
    "You're late.",
    "It's 'bout time...",
    "Where,...?",
    "Don't leave!",
    "Wha..what?",
    "Rock 'n' roll, I guess.",
    "Come in,..",
    "No buts-",
    "I can't do this anymore",
    "We'll see",
    "Tell 'em I said so.",
    "Is that you?..",
];
const BREAKS: &[&str] = &[
    "***",
    "* * *",
    "____________",
    "..........",
    "~~~~",
    "xXx",
    "oOo",
];

/// A story of about `bytes` bytes (never less), with chapters of about `chapter_bytes`.
pub fn story(seed: u64, bytes: usize) -> String {
    let mut rng = Rng::new(seed);
    let chapter_bytes = (bytes / 3).clamp(2_000, 40_000);
    let mut out = String::with_capacity(bytes + 1024);
    out.push_str(" \t\tDescription\n\n");
    out.push_str(&sentence(&mut rng, 25));
    out.push_str("\nA story generated for testing,... with ''quotes'' and all.\n");
    let mut chapter = 0;
    while out.len() < bytes {
        chapter += 1;
        if rng.below(3) == 0 {
            // An untitled chapter: its first line is text.
            out.push(' ');
            out.push_str(&paragraph(&mut rng));
            out.push('\n');
        } else {
            out.push_str(&format!(
                " \t\tChapter {chapter}: The {}\n\n",
                rng.pick(WORDS)
            ));
        }
        let end = out.len() + chapter_bytes;
        while out.len() < end && out.len() < bytes {
            if rng.below(40) == 0 {
                out.push_str(rng.pick(BREAKS));
            } else {
                out.push_str(&paragraph(&mut rng));
            }
            out.push('\n');
        }
        if rng.below(4) == 0 {
            out.push_str("\t\tAuthor's Notes:\nThanks for reading,... see you next time!\n");
        }
    }
    out.push_str(" \n");
    out
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push_str(match rng.below(5) {
        0 => "...",
        1 => ",..",
        _ => ".",
    });
    s
}

fn paragraph(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!(
            "''{}'' {} {}. {}",
            rng.pick(SPEECH),
            rng.pick(NAMES),
            rng.pick(VERBS),
            sentence(rng, 8)
        ),
        1 => format!(
            "{} {} ''{}'' *{}* {}",
            rng.pick(NAMES),
            rng.pick(VERBS),
            rng.pick(SPEECH),
            rng.pick(WORDS),
            sentence(rng, 12)
        ),
        _ => {
            let n = 2 + rng.below(4);
            (0..n)
                .map(|_| {
                    let len = 6 + rng.below(14);
                    sentence(rng, len)
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_are_deterministic_and_sized() {
        assert_eq!(story(7, 30_000), story(7, 30_000));
        assert_ne!(story(7, 30_000), story(8, 30_000));
        let text = story(1, 100_000);
        assert!(
            text.len() >= 100_000 && text.len() < 110_000,
            "{}",
            text.len()
        );
    }
}
