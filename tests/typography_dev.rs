//! The typography of published prose, scored by `../shared/typography-dev/score.py` against
//! Standard Ebooks' typeset text. The set lives beside the project, not in it: without it
//! the test says it skipped, and under `REQUIRE_SHARED_SAMPLES=1` (CI) it fails.

mod common;

use common::project_dir;

/// What the issue asks of every variant: straight quotes, the `''` convention and
/// hard-wrapped text.
const VARIANTS: [(&str, f64); 3] = [("straight", 0.99), ("doubled", 0.99), ("wrapped", 0.98)];
const DECISIONS: f64 = 0.998;
const LEADING_ELISIONS: f64 = 0.95;

fn share(pair: &serde_json::Value) -> f64 {
    let right = pair[0].as_f64().expect("a count");
    let total = pair[1].as_f64().expect("a count");
    if total == 0.0 {
        1.0
    } else {
        right / total
    }
}

#[test]
fn published_prose_meets_the_typography_targets() {
    let scorer = project_dir().join("../shared/typography-dev/score.py");
    if !scorer.is_file() {
        if std::env::var("REQUIRE_SHARED_SAMPLES").as_deref() == Ok("1") {
            panic!(
                "REQUIRE_SHARED_SAMPLES=1 but {} is missing",
                scorer.display()
            );
        }
        eprintln!("skipping: {} is not there", scorer.display());
        return;
    }
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = std::process::Command::new("python3")
        .arg(&scorer)
        .args(["--bin", env!("CARGO_BIN_EXE_ficbind"), "--out"])
        .arg(out.path())
        .output()
        .expect("python3 runs the scorer");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the scorer failed:\n{printed}");
    let results: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("results.json")).expect("the scorer wrote results"),
    )
    .expect("results.json is JSON");
    let mut misses = Vec::new();
    for (variant, paragraphs_needed) in VARIANTS {
        let total = &results[variant]["total"];
        assert!(
            results[variant]["errors"]
                .as_array()
                .is_some_and(Vec::is_empty),
            "{variant}: build errors: {}",
            results[variant]["errors"]
        );
        let decisions = share(&total["decisions"]);
        let paragraphs = share(&total["paragraphs"]);
        let elisions = share(&total["cats"]["elision-lead"]);
        if decisions < DECISIONS {
            misses.push(format!("{variant}: decisions {decisions:.4} < {DECISIONS}"));
        }
        if paragraphs < paragraphs_needed {
            misses.push(format!(
                "{variant}: paragraphs {paragraphs:.4} < {paragraphs_needed}"
            ));
        }
        if elisions < LEADING_ELISIONS {
            misses.push(format!(
                "{variant}: leading elisions {elisions:.4} < {LEADING_ELISIONS}"
            ));
        }
    }
    let summary = printed.lines().last().unwrap_or_default();
    assert!(misses.is_empty(), "{}\n{summary}", misses.join("\n"));
    eprintln!("{summary}");
}
