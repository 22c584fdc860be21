//! Log ingest: sanitise and buffer one million realistic lines (plain, SGR-coloured and
//! hostile) into a capped ring buffer; and the product's own path from bytes off the wire —
//! byte-level splitting, timestamp and UTF-8 decoding, sanitising, resume dedup — into the
//! Logs pane's buffer at its real capacity. Budget (DESIGN.md): at least 100,000 lines/s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quarterdeck::integrations::kube::logs::{LineSplitter, Resume};
use quarterdeck_core::RawLogLine;
use quarterdeck_core::concerns::logs::{LogView, WantedStream};
use quarterdeck_core::logs::{LogBuffer, LogLine, MAX_LINE_BYTES, sanitize};
use quarterdeck_core::meta::ObjectKey;
use quarterdeck_core::pod::PodRole;
use std::hint::black_box;

const LINES: u64 = 1_000_000;
const CAP_LINES: usize = 100_000;
const CAP_BYTES: usize = 32 * 1024 * 1024;

/// A pool of distinct lines shaped like real pod output, cycled to make a million: 7 in 10
/// plain (JSON and text), 2 coloured, 1 hostile; every line has kubectl's timestamp prefix.
fn line_pool() -> Vec<String> {
    (0..4096u32)
        .map(|i| {
            let stamp = format!(
                "2025-03-0{}T{:02}:{:02}:{:02}.{:09}Z",
                1 + i % 9,
                i % 24,
                i % 60,
                (i * 7) % 60,
                i * 104_729
            );
            let body = match i % 10 {
                0..=3 => format!(
                    "{{\"level\":\"info\",\"msg\":\"handled request\",\"path\":\"/api/v1/orders/{i}\",\"status\":200,\"duration_ms\":{}}}",
                    i % 250
                ),
                4..=6 => format!(
                    "INFO  [http-nio-8080-exec-{}] c.e.checkout.OrderService : order {i} accepted\tqueue=orders",
                    i % 16
                ),
                7 => format!("\x1b[32mINFO\x1b[0m server listening on :{}", 8000 + i % 100),
                8 => format!(
                    "\x1b[1;31mERROR\x1b[0m upstream \x1b[38;5;208mpayments\x1b[0m timed out after \x1b[38;2;255;200;0m{}ms\x1b[0m",
                    i % 5000
                ),
                _ => format!(
                    "\x1b[2J\x1b[H\x1b]0;owned {i}\x07progress 50%\r\x1b[10;10Hdone\x1b]8;;https://x.example/\x1b\\link\x1b]8;;\x1b\\\x1bPq#0\x1b\\\u{9b}31m\x07"
                ),
            };
            format!("{stamp} {body}")
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let pool = line_pool();
    let mut group = c.benchmark_group("log_ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES));
    group.bench_function("sanitize_and_push_1m_lines", |b| {
        b.iter(|| {
            let mut buffer = LogBuffer::new(CAP_LINES, CAP_BYTES);
            for seq in 0..LINES {
                let raw = &pool[(seq as usize) % pool.len()];
                buffer.push(LogLine::from_raw(seq, (seq % 12) as usize, raw));
            }
            assert!(buffer.bytes() <= CAP_BYTES);
            black_box(buffer.dropped())
        })
    });
    let wire: Vec<u8> = (0..LINES)
        .flat_map(|seq| {
            let mut l = pool[(seq as usize) % pool.len()].clone().into_bytes();
            l.push(b'\n');
            l
        })
        .collect();
    group.bench_function("wire_to_pane_1m_lines", |b| {
        b.iter(|| {
            let mut view = LogView::default();
            view.sync(&[WantedStream {
                pod: ObjectKey::new("shop", "web-1"),
                container: "app".into(),
                role: PodRole::Stable,
                multi_container: false,
            }]);
            let id = view.sources[0].id;
            let mut splitter = LineSplitter::new(MAX_LINE_BYTES + 64);
            let mut resume = Resume::default();
            // Chunks of 16 KiB, as a connection delivers them; a batch per chunk.
            for chunk in wire.chunks(16 * 1024) {
                let mut batch = Vec::new();
                splitter.feed(chunk, |raw| {
                    let line = RawLogLine::parse(raw);
                    if resume.admit(line.time_ns) {
                        batch.push(line);
                    }
                });
                view.ingest(id, batch);
            }
            black_box(view.buffer.dropped())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sanitize_line");
    for (name, index) in [("plain", 1usize), ("sgr", 8), ("hostile", 9)] {
        let raw = pool[index].split_once(' ').map(|(_, rest)| rest).unwrap();
        group.throughput(Throughput::Elements(1));
        group.bench_function(name, |b| b.iter(|| sanitize(black_box(raw))));
    }
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
