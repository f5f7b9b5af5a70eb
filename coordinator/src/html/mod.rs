//! A self-contained HTML report: inline CSS and SVG, no script, no network,
//! so it opens anywhere and prints as it shows. `charts` draws the SVG
//! figures, `timeline` a trace hop by hop on a calendar; `pages` lays them
//! out with the tables into the replication and comparison pages.

mod charts;
mod pages;
mod timeline;

pub use pages::{comparison_page, replication_page, sensitivity_page};

/// Text made safe to put inside HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A proportion as pages and charts show it.
fn percent(p: &crate::statistics::Proportion) -> String {
    match (p.share, p.ci95_low, p.ci95_high) {
        (Some(s), Some(l), Some(h)) => format!("{:.1}% [{:.1}, {:.1}]", 100.0 * s, 100.0 * l, 100.0 * h),
        _ => "n/a".to_owned(),
    }
}
