//! Builds a benchmark folder of large JPEGs from the bundled sample photos, with fanlight's own
//! operations only (no external tools):
//!
//! `cargo run --release --example make_bench_folder -- DIR [--count N] [--megapixels M] [--camera] [--progressive]`
//!
//! Each photo is enlarged to about M megapixels (0.6–1.25 × M, default 12), given a fine
//! deterministic grain (enlarged photos are too smooth: they would decode unrealistically fast),
//! and written at JPEG quality 92 (4:4:4) into three subfolders; with `--camera`, at quality 95
//! with 4:2:2 chroma, baseline, as cameras write them (`--megapixels 24` for a full-frame body);
//! `--progressive` writes progressive files, as editors and web exports do. The same arguments
//! give the same files.

use std::path::{Path, PathBuf};

use fanlight::internals::decode::{decode, ImageKind};
use fanlight::internals::encode::encode;
use fanlight::internals::encode::EncodeOptions;
use fanlight::internals::meta::Metadata;
use fanlight::internals::raster::Raster;
use fanlight::internals::resize::Resizer;
use fanlight::Chroma;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let (mut count, mut megapixels) = (30usize, 12.0f64);
    let mut settings = EncodeOptions {
        quality: 92,
        ..EncodeOptions::default()
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--count" => count = args.next().and_then(|v| v.parse().ok()).expect("--count N"),
            "--megapixels" => {
                megapixels = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--megapixels M")
            }
            "--camera" => {
                settings.quality = 95;
                settings.chroma = Some(Chroma::S422);
            }
            "--progressive" => settings.progressive = true,
            "-h" | "--help" => {
                println!("usage: make_bench_folder DIR [--count N] [--megapixels M] [--camera] [--progressive]");
                return;
            }
            flag if flag.starts_with('-') => {
                eprintln!("make_bench_folder: unknown option {flag}; see --help");
                std::process::exit(2);
            }
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let dir = dir.expect("usage: make_bench_folder DIR [--count N] [--megapixels M]");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/photos");
    let mut sources: Vec<(String, Raster)> = std::fs::read_dir(&samples)
        .expect("assets/photos")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "png"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            (
                stem,
                decode(&bytes, u64::MAX, false).unwrap().raster.to_color(),
            )
        })
        .collect();
    sources.sort_by(|a, b| a.0.cmp(&b.0));

    let mut resizer = Resizer::default();
    let (mut total_mp, mut total_bytes) = (0.0, 0u64);
    for i in 0..count {
        let (stem, src) = &sources[i % sources.len()];
        // Sizes spread from 0.6 to 1.25 times the target, deterministically.
        let mp = megapixels * (0.6 + 0.65 * ((i * 7) % 13) as f64 / 12.0);
        let scale = (mp * 1e6 / (f64::from(src.width) * f64::from(src.height))).sqrt();
        let (w, h) = (
            (f64::from(src.width) * scale) as u32,
            (f64::from(src.height) * scale) as u32,
        );
        let mut big = resizer.resize(src, w, h);
        add_grain(&mut big, i as u32);
        let bytes = encode(&big, ImageKind::Jpeg, &settings, &Metadata::default()).unwrap();
        let path = dir
            .join(format!("set{}", i % 3))
            .join(format!("{stem}-{i:03}.jpg"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        total_mp += big.megapixels();
        total_bytes += bytes.len() as u64;
    }
    println!(
        "wrote {count} JPEGs, {total_mp:.0} MP, {:.1} MB to {}",
        total_bytes as f64 / 1e6,
        dir.display()
    );
}

/// Adds ±6 levels of hash noise per byte: cheap, deterministic, and enough texture that the
/// JPEG carries realistic entropy.
fn add_grain(img: &mut Raster, seed: u32) {
    for (i, v) in img.data.iter_mut().enumerate() {
        let mut x = (i as u32) ^ seed.wrapping_mul(0x9E37_79B9);
        x = x.wrapping_mul(0x85EB_CA6B);
        x ^= x >> 13;
        x = x.wrapping_mul(0xC2B2_AE35);
        x ^= x >> 16;
        let noise = (x % 13) as i32 - 6;
        *v = (i32::from(*v) + noise).clamp(0, 255) as u8;
    }
}
