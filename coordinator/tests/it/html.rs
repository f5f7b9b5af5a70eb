//! The HTML reports render in headless Chromium (Debian's `chromium`,
//! installed by .ci/run) with every chart present.
//!
//! These tests run when Chromium is found, or when `POCNET_BROWSER_TESTS=1`
//! asks for them (as .ci/run does, after installing it), in which case a
//! missing browser fails them. Otherwise they print why they skipped and pass:
//! `cargo test` needs nothing but a Rust toolchain.

use crate::support::{pocnet, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser to test with, or `None` (after saying why) when these tests
/// are neither asked for nor possible here.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("POCNET_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let required = std::env::var("POCNET_BROWSER_TESTS").is_ok_and(|v| v == "1");
    if path.exists() {
        return Some(path);
    }
    assert!(
        !required,
        "POCNET_BROWSER_TESTS=1 but headless Chromium is not at {} (apt-get install chromium, or set POCNET_CHROMIUM)",
        path.display()
    );
    eprintln!(
        "skipped: headless Chromium not found at {} (install Debian's chromium or set POCNET_CHROMIUM; \
         POCNET_BROWSER_TESTS=1 makes its absence a failure)",
        path.display()
    );
    None
}

/// Runs Chromium on a local file with the flags this machine needs, and returns stdout.
fn headless(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> String {
    let output = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,2600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(output.status.success(), "chromium failed: {}", text(&output.stderr));
    text(&output.stdout)
}

fn assert_renders(browser: &Path, page: &Path, ids: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let dom = headless(browser, page, &dir.path().join("profile-dom"), &["--dump-dom".to_owned()]);
    assert!(dom.contains("</body>"), "the page parsed to the end:\n{dom:.400}");
    for id in ids {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing from the rendered DOM");
    }
    let png = dir.path().join("page.png");
    headless(browser, page, &dir.path().join("profile-png"), &[format!("--screenshot={}", png.display())]);
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 20_000, "a page with charts is not a blank screenshot ({} bytes)", bytes.len());
}

#[test]
fn replication_and_comparison_reports_render_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study.html");
    let output =
        pocnet(&["run", "scenarios/quickstart.toml", "--replications", "300", "--html", study.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(
        &browser,
        &study,
        &[
            "goal-compliance",
            "cdf-acknowledgement",
            "cdf-disclosure",
            "cdf-end-to-end",
            "gantt-representative",
            "gantt-worst",
            "country-compliance",
            "requester-compliance",
            "ack-heatmap",
        ],
    );

    let comparison = dir.path().join("comparison.html");
    let output = pocnet(&[
        "compare",
        "scenarios/weekend-trail.toml",
        "--vary",
        "strategy=hub,relay",
        "--replications",
        "50",
        "--html",
        comparison.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(&browser, &comparison, &["compare-survival", "compare-subscriber", "compare-acknowledgement"]);

    let sensitivity = dir.path().join("sensitivity.html");
    let output = pocnet(&[
        "sensitivity",
        "scenarios/weekend-trail.toml",
        "--replications",
        "30",
        "--html",
        sensitivity.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(&browser, &sensitivity, &["tornado-0", "tornado-1", "tornado-2"]);
}
