//! The whole pipeline end to end on a generated folder: the performance issue's job J1.

use criterion::{criterion_group, criterion_main, Criterion};
use fanlight::internals::decode::{decode, ImageKind};
use fanlight::internals::encode::encode;
use fanlight::internals::encode::EncodeOptions;
use fanlight::internals::meta::Metadata;
use fanlight::internals::resize::Resizer;
use fanlight::{Config, Format, WatermarkSpec};

/// Eight JPEGs of about 6 MP made from the bundled samples.
fn folder(dir: &std::path::Path) {
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/photos");
    let mut resizer = Resizer::default();
    for (i, name) in [
        "rocket.jpg",
        "hubble_deep_field.jpg",
        "retina.jpg",
        "coffee.png",
    ]
    .iter()
    .cycle()
    .take(8)
    .enumerate()
    {
        let bytes = std::fs::read(format!("{samples}/{name}")).unwrap();
        let src = decode(&bytes, u64::MAX, false).unwrap().raster;
        let scale = (6e6 / (f64::from(src.width) * f64::from(src.height))).sqrt();
        let (w, h) = (
            (f64::from(src.width) * scale) as u32,
            (f64::from(src.height) * scale) as u32,
        );
        let big = resizer.resize(&src, w, h);
        let jpeg = encode(&big, ImageKind::Jpeg, &quality(92), &Metadata::default()).unwrap();
        std::fs::write(dir.join(format!("{i}.jpg")), jpeg).unwrap();
    }
}

fn pipeline(c: &mut Criterion) {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    folder(input.path());
    let mut config = Config::new(vec![input.path().to_path_buf()], output.path());
    config.resize = Some("1920x1920".parse().unwrap());
    config.filters = vec!["unsharp:sigma=1.0,amount=1.0".parse().unwrap()];
    config.watermark = Some(WatermarkSpec {
        font_size: 36.0,
        opacity: 0.5,
        margin: 24,
        ..WatermarkSpec::new("(c) Example 2026")
    });
    config.output.format = Format::Jpeg;
    config.output.quality = 85;
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.bench_function(
        "pipeline: 8 × 6 MP JPEG, J1 (fit 1920, unsharp, watermark, q85)",
        |b| {
            b.iter(|| {
                let report = fanlight::run(&config).unwrap();
                assert_eq!(report.ok, 8);
            })
        },
    );
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);

/// Encoder settings with this quality.
fn quality(quality: u8) -> EncodeOptions {
    EncodeOptions {
        quality,
        ..EncodeOptions::default()
    }
}
