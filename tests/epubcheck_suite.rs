//! `ficbind check` on EPUBCheck's own test publications (`../shared/epubcheck-suite/`),
//! through the suite's scorer: the numbers `docs/check.md` promises, or the test fails.
//! Without the suite the test says it skipped; under `REQUIRE_SHARED_SAMPLES=1` (CI) it
//! fails instead.

mod common;

use common::*;
use std::collections::BTreeMap;

#[test]
fn the_suite_numbers_are_met() {
    let suite = project_dir().join("../shared/epubcheck-suite");
    if !suite.join("score.py").is_file() {
        assert_ne!(
            std::env::var("REQUIRE_SHARED_SAMPLES").as_deref(),
            Ok("1"),
            "REQUIRE_SHARED_SAMPLES=1 but {} is missing",
            suite.display()
        );
        eprintln!(
            "skipping the EPUBCheck suite: {} is missing",
            suite.display()
        );
        return;
    }
    let results = tempfile::NamedTempFile::new().expect("a temporary file");
    let output = std::process::Command::new("python3")
        .arg(suite.join("score.py"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_ficbind"))
        .args(["--runs", "2", "--json"])
        .arg(results.path())
        .output()
        .expect("python3 runs the scorer");
    assert!(
        output.status.success(),
        "the scorer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.path()).expect("the results")).expect("JSON");
    let cases: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|case| case["profile"].is_null())
        .collect();
    let flagged = |case: &serde_json::Value| case["ficbind"]["flagged"].as_bool() == Some(true);
    let mut unstable = Vec::new();
    let mut false_positives = Vec::new();
    let (mut invalid, mut caught) = (0, 0);
    let mut families: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case in &cases {
        let book = case["book"].as_str().unwrap_or_default();
        if case["ficbind"]["unstable"].as_bool() == Some(true) {
            unstable.push(book);
        }
        match case["outcome"].as_str() {
            Some("valid") if flagged(case) => false_positives.push(book),
            Some("invalid") => {
                invalid += 1;
                caught += usize::from(flagged(case));
                let mut seen = std::collections::HashSet::new();
                for expected in case["expected"].as_array().into_iter().flatten() {
                    let severity = expected["severity"].as_str().unwrap_or_default();
                    if severity != "ERROR" && severity != "FATAL" {
                        continue;
                    }
                    let id = expected["id"].as_str().unwrap_or_default();
                    let family = match id.split('-').next().unwrap_or_default() {
                        "NAV" | "NCX" => "NAV/NCX",
                        other => other,
                    };
                    if seen.insert(family) {
                        let entry = families.entry(family).or_default();
                        entry.0 += 1;
                        entry.1 += usize::from(flagged(case));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        false_positives.is_empty(),
        "valid books flagged: {false_positives:?}"
    );
    assert!(
        unstable.is_empty(),
        "output changed between runs: {unstable:?}"
    );
    assert!(
        caught * 10 >= invalid * 9,
        "invalid books flagged: {caught} of {invalid}, under 90%"
    );
    for (family, (books, found)) in &families {
        let needed = match *family {
            "CSS" | "HTM" => 6,
            "RSC" | "OPF" | "PKG" | "NAV/NCX" | "MED" => 9,
            _ => continue,
        };
        assert!(
            found * 10 >= books * needed,
            "{family}: {found} of {books} flagged, under {needed}0%"
        );
    }
}
