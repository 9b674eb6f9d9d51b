use super::*;
use crate::inline::{Inline, Mark};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// The paragraph as text, with emphasis shown as `<em>` and strong as `<strong>`.
fn render(paragraph: &Paragraph) -> String {
    fn walk(inlines: &[Inline], out: &mut String) {
        for inline in inlines {
            match inline {
                Inline::Text(t) => out.push_str(t),
                Inline::Emphasis(inner) => {
                    out.push_str("<em>");
                    walk(inner, out);
                    out.push_str("</em>");
                }
                Inline::Strong(inner) => {
                    out.push_str("<strong>");
                    walk(inner, out);
                    out.push_str("</strong>");
                }
                Inline::Marked(mark, inner) => {
                    out.push_str(&format!("<{mark:?}>"));
                    walk(inner, out);
                    out.push_str(&format!("</{mark:?}>"));
                }
                Inline::LineBreak => out.push_str("<br/>"),
                Inline::FootnoteRef(n) => out.push_str(&format!("[{n}]")),
            }
        }
    }
    let mut out = String::new();
    walk(&paragraph.inlines(), &mut out);
    out
}

/// The whole chain on a paragraph of a raw story: its emphasis markers read as the raw
/// reader reads them (when the emphasis rule is on), then the typography rules.
fn normalize_paragraph(text: &str, rules: &Rules) -> Outcome {
    let paragraph = if rules.reads_markup() {
        crate::read::emphasis::find_emphasis(text)
    } else {
        Paragraph::plain(text)
    };
    super::normalize_paragraph(&paragraph, rules)
}

fn normalized(text: &str) -> String {
    render(&normalize_paragraph(text, &Rules::default()).paragraph)
}

/// Every example written in the typography section of the spec.
const SPEC_EXAMPLES: &[(&str, &str)] = &[
    ("''Hi,''", "“Hi,”"),
    ("where,...?", "where…?"),
    (
        "'''Tis the season,'' she said.",
        "“’Tis the season,” she said.",
    ),
    ("''She said 'no.'''", "“She said ‘no.’”"),
    ("don't", "don’t"),
    ("y'know", "y’know"),
    ("rock'n'roll", "rock’n’roll"),
    ("the '80s", "the ’80s"),
    ("back in '07", "back in ’07"),
    ("goin' home", "goin’ home"),
    ("the ponies' leader", "the ponies’ leader"),
    (
        "''He said 'not now' and walked off''",
        "“He said ‘not now’ and walked off”",
    ),
    ("YES...,every", "YES… every"),
    ("waited....", "waited…"),
    ("Wha..what", "Wha… what"),
    ("count 1..10", "count 1..10"),
    ("Stop-''", "Stop—”"),
    ("I--I", "I—I"),
    ("word - word", "word—word"),
    ("a -- b", "a—b"),
    ("a --- b", "a—b"),
    ("1990-1995", "1990–1995"),
    ("*KNOCK!*", "<em>KNOCK!</em>"),
    ("_soft_", "<em>soft</em>"),
    ("snake_case", "snake_case"),
    ("<The traveler>", "<The traveler>"),
    ("&amp;", "&amp;"),
    ("<b>", "<b>"),
    ("]]>", "]]>"),
    ("<!-- -->", "<!-- -->"),
    ("# not a heading", "# not a heading"),
    ("1. not a list", "1. not a list"),
    ("> not a quote", "> not a quote"),
    ("- not a list", "- not a list"),
];

