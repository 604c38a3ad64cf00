//! Progress spans: which spans get a bar, styles, byte counting, and log
//! lines without the marker field.

use std::io::{Read, Write};

use tracing::field::Empty;
use tracing_subscriber::{Layer, layer::SubscriberExt};

use super::{
    BarStyle, ByteCounter, PROGRESS_FIELD, ProgressFilter, ProgressReader, ProgressStyle,
    ProgressWriter, REPORT_EVERY, bar_layer,
};
use crate::{
    ProgressSpanExt,
    builder::fmt_layer,
    test_support::{Captured, Recorder},
};

#[test]
fn every_style_template_parses() {
    for style in ProgressStyle::ALL {
        assert!(
            BarStyle::with_template(style.template()).is_ok(),
            "{style:?}: {}",
            style.template()
        );
    }
}

#[test]
fn the_macro_sets_the_marker_the_filter_looks_for() {
    let span = tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        crate::progress_span!("p", size = 3)
    });
    let meta = span.metadata().expect("enabled span");
    assert!(meta.fields().field(PROGRESS_FIELD).is_some());
    assert!(meta.fields().field("size").is_some());
    assert_eq!(*meta.level(), tracing::Level::INFO);
}

/// Only INFO-or-more-severe spans with the marker reach the bar layer, and
/// no events at all.
#[test]
fn progress_filter_lets_only_progress_spans_through() {
    let recorder = Recorder::default();
    let subscriber =
        tracing_subscriber::registry().with(recorder.clone().with_filter(ProgressFilter));
    tracing::subscriber::with_default(subscriber, || {
        let _a = crate::progress_span!("progress_info");
        let _b = tracing::warn_span!("progress_warn", indicatif.pb_show = Empty);
        let _c = tracing::info_span!("plain_info");
        let _d = tracing::debug_span!("progress_debug", indicatif.pb_show = Empty);
        tracing::info!(indicatif.pb_show = 1, "an event");
    });
    let names: Vec<_> = recorder
        .seen()
        .into_iter()
        .map(|s| (s.span, s.name))
        .collect();
    assert_eq!(
        names,
        [
            (true, "progress_info".to_owned()),
            (true, "progress_warn".to_owned())
        ]
    );
}

/// The progress marker never shows in log lines; other fields do.
#[test]
fn log_lines_omit_the_marker() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(fmt_layer(captured.clone(), false));
    tracing::subscriber::with_default(subscriber, || {
        let span = crate::progress_span!("dump_nar", path = "/nix/store/x");
        let _entered = span.enter();
        tracing::info!(size = 3, "dumped");
    });
    let text = captured.text();
    assert_eq!(text.lines().count(), 1, "{text}");
    // Compact format: span names before the message, their fields after.
    assert!(text.contains("dump_nar:"), "{text}");
    assert!(
        text.contains("dumped size=3 path=\"/nix/store/x\""),
        "{text}"
    );
    assert!(!text.contains("indicatif"), "{text}");
}

/// With the bar layer installed (drawing to a hidden target, as on a
/// non-terminal), the span methods and adapters run without panicking,
/// including on spans without a bar.
#[test]
fn bar_methods_work_with_and_without_a_bar() {
    let subscriber = tracing_subscriber::registry().with(bar_layer().with_filter(ProgressFilter));
    tracing::subscriber::with_default(subscriber, || {
        for span in [
            crate::progress_span!("with_bar"),
            tracing::info_span!("without_bar"),
        ] {
            span.progress_set_style(ProgressStyle::Bytes);
            span.progress_set_length(10);
            let _entered = span.enter();
            span.progress_set_position(2);
            span.progress_inc(3);
            span.progress_set_message("msg");
        }
    });
}

#[test]
fn byte_counter_reports_in_steps() {
    let mut counter = ByteCounter::new(tracing::Span::none());
    let step = usize::try_from(REPORT_EVERY).expect("small constant");
    assert_eq!(counter.add(step - 1), None);
    assert_eq!(counter.add(2), Some(REPORT_EVERY + 1));
    assert_eq!(counter.add(1), None);
    assert_eq!(counter.unreported, 1);
    counter.report_rest();
    assert_eq!(counter.unreported, 0);
}

proptest::proptest! {
    /// The adapters pass bytes through unchanged.
    #[test]
    fn adapters_are_transparent(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200_000)) {
        let mut writer = ProgressWriter::new(Vec::new(), tracing::Span::none());
        for chunk in data.chunks(7_000) {
            writer.write_all(chunk).expect("write to a Vec");
        }
        writer.flush().expect("flush");
        proptest::prop_assert_eq!(writer.into_inner(), data.clone());

        let mut reader = ProgressReader::new(data.as_slice(), tracing::Span::none());
        let mut back = Vec::new();
        reader.read_to_end(&mut back).expect("read from a slice");
        proptest::prop_assert_eq!(back, data);
    }
}
