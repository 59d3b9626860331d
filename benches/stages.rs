//! Each stage's work on a 12+ MP frame, measured alone.

use std::hint::black_box;

use ab_glyph::FontArc;
use criterion::{criterion_group, criterion_main, Criterion};
use fanlight::internals::blend::blend_mask;
use fanlight::internals::decode::{decode, decode_shrunk, ImageKind};
use fanlight::internals::encode::encode;
use fanlight::internals::encode::EncodeOptions;
use fanlight::internals::filters::{apply, FilterScratch};
use fanlight::internals::meta::Metadata;
use fanlight::internals::orient::quarter_turn;
use fanlight::internals::raster::Raster;
use fanlight::internals::resize::Resizer;
use fanlight::internals::text::{rasterize, Align};
use fanlight::internals::thread_cpu_time;
use fanlight::FilterSpec;
use image::metadata::Orientation;

/// The Hubble photo enlarged 4× to 4000×3488 (14 MP), as a raster and as a JPEG (q92).
fn big_frame() -> (Raster, Vec<u8>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/photos/hubble_deep_field.jpg"
    );
    let small = decode(&std::fs::read(path).unwrap(), u64::MAX, false)
        .unwrap()
        .raster;
    let big = Resizer::default().resize(&small, small.width * 4, small.height * 4);
    let jpeg = encode(&big, ImageKind::Jpeg, &quality(92), &Metadata::default()).unwrap();
    (big, jpeg)
}

fn stages(c: &mut Criterion) {
    let (big, jpeg) = big_frame();
    let (w, h) = (big.width, big.height);
    let mut group = c.benchmark_group("stages");
    group.sample_size(10);

    group.bench_function(format!("load: decode {w}x{h} JPEG q92"), |b| {
        b.iter(|| decode(black_box(&jpeg), u64::MAX, false).unwrap())
    });

    // A progressive file at the DCT scales shrink-on-load takes (see src/ops/jpeg_prog).
    let progressive = EncodeOptions {
        progressive: true,
        ..quality(92)
    };
    let progressive = encode(&big, ImageKind::Jpeg, &progressive, &Metadata::default()).unwrap();
    for d in [2, 4, 8] {
        group.bench_function(
            format!("load: decode {w}x{h} progressive JPEG at 1/{d}"),
            |b| {
                let scale = move |_: u32, _: u32| d;
                b.iter(|| {
                    decode_shrunk(black_box(&progressive), u64::MAX, false, &scale, None).unwrap()
                })
            },
        );
    }

    group.bench_function(format!("load: turn {w}x{h} a quarter (EXIF 6)"), |b| {
        b.iter(|| quarter_turn(black_box(&big), Orientation::Rotate90).unwrap())
    });

    let mut resizer = Resizer::default();
    let th = h * 1920 / w;
    group.bench_function(format!("resize: {w}x{h} → 1920x{th}, lanczos3"), |b| {
        b.iter(|| resizer.resize(black_box(&big), 1920, th))
    });

    let frame = resizer.resize(&big, 1920, th);
    let mut scratch = FilterScratch::default();
    for spec in ["unsharp:sigma=1.0,amount=1.0", "blur:sigma=2", "sepia"] {
        let filter: FilterSpec = spec.parse().unwrap();
        group.bench_function(format!("filter: {spec} on 1920x{th}"), |b| {
            b.iter_batched(
                || frame.clone(),
                |img| apply(img, &filter, &mut scratch),
                criterion::BatchSize::LargeInput,
            )
        });
    }

    let font = FontArc::try_from_slice(fanlight::BUNDLED_FONT).unwrap();
    let mask = rasterize(&font, "(c) Example 2026", 36.0, Align::Right);
    let mut marked = frame.clone();
    group.bench_function(format!("watermark: blend 36 px text into 1920x{th}"), |b| {
        b.iter(|| blend_mask(&mut marked, &mask, 1500, th as i64 - 60, [255; 3], 0.5))
    });
    group.bench_function("watermark: rasterize 36 px text (once per run)", |b| {
        b.iter(|| rasterize(&font, black_box("(c) Example 2026"), 36.0, Align::Right))
    });

    group.bench_function(format!("write: encode 1920x{th} JPEG q85"), |b| {
        b.iter(|| {
            encode(
                black_box(&frame),
                ImageKind::Jpeg,
                &quality(85),
                &Metadata::default(),
            )
            .unwrap()
        })
    });
    group.bench_function(format!("write: encode 1920x{th} PNG"), |b| {
        b.iter(|| {
            encode(
                black_box(&frame),
                ImageKind::Png,
                &quality(85),
                &Metadata::default(),
            )
            .unwrap()
        })
    });
    group.finish();

    // What the worker loop adds per item per stage: four wall-clock reads and two thread
    // CPU-clock reads.
    c.bench_function("instrumentation: clocks for one item in one stage", |b| {
        b.iter(|| {
            let t0 = std::time::Instant::now();
            let c0 = thread_cpu_time();
            let t1 = std::time::Instant::now();
            let c1 = thread_cpu_time();
            let t2 = std::time::Instant::now();
            let t3 = std::time::Instant::now();
            black_box((t1 - t0, c1 - c0, t3 - t2))
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);

/// Encoder settings with this quality.
fn quality(quality: u8) -> EncodeOptions {
    EncodeOptions {
        quality,
        ..EncodeOptions::default()
    }
}