/// Lines from the two sample stories, as an editor would want them.
const SAMPLE_LINES: &[(&str, &str)] = &[
    ("Spike was lying on his bed, buried under his thoughts..", "Spike was lying on his bed, buried under his thoughts…"),
    ("''Spike,....!'' Twilight's voice made spike snap out,", "“Spike…!” Twilight’s voice made spike snap out,"),
    ("Spike sighed and opened his eyes ''What twilight..?''", "Spike sighed and opened his eyes “What twilight…?”"),
    ("Twilight poked her head into spike's room ''You ready to go?''", "Twilight poked her head into spike’s room “You ready to go?”"),
    ("Spike raised an eyebrow and looked at twilight ''Ready to go where,...?''", "Spike raised an eyebrow and looked at twilight “Ready to go where…?”"),
    ("''Uhh to Carousel boutique..Rarity said last night that the dress will be ready for today, don't you remember?,'' ", "“Uhh to Carousel boutique… Rarity said last night that the dress will be ready for today, don’t you remember?,”"),
    ("Spike  got off his bed, hunched his back", "Spike got off his bed, hunched his back"),
    ("''Spike,..are you still angry about last night.?...you know we can talk about it,''", "“Spike… are you still angry about last night.?… you know we can talk about it,”"),
    ("''AS A MATTER OF FACT TWILIGHT, I AM ANGRY.  AND NO THANKS, I AIN'T GONNA TALK ABOUT IT WITH YOU,... SO JUST DROP IT!'' spike turned back", "“AS A MATTER OF FACT TWILIGHT, I AM ANGRY. AND NO THANKS, I AIN’T GONNA TALK ABOUT IT WITH YOU… SO JUST DROP IT!” spike turned back"),
    ("''Well you don't see this every day...'' spike took a deep breath", "“Well you don’t see this every day…” spike took a deep breath"),
    ("''Since this will be the last time,i better get her something sweet,..flowers...Flowers would be nice,She'll like that.''", "“Since this will be the last time,i better get her something sweet… flowers… Flowers would be nice,She’ll like that.”"),
    ("''Here we go,...'' spike whisperd to him self.", "“Here we go…” spike whisperd to him self."),
    ("*KNOCK!*   *KNOCK!*    *KNOCK!*", "<em>KNOCK!</em> <em>KNOCK!</em> <em>KNOCK!</em>"),
    ("''Come in,..'' rarity's voice came from inside the house.", "“Come in…” rarity’s voice came from inside the house."),
    ("Spike opened the door and walked in ''He,...Hey rarity it's me spike.'' ", "Spike opened the door and walked in “He… Hey rarity it’s me spike.”"),
    ("''Oh spikey,...you didn't have to,...These are beautiful,'' Rarity levitated the flowers", "“Oh spikey… you didn’t have to… These are beautiful,” Rarity levitated the flowers"),
    ("spike scratched back of his head ''So ummm.., is the dress ready?'' ", "spike scratched back of his head “So ummm… is the dress ready?”"),
    ("''It's beautiful rarity,your works are great as always,im sure twilight will love it..'' rarity smiled", "“It’s beautiful rarity,your works are great as always,im sure twilight will love it…” rarity smiled"),
    ("''Thanks rarity, maybe another time,..'' spike went to  open the door", "“Thanks rarity, maybe another time…” spike went to open the door"),
    ("rarity got up and looked out of the window,''Well darling i think you're going to stay here for a while, it's a storm outside!''", "rarity got up and looked out of the window, “Well darling i think you’re going to stay here for a while, it’s a storm outside!”"),
    ("Rarity went to the kitchen ''So,....how's things going for you darling?'' ", "Rarity went to the kitchen “So… how’s things going for you darling?”"),
    ("Spike was thinking about to tell her, but he couldn't...it wasn't the right time.", "Spike was thinking about to tell her, but he couldn’t… it wasn’t the right time."),
    ("''now where's that book,...'' she whispered to her self", "“now where’s that book…” she whispered to her self"),
    ("''Uhhh, rarity you ok,?'' spike asked rarity confused.", "“Uhhh, rarity you ok,?” spike asked rarity confused."),
    ("in her room ''YES...,every things fine darling,.. why do you ask?...'' rarity looked nervous.", "in her room “YES… every things fine darling… why do you ask?…” rarity looked nervous."),
    ("''<The traveler>, seems cool,...'' spike began to look at the pages,", "“<The traveler>, seems cool…” spike began to look at the pages,"),
    ("i just lost the track of time...And yes rarity, i am abit hungry.''", "i just lost the track of time… And yes rarity, i am abit hungry.”"),
    ("The room went silent again as rarity broke it ''So spike last night wasn't that bad, right...??''", "The room went silent again as rarity broke it “So spike last night wasn’t that bad, right…??”"),
    ("rarity looked at spike ''Spike you know rainbow dash didn't actually mean any of that,..you know her, she always jokes around '' spikes face turned  frowny", "rarity looked at spike “Spike you know rainbow dash didn’t actually mean any of that… you know her, she always jokes around” spikes face turned frowny"),
    ("Rarity got surprised and gasped ''Wha..what?...Why spikey ? only", "Rarity got surprised and gasped “Wha… what?… Why spikey ? only"),
    ("''Twilight,...", "“Twilight…"),
    ("Your number one assistant and brotherlike dragon,Spike.''", "Your number one assistant and brotherlike dragon,Spike.”"),
    ("''Spike....I,..'' rarity tried to say something", "“Spike… I…” rarity tried to say something"),
    ("''Hey,easy spike,.... so where were you?,..'' twilight looked", "“Hey,easy spike… so where were you?…” twilight looked"),
    ("''What do you think?,...i was at rarity's, storm came", "“What do you think?… i was at rarity’s, storm came"),
    ("Spike gasped ''Oh, wow rarity...you didn't  have to,...This is so great,thanks!'' ", "Spike gasped “Oh, wow rarity… you didn’t have to… This is so great,thanks!”"),
    ("she brought spike a dish of gems and rubies ..", "she brought spike a dish of gems and rubies…"),
    ("Spike whispered ''Sorry twilight,..but this has to be done. i know it'll be hard for you", "Spike whispered “Sorry twilight… but this has to be done. i know it’ll be hard for you"),
    ("\"Why are you leaving me like this Rarity?\" ", "“Why are you leaving me like this Rarity?”"),
    ("\"Fantasy? I love-\"", "“Fantasy? I love—”"),
    ("\"Spike, listen dar-\"", "“Spike, listen dar—”"),
    ("\"....\"", "“…”"),
    ("\"Then why... \"", "“Then why…”"),
    ("\"Good bye Rarity... \"", "“Good bye Rarity…”"),
    ("\"Spike... sometimes things happen in life that don’t make sense... or just don't go as planned.", "“Spike… sometimes things happen in life that don’t make sense… or just don’t go as planned."),
    ("Spike's failure drove into his heart", "Spike’s failure drove into his heart"),
    ("\"No, you listen... when I first met you, I thought it was just a crush...", "“No, you listen… when I first met you, I thought it was just a crush…"),
    ("\"Spike, I am not attracted to you... you have scales, claws, fins, and that isn't what I want in a husband.\" ", "“Spike, I am not attracted to you… you have scales, claws, fins, and that isn’t what I want in a husband.”"),
];

