//! Helpers shared by the integration tests: photos made on the fly, and a watchdog so a hang
//! fails a test instead of blocking the suite.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use fanlight::{Config, Report, RunContext};
use image::{imageops, Rgb, RgbImage};

/// A temporary folder removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

/// An asymmetric test picture: red top-left block, blue bottom-right block, a gradient elsewhere.
pub fn picture(w: u32, h: u32, seed: u8) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        if x < w / 3 && y < h / 3 {
            Rgb([230, 20, 20])
        } else if x >= 2 * w / 3 && y >= 2 * h / 3 {
            Rgb([20, 20, 230])
        } else {
            let v = ((x * 255 / w.max(1)) as u8).wrapping_add(seed);
            Rgb([v, (y * 255 / h.max(1)) as u8, 128])
        }
    })
}

/// Minimal EXIF (TIFF, little-endian) holding only the orientation tag.
pub fn exif_orientation(orientation: u16) -> Vec<u8> {
    let mut e = b"II*\0".to_vec();
    e.extend_from_slice(&8u32.to_le_bytes()); // offset of IFD0
    e.extend_from_slice(&1u16.to_le_bytes()); // one entry
    e.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    e.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    e.extend_from_slice(&1u32.to_le_bytes()); // count
    e.extend_from_slice(&orientation.to_le_bytes());
    e.extend_from_slice(&[0, 0]);
    e.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    e
}

/// Writes `img` as a JPEG (quality 95), with an EXIF orientation tag when given.
pub fn write_jpeg(path: &Path, img: &RgbImage, orientation: Option<u16>) {
    let mut enc = jpeg_encoder::Encoder::new_file(path, 95).expect("create jpeg");
    if let Some(o) = orientation {
        enc.add_exif_metadata(&exif_orientation(o)).expect("exif");
    }
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode jpeg");
}

/// Writes `img` as a PNG.
pub fn write_png(path: &Path, img: &RgbImage) {
    img.save_with_format(path, image::ImageFormat::Png)
        .expect("write png");
}

/// A folder of `n` small photos (alternating JPEG and PNG, varied sizes) below `dir`, two of them
/// in a subfolder. Returns their paths in sorted order.
pub fn photo_folder(dir: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let mut paths = Vec::new();
    for i in 0..n {
        let img = picture(
            40 + (i as u32 * 7) % 50,
            30 + (i as u32 * 11) % 40,
            (i as u8).wrapping_mul(20),
        );
        let folder = if i % 5 == 4 {
            dir.join("sub")
        } else {
            dir.to_path_buf()
        };
        let path = if i % 2 == 0 {
            folder.join(format!("p{i:02}.jpg"))
        } else {
            folder.join(format!("p{i:02}.png"))
        };
        if i % 2 == 0 {
            write_jpeg(&path, &img, None);
        } else {
            write_png(&path, &img);
        }
        paths.push(path);
    }
    paths.sort();
    paths
}

/// Runs the pipeline on another thread and fails the test if it does not finish in time.
pub fn run_watched(config: Config, limit: Duration) -> Report {
    run_watched_with(config, RunContext::default(), limit)
}

/// [`run_watched`] with a cancel token or test seams.
pub fn run_watched_with(config: Config, ctx: RunContext, limit: Duration) -> Report {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(fanlight::run_with(&config, &ctx, &mut ()));
    });
    match rx.recv_timeout(limit) {
        Ok(result) => result.expect("run starts"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the pipeline hung for {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the pipeline thread panicked"),
    }
}

/// Every file below `dir`, relative to it, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The bundled sample photos.
pub fn bundled_photos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/photos")
}

/// The stored pixels that a viewer turns into `upright` when it applies `orientation`.
pub fn stored_for(upright: &image::RgbImage, orientation: u16) -> image::RgbImage {
    match orientation {
        1 => upright.clone(),
        2 => imageops::flip_horizontal(upright),
        3 => imageops::rotate180(upright),
        4 => imageops::flip_vertical(upright),
        // 5 is a transpose, 7 a transverse: both are their own inverse.
        5 => imageops::flip_horizontal(&imageops::rotate90(upright)),
        6 => imageops::rotate270(upright),
        7 => imageops::flip_horizontal(&imageops::rotate270(upright)),
        8 => imageops::rotate90(upright),
        _ => unreachable!(),
    }
}

/// Runs the `fanlight` binary in `cwd`.
pub fn fanlight(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run fanlight")
}

/// Standard output as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Mean absolute difference of two same-sized images, per channel value.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}
