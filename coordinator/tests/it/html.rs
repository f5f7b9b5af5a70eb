//! The HTML reports render in headless Chromium (Debian's `chromium`,
//! installed by .ci/run) with every chart present.

use crate::support::{pocnet, text};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    let path = std::env::var_os("POCNET_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.exists(),
        "headless Chromium is needed at {} (apt-get install chromium; .ci/run does it, or set POCNET_CHROMIUM)",
        path.display()
    );
    path
}

/// Runs Chromium on a local file with the flags this machine needs, and returns stdout.
fn headless(page: &Path, profile: &Path, extra: &[String]) -> String {
    let output = Command::new("timeout")
        .arg("120")
        .arg(chromium())
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

fn assert_renders(page: &Path, ids: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let dom = headless(page, &dir.path().join("profile-dom"), &["--dump-dom".to_owned()]);
    assert!(dom.contains("</body>"), "the page parsed to the end:\n{dom:.400}");
    for id in ids {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing from the rendered DOM");
    }
    let png = dir.path().join("page.png");
    headless(page, &dir.path().join("profile-png"), &[format!("--screenshot={}", png.display())]);
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 20_000, "a page with charts is not a blank screenshot ({} bytes)", bytes.len());
}

#[test]
fn replication_and_comparison_reports_render_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study.html");
    let output =
        pocnet(&["run", "scenarios/quickstart.toml", "--replications", "300", "--html", study.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(
        &study,
        &[
            "goal-compliance",
            "cdf-acknowledgement",
            "cdf-disclosure",
            "cdf-end-to-end",
            "gantt-representative",
            "gantt-worst",
            "country-compliance",
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
    assert_renders(&comparison, &["compare-survival", "compare-acknowledgement"]);
}