/// Edge cases, one per line: (input, expected).
const EDGE_CASES: &[(&str, &str)] = &[
    // quotes at paragraph edges
    ("\"Hello.\"", "“Hello.”"),
    ("\"", "”"),
    ("''", "”"),
    ("He said \"", "He said ”"),
    (
        "\"Start of a speech that runs on",
        "“Start of a speech that runs on",
    ),
    ("and ends here.\"", "and ends here.”"),
    ("'Single at start,' he said.", "‘Single at start,’ he said."),
    ("'", "’"),
    // nested quotes
    (
        "\"She told me 'run' and I ran.\"",
        "“She told me ‘run’ and I ran.”",
    ),
    ("''She told me 'run.' ''", "“She told me ‘run.’”"),
    (
        "\"'Hello,' he said,\" she recalled.",
        "“‘Hello,’ he said,” she recalled.",
    ),
    ("'He said \"no\" to me.'", "‘He said “no” to me.’"),
    // three and more apostrophes
    ("'''Tis true.''", "“’Tis true.”"),
    (
        "''I said 'stop.''' He stopped.",
        "“I said ‘stop.’” He stopped.",
    ),
    ("''''", "“”"),
    ("''Yes.'' ''No.''", "“Yes.” “No.”"),
    // curly doubles
    ("‘‘Curly doubled’’", "“Curly doubled”"),
    ("’’Backwards’’", "“Backwards”"),
    // quotes after dashes and brackets
    ("He began—\"No!\"", "He began—“No!”"),
    ("He began -- ''No!''", "He began—“No!”"),
    ("(\"Quoted\")", "(“Quoted”)"),
    ("['Single']", "[‘Single’]"),
    ("{\"curly\"}", "{“curly”}"),
    // glued quotes
    ("He said,\"Come here.\"", "He said, “Come here.”"),
    ("\"Hi,\"she said.", "“Hi,” she said."),
    ("said''Wait''", "said “Wait”"),
    // existing curly marks are kept
    ("“Already curly,” she said.", "“Already curly,” she said."),
    ("don’t", "don’t"),
    ("‘tis", "‘tis"),
    // apostrophes inside words
    ("I'm", "I’m"),
    ("we'll", "we’ll"),
    ("they'd've", "they’d’ve"),
    ("O'Brien", "O’Brien"),
    ("ma'am", "ma’am"),
    ("the 90's", "the 90’s"),
    ("Rock 'n' roll", "Rock ’n’ roll"),
    ("fish 'n' chips", "fish ’n’ chips"),
    // decades
    ("the '60s and '70s", "the ’60s and ’70s"),
    ("Class of '99.", "Class of ’99."),
    ("'99 was good", "’99 was good"),
    ("'1999' is a song", "‘1999’ is a song"),
    // possessive plurals and word-final apostrophes
    ("the twins' room", "the twins’ room"),
    ("the Joneses' car", "the Joneses’ car"),
    ("nothin', really", "nothin’, really"),
    ("I was thinkin'.", "I was thinkin’."),
    ("somethin'?", "somethin’?"),
    ("goin'\" he said", "goin’” he said"),
    // ambiguous single quotes become apostrophes
    ("He said 'hello and left.", "He said ’hello and left."),
    // ellipsis forms
    ("Wait. . . what?", "Wait… what?"),
    ("Wait . . . what?", "Wait… what?"),
    ("Wait...", "Wait…"),
    ("Wait..", "Wait…"),
    ("Wait.....", "Wait…"),
    ("Wait…", "Wait…"),
    ("Wait… what", "Wait… what"),
    ("Wait…what", "Wait… what"),
    ("Wait ... what", "Wait… what"),
    ("Wait,... what", "Wait… what"),
    ("Wait...,what", "Wait… what"),
    ("Wait,...,what", "Wait… what"),
    ("Wait...?", "Wait…?"),
    ("Wait...!", "Wait…!"),
    ("Wait?...", "Wait?…"),
    ("Wait!...", "Wait!…"),
    ("Wait...?!", "Wait…?!"),
    ("Wait..., he said", "Wait… he said"),
    ("...and then", "…and then"),
    ("\"...and then\"", "“…and then”"),
    ("(...)", "(…)"),
    ("Wait...\"Hello\"", "Wait… “Hello”"),
    ("\"Wait...\" he said", "“Wait…” he said"),
    ("'Wait...' he said", "‘Wait…’ he said"),
    ("Hm.... Yes.", "Hm… Yes."),
    ("..", "…"),
    ("a.. .b", "a… b"),
    ("Wait.. .", "Wait…"),
    // digit ranges, versions and abbreviations
    ("pages 1..10", "pages 1..10"),
    ("version 1.2.3", "version 1.2.3"),
    ("Mr. Smith and Dr. Jones", "Mr. Smith and Dr. Jones"),
    ("e.g. this, i.e. that", "e.g. this, i.e. that"),
    ("U.S.A.", "U.S.A."),
    ("3.14", "3.14"),
    ("It ended. Then", "It ended. Then"),
    // dashes
    ("well-known", "well-known"),
    ("X-ray", "X-ray"),
    ("I-I don't know", "I-I don’t know"),
    ("Wait--what?", "Wait—what?"),
    ("Wait---what?", "Wait—what?"),
    ("Wait — what?", "Wait—what?"),
    ("Wait—what?", "Wait—what?"),
    ("Wait – what?", "Wait—what?"),
    ("Wait——what?", "Wait—what?"),
    ("Wait -- -- what?", "Wait—what?"),
    ("Wait ----- what?", "Wait—what?"),
    ("\"But-\" he began", "“But—” he began"),
    ("\"But–\"", "“But—”"),
    ("'Stop-'", "‘Stop—’"),
    ("And then he-", "And then he—"),
    ("--Hello", "—Hello"),
    ("pages 10-12", "pages 10–12"),
    ("1990–1995", "1990–1995"),
    ("in 2020-01-05 we", "in 2020-01-05 we"),
    ("call 555-1234 now", "call 555-1234 now"),
    ("call 1-800-555-1234", "call 1-800-555-1234"),
    ("model A-12", "model A-12"),
    ("the score was 3-2", "the score was 3–2"),
    ("-5 degrees", "-5 degrees"),
    ("a - ", "a -"),
    // URLs are left alone
    (
        "see http://example.com/a--b_c_d...e",
        "see http://example.com/a--b_c_d...e",
    ),
    (
        "visit www.example.com/some_page_here.",
        "visit www.example.com/some_page_here.",
    ),
    (
        "link: https://x.org/1990-1995 ok",
        "link: https://x.org/1990-1995 ok",
    ),
    ("(https://x.org/it's)", "(https://x.org/it's)"),
    // emphasis
    ("*one* and *two*", "<em>one</em> and <em>two</em>"),
    ("**strong**", "<strong>strong</strong>"),
    ("_under_ score", "<em>under</em> score"),
    ("a *b", "a *b"),
    ("a * b * c", "a * b * c"),
    ("2 * 3 = 6", "2 * 3 = 6"),
    ("file_name_here", "file_name_here"),
    ("*unclosed", "*unclosed"),
    ("closed*", "closed*"),
    (
        "*Thinking: ''what now?''*",
        "<em>Thinking: “what now?”</em>",
    ),
    ("*it's*", "<em>it’s</em>"),
    ("* bullet", "* bullet"),
    ("** **", "** **"),
    ("*~*~* inline", "*~*~* inline"),
    // markup-looking text is text
    ("[link](http://x.org)", "[link](http://x.org)"),
    ("`code`", "‘code’"),
    ("a \\ backslash", "a \\ backslash"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    // tags are markup shown as text: the rules leave them alone, and only them
    (
        "a <span class=\"x_y\" title='it''s'> \"b\"",
        "a <span class=\"x_y\" title='it''s'> “b”",
    ),
    ("<b>don't</b> -- go", "<b>don’t</b>—go"),
    ("if a < b and c > d, \"ok\"", "if a < b and c > d, “ok”"),
    ("x <3 y -- z", "x <3 y—z"),
    ("<a href=\"x\"", "<a href=“x”"),
    ("Tom & Jerry", "Tom & Jerry"),
    ("&#x41;", "&#x41;"),
    ("+ plus", "+ plus"),
    ("1) one", "1) one"),
    ("=== equals", "=== equals"),
    ("| a | b |", "| a | b |"),
    ("![img](x.png)", "![img](x.png)"),
    ("~~struck~~", "~~struck~~"),
    // clean-up
    ("  padded  ", "padded"),
    ("tab\there", "tab here"),
    ("many     spaces", "many spaces"),
    ("bell\u{7}char", "bellchar"),
    ("nul\u{0}char", "nulchar"),
    ("esc\u{1b}[0m", "esc[0m"),
    ("c1\u{85}control", "c1control"),
    ("non\u{FFFF}char", "nonchar"),
    ("e\u{301}", "é"),
    ("don`t", "don’t"),
    ("don´t", "don’t"),
    ("`em go", "’em go"),
    ("2 ` 3", "2 ` 3"),
    // elisions from the list
    ("Tell 'em.", "Tell ’em."),
    ("Get 'im!", "Get ’im!"),
    ("Ask 'er.", "Ask ’er."),
    ("'Cause I said so.", "’Cause I said so."),
    ("'cos why not", "’cos why not"),
    ("It's 'bout time.", "It’s ’bout time."),
    ("Wait 'til dawn.", "Wait ’til dawn."),
    ("'Kay, fine.", "’Kay, fine."),
    ("'Sup?", "’Sup?"),
    (
        "That's a whole 'nother story.",
        "That’s a whole ’nother story.",
    ),
    ("'Ello, 'ello.", "’Ello, ’ello."),
    ("Come 'ere.", "Come ’ere."),
    ("'Fore long.", "’Fore long."),
    ("Come 'round.", "Come ’round."),
    ("'Twas night.", "’Twas night."),
    ("'Tis true.", "’Tis true."),
    ("If it 'twere so.", "If it ’twere so."),
    ("'tween us.", "’tween us."),
    ("Up 'gainst it.", "Up ’gainst it."),
    ("'Neath the sky.", "’Neath the sky."),
    ("'Scuse me.", "’Scuse me."),
    ("Of 'course.", "Of ’course."),
    ("All 'cept you.", "All ’cept you."),
    ("'Nuff said.", "’Nuff said."),
    ("'Specially you.", "’Specially you."),
    ("'Member that?", "’Member that?"),
    ("I'm 'fraid so.", "I’m ’fraid so."),
    ("\"'Tis nothing,\" he said.", "“’Tis nothing,” he said."),
    ("('em)", "(’em)"),
    // not elisions: a quoted word that merely starts like one
    ("'emerald' is green", "‘emerald’ is green"),
    ("'Round and round' she sang", "’Round and round’ she sang"),
];

#[test]
fn spec_examples() {
    check_table(SPEC_EXAMPLES);
}

/// Published prose's hard cases through the whole chain: dialect elisions, interrupted
/// speech inside nested quotes, primes.
const PROSE_CASES: &[(&str, &str)] = &[
    (
        "he's a fine 'un, sho' 'nough",
        "he’s a fine ’un, sho’ ’nough",
    ),
    (
        "\"It 'ud be fine, an' he'll come.\"",
        "“It ’ud be fine, an’ he’ll come.”",
    ),
    ("I'd 'a' gone", "I’d ’a’ gone"),
    ("it 'uz cold, 'twould freeze", "it ’uz cold, ’twould freeze"),
    (
        "'tweren't me, an' 'tisn't him",
        "’tweren’t me, an’ ’tisn’t him",
    ),
    ("\"'Nough said.\"", "“’Nough said.”"),
    ("goin' 'way off yonder", "goin’ ’way off yonder"),
    ("'Go 'way,' she said.", "‘Go ’way,’ she said."),
    (
        "'Way off,' she said, an' left.",
        "‘Way off,’ she said, an’ left.",
    ),
    ("He said, 'Stop it--'\"", "He said, ‘Stop it—’”"),
    (
        "\"She told me, 'Wait--' and left.\"",
        "“She told me, ‘Wait—’ and left.”",
    ),
    (
        "He is 5' 10\" and she is 5'4\".",
        "He is 5′ 10″ and she is 5′4″.",
    ),
    ("at 62° 17' 20\" north", "at 62° 17′ 20″ north"),
    // A quotation that opens on a word a dialect elision could be stays a quotation.
    (
        "goin' on, she says: 'A woman knows.'",
        "goin’ on, she says: ‘A woman knows.’",
    ),
    ("\"Say 'as' again,\" he said.", "“Say ‘as’ again,” he said."),
];

#[test]
fn published_prose_cases() {
    check_table(PROSE_CASES);
}

#[test]
fn sample_story_lines() {
    check_table(SAMPLE_LINES);
}

#[test]
fn edge_cases() {
    assert!(SAMPLE_LINES.len() + EDGE_CASES.len() >= 150);
    check_table(EDGE_CASES);
}

fn check_table(table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (input, expected) in table {
        let once = normalized(input);
        if once != *expected {
            failures.push(format!("{input:?}\n   got: {once:?}\nwanted: {expected:?}"));
            continue;
        }
        // Normalizing again changes nothing.
        let twice = render(&normalize_paragraph(&plain_markup(&once), &Rules::default()).paragraph);
        if twice != once {
            failures.push(format!(
                "{input:?} is not idempotent: {once:?} then {twice:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Turns rendered emphasis back into the markers it came from, for the idempotence check.
fn plain_markup(rendered: &str) -> String {
    rendered
        .replace("<em>", "*")
        .replace("</em>", "*")
        .replace("<strong>", "**")
        .replace("</strong>", "**")
}

/// The rule of this name, which the test expects to exist.
fn rule(name: &str) -> Rule {
    Rule::named(name).unwrap_or_else(|| panic!("no rule is named {name:?}"))
}

/// Every rule's own table, run with only that rule on.
#[test]
fn each_rule_alone_gives_its_table() {
    let mut wrong = Vec::new();
    for rule in Rule::ALL {
        assert!(
            !rule.examples().is_empty(),
            "the rule {} has no table of cases",
            rule.name()
        );
        for &(input, expected) in rule.examples() {
            let got = render(&normalize_paragraph(input, &Rules::only(rule)).paragraph);
            if got != expected {
                wrong.push(format!(
                    "{} alone on {input:?}: {got:?}, not {expected:?}",
                    rule.name()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rule_names_are_unique_and_found_again() {
    let mut names = std::collections::HashSet::new();
    for rule in Rule::ALL {
        assert!(names.insert(rule.name()), "two rules named {}", rule.name());
        assert_eq!(Rule::named(rule.name()), Some(rule));
        assert!(!rule.description().is_empty());
    }
    assert_eq!(Rule::named("no-such-rule"), None);
}

#[test]
fn every_rule_can_be_switched_off() {
    let text = "''Don't...'' -- *now*";
    let cases: &[(Rule, &str)] = &[
        (rule("doubled-quotes"), "‘‘Don’t…’’—<em>now</em>"),
        (rule("apostrophes"), "“Don’t…”—<em>now</em>"),
        (rule("quotes"), "\"Don’t…\"—<em>now</em>"),
        (rule("ellipses"), "“Don’t...”—<em>now</em>"),
        (rule("dashes"), "“Don’t…” -- <em>now</em>"),
        (rule("emphasis"), "“Don’t…”—*now*"),
    ];
    for (rule, expected) in cases {
        let outcome = normalize_paragraph(text, &Rules::without(&[*rule]));
        assert_eq!(render(&outcome.paragraph), *expected, "{rule:?} off");
        assert_eq!(outcome.counts.get(*rule), 0, "{rule:?} off still counted");
    }
    let outcome = normalize_paragraph("a  b\u{7}", &Rules::without(&[rule("cleanup")]));
    assert_eq!(render(&outcome.paragraph), "a  b\u{7}");
}

#[test]
fn each_rule_counts_its_changes() {
    let outcome = normalize_paragraph("''Don't  go...'' -- *now* 'em", &Rules::default());
    let counts = outcome.counts;
    assert_eq!(counts.get(rule("cleanup")), 1);
    assert_eq!(counts.get(rule("doubled-quotes")), 2);
    assert_eq!(counts.get(rule("apostrophes")), 2);
    assert_eq!(counts.get(rule("quotes")), 2);
    assert_eq!(counts.get(rule("ellipses")), 1);
    assert_eq!(counts.get(rule("dashes")), 1);
    assert_eq!(counts.get(rule("emphasis")), 1);
    assert!(outcome.ambiguous.is_empty());
}

#[test]
fn ambiguous_quotes_are_reported_with_context() {
    let outcome = normalize_paragraph("He said 'hello and left.", &Rules::default());
    assert_eq!(outcome.ambiguous, ["He said ’hello and left."]);
    let outcome = normalize_paragraph("He said 'hello' and left.", &Rules::default());
    assert!(outcome.ambiguous.is_empty());
}

#[test]
fn a_long_story_normalized_on_many_threads_matches_one_chapter_at_a_time() {
    let text = ficbind_corpus::story(7, 2 * PARALLEL_BYTES);
    let mut story = crate::read::raw::parse(&text, Default::default()).expect("it parses");
    story.description.clear();
    assert!(story.chapters.len() > 4);
    let metadata = || {
        Metadata::new(
            "Plain".into(),
            vec!["A".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        )
    };
    let (book, report) = normalize_story(&story, metadata(), &Rules::default());
    // Each chapter alone is far below the size that is split across threads.
    let mut counts = Counts::default();
    let mut ambiguous = Vec::new();
    for (raw, chapter) in story.chapters.iter().zip(&book.chapters) {
        let alone = Story {
            chapters: vec![raw.clone()],
            ..story.clone()
        };
        let (one, one_report) = normalize_story(&alone, metadata(), &Rules::default());
        assert_eq!(one.chapters[0].blocks, chapter.blocks);
        assert_eq!(one.chapters[0].notes, chapter.notes);
        counts.merge(&one_report.counts);
        ambiguous.extend(one_report.ambiguous.into_iter().map(|a| a.context));
    }
    assert!(counts.total() > 1000);
    assert_eq!(report.counts, counts);
    let in_order: Vec<_> = report.ambiguous.into_iter().map(|a| a.context).collect();
    assert_eq!(in_order, ambiguous);
}

#[test]
fn marks_stay_where_they_were_while_the_rules_run_across_them() {
    let text = |t: &str| Inline::Text(t.to_string());
    let link = Mark::Link("https://example.com/a--b...".to_string());
    let paragraph = Paragraph::new(vec![
        text("''"),
        Inline::Marked(Mark::Underline, vec![text("Hi")]),
        text(",'' see "),
        Inline::Marked(link, vec![text("my site...")]),
        text(" -- x"),
        Inline::Marked(Mark::Superscript, vec![text("2")]),
        text("."),
    ]);
    let outcome = super::normalize_paragraph(&paragraph, &Rules::default());
    assert_eq!(
        render(&outcome.paragraph),
        "“<Underline>Hi</Underline>,” see \
         <Link(\"https://example.com/a--b...\")>my site…</Link(\"https://example.com/a--b...\")>\
         —x<Superscript>2</Superscript>."
    );
}

#[test]
fn quotes_never_balance_across_paragraphs() {
    // The first paragraph opens a quote that the second closes: each is decided alone.
    assert_eq!(
        normalized("''This letter runs on,"),
        "“This letter runs on,"
    );
    assert_eq!(normalized("and ends here.''"), "and ends here.”");
}

/// Letters and digits, composed: clean-up composes the text, and taking emphasis markers
/// out can bring together two characters that compose ("ெ*ா*" shows as "ொ").
fn alphanumerics(text: &str) -> String {
    let letters: String = text.nfc().filter(|c| c.is_alphanumeric()).collect();
    letters.nfc().collect()
}

fn story_like_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "'",
        "''",
        "'''",
        "\"",
        "...",
        "..",
        ". . .",
        ",",
        "-",
        "--",
        "---",
        " - ",
        "*",
        "_",
        " ",
        "  ",
        "word",
        "Tis",
        "em",
        "n",
        "80s",
        "1",
        "1990",
        "?",
        "!",
        "(",
        ")",
        "‘",
        "’",
        "“",
        "”",
        "…",
        "—",
        "–",
        "http://a.b/c_d",
        "<",
        ">",
        "&",
        "\t",
        "é",
        "e\u{301}",
        "`",
        "´",
        "\u{7}",
        "#",
        "1.",
        ">",
        "\\",
        "[",
        "]",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Emphasis turns markers into structure, and which marker made a span is not kept, so
    /// the text rules are checked on their own here; the tables check emphasis.
    #[test]
    fn normalizing_twice_changes_nothing(text in story_like_text()) {
        let rules = Rules::without(&[rule("emphasis")]);
        let once = normalize_paragraph(&text, &rules).paragraph.plain_text();
        let twice = normalize_paragraph(&once, &rules).paragraph.plain_text();
        prop_assert_eq!(once, twice);
    }

    /// Reading emphasis drops markers and nothing else.
    #[test]
    fn emphasis_keeps_every_other_character(text in story_like_text()) {
        let found = crate::read::emphasis::find_emphasis(&text).plain_text();
        let strip = |s: &str| s.chars().filter(|c| !matches!(c, '*' | '_')).collect::<String>();
        prop_assert_eq!(strip(&found), strip(&text));
    }

    /// The rules see a paragraph's text whole, whatever spans it has, and laying the spans
    /// back loses and repeats nothing.
    #[test]
    fn spans_change_no_typography(text in story_like_text()) {
        let found = crate::read::emphasis::find_emphasis(&text);
        let with = super::normalize_paragraph(&found, &Rules::default()).paragraph.plain_text();
        let alone = super::normalize_paragraph(&Paragraph::plain(found.plain_text()), &Rules::default());
        prop_assert_eq!(with, alone.paragraph.plain_text());
    }

    #[test]
    fn letters_and_digits_keep_their_order(text in story_like_text()) {
        let out = normalize_paragraph(&text, &Rules::default()).paragraph.plain_text();
        prop_assert_eq!(alphanumerics(&out), alphanumerics(&text));
    }

    #[test]
    fn any_text_keeps_letters_and_digits(text in "\\PC{0,80}") {
        let out = normalize_paragraph(&text, &Rules::default()).paragraph.plain_text();
        prop_assert_eq!(alphanumerics(&out), alphanumerics(&text));
    }

    #[test]
    fn output_is_valid_xml_text(text in any::<String>()) {
        let out = normalize_paragraph(&text, &Rules::default()).paragraph.plain_text();
        for c in out.chars() {
            let allowed = matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}');
            prop_assert!(allowed, "{:?} is not allowed in XML", c);
        }
    }
}

#[test]
fn deep_emphasis_stays_shallow() {
    fn depth(inlines: &[Inline]) -> usize {
        inlines
            .iter()
            .map(|i| match i {
                Inline::Emphasis(inner) | Inline::Strong(inner) => 1 + depth(inner),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }
    for text in [
        format!("{}a{}", "*".repeat(20_000), "*".repeat(20_000)),
        format!("{}b{}", "*a ".repeat(5_000), " c*".repeat(5_000)),
        format!("{}b{}", "_*".repeat(5_000), "*_".repeat(5_000)),
    ] {
        let outcome = normalize_paragraph(&text, &Rules::default());
        assert!(depth(&outcome.paragraph.inlines()) <= 9, "{}", &text[..20]);
        assert_eq!(
            alphanumerics(&outcome.paragraph.plain_text()),
            alphanumerics(&text)
        );
    }
}
