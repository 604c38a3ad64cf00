//! A small program set up the way every tvix binary is: run it in a terminal
//! to see progress bars and log lines share stderr, with `RUST_LOG` to change
//! what is logged, and (feature `otlp`) with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! to export its spans.
//!
//! `cargo run -p tvix-tracing --example demo`

use std::io::{self, Write};

use tvix_tracing::{ProgressSpanExt, ProgressStyle, ProgressWriter, TracingBuilder, progress_span};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let handle = TracingBuilder::default()
        .service_name("tvix-tracing-demo")
        .enable_progressbar()
        .build()?;

    let files = progress_span!("ingest", root = "/demo");
    files.progress_set_style(ProgressStyle::Count);
    files.progress_set_length(3);
    let entered = files.enter();
    for name in ["a", "b", "c"] {
        let bytes = progress_span!("copy", file = name);
        bytes.progress_set_style(ProgressStyle::Bytes);
        bytes.progress_set_length(8 << 20);
        let _entered = bytes.enter();
        let mut sink = ProgressWriter::new(io::sink(), bytes.clone());
        for _ in 0..128 {
            sink.write_all(&[0; 64 << 10])?;
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        sink.flush()?;
        tracing::info!(file = name, "copied");
        files.progress_inc(1);
    }
    drop(entered);
    drop(files);

    let mut out = handle.stdout();
    writeln!(out, "done: 3 files")?;
    out.flush()?;
    handle.shutdown()?;
    Ok(())
}
