//! `assert_matches_golden`: golden-image tests in a project's own `cargo test`, the imageproc way.

use std::path::{Path, PathBuf};

use image::codecs::png::CompressionType;
use image::{DynamicImage, GrayImage, ImageBuffer, RgbImage, RgbaImage};

use super::compare::{compare_rgba, load_rgba};
use super::diff::{write_diff, write_png};
use super::Tolerance;
use crate::ops::raster::{Layout, Raster};

/// The environment variable that regenerates goldens: only the exact value `1` does.
pub const UPDATE_VAR: &str = "UPDATE_GOLDEN";

/// An image [`assert_matches_golden`] can check and store.
pub trait AsGoldenImage {
    /// The image as stored in a golden file; its colour type is kept (grey stays grey).
    fn to_golden_image(&self) -> DynamicImage;
}

/// An image file (say an output fanlight just wrote), decoded by content with its EXIF
/// orientation applied; panics naming the file when it cannot be read, as a test helper should.
impl AsGoldenImage for Path {
    fn to_golden_image(&self) -> DynamicImage {
        let mut decoder = image::ImageReader::open(self)
            .and_then(image::ImageReader::with_guessed_format)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.display()))
            .into_decoder()
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.display()));
        let orientation = image::ImageDecoder::orientation(&mut decoder)
            .unwrap_or(image::metadata::Orientation::NoTransforms);
        let mut img = DynamicImage::from_decoder(decoder)
            .unwrap_or_else(|e| panic!("cannot decode {}: {e}", self.display()));
        img.apply_orientation(orientation);
        img
    }
}

impl AsGoldenImage for PathBuf {
    fn to_golden_image(&self) -> DynamicImage {
        self.as_path().to_golden_image()
    }
}

impl AsGoldenImage for DynamicImage {
    fn to_golden_image(&self) -> DynamicImage {
        self.clone()
    }
}

impl AsGoldenImage for RgbaImage {
    fn to_golden_image(&self) -> DynamicImage {
        DynamicImage::ImageRgba8(self.clone())
    }
}

impl AsGoldenImage for RgbImage {
    fn to_golden_image(&self) -> DynamicImage {
        DynamicImage::ImageRgb8(self.clone())
    }
}

impl AsGoldenImage for GrayImage {
    fn to_golden_image(&self) -> DynamicImage {
        DynamicImage::ImageLuma8(self.clone())
    }
}

impl AsGoldenImage for Raster {
    fn to_golden_image(&self) -> DynamicImage {
        let (w, h, data) = (self.width, self.height, self.data.clone());
        let bad = "a Raster's data always matches its size";
        match self.layout {
            Layout::Gray => DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, data).expect(bad)),
            Layout::Rgb => DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, data).expect(bad)),
            Layout::Rgba => DynamicImage::ImageRgba8(ImageBuffer::from_raw(w, h, data).expect(bad)),
        }
    }
}

/// Where failing cases write their images: `$CARGO_TARGET_DIR/golden-diff`, or
/// `target/golden-diff` below the current folder (the package root under `cargo test`).
#[must_use]
pub fn diff_root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let root = target.join("golden-diff");
    std::env::current_dir().map_or(root.clone(), |cwd| cwd.join(root))
}

/// `name` alone (no folder, no extension) means `tests/golden/<name>.png`.
fn golden_path(name_or_path: &Path) -> PathBuf {
    let bare = name_or_path.extension().is_none() && name_or_path.components().count() == 1;
    if bare {
        Path::new("tests/golden")
            .join(name_or_path)
            .with_extension("png")
    } else {
        name_or_path.to_path_buf()
    }
}

/// Asserts that `actual` matches the golden PNG at `golden` within `tol`.
///
/// `golden` is a path (relative ones start at the current folder, the package root under
/// `cargo test`), or a bare name such as `"blur"` for `tests/golden/blur.png`.
///
/// - With `UPDATE_GOLDEN=1` in the environment the golden is written (folders created) unless it
///   already matches within `tol`, so re-running the update does not churn files, and the
///   assertion passes.
/// - A missing golden panics with the command that creates it.
/// - On a mismatch, `expected.png`, `actual.png` and `diff.png` (changed pixels in magenta over a
///   faded copy of the expected image) are written to `<diff_root()>/<case>/`, where `<case>` is
///   the golden's file name without extension, with `report.html` showing the three side by
///   side, and the panic prints that folder and the figures.
///   A passing case removes its stale folder.
///
/// # Panics
/// When the image does not match, the golden is missing or unreadable, or an update cannot be
/// written. That is the point: call it from a test.
#[track_caller]
pub fn assert_matches_golden(
    golden: impl AsRef<Path>,
    actual: &(impl AsGoldenImage + ?Sized),
    tol: &Tolerance,
) {
    let golden = golden_path(golden.as_ref());
    let case = golden
        .file_stem()
        .map_or_else(|| "golden".into(), |s| s.to_string_lossy().into_owned());
    let case_dir = diff_root().join(&case);
    let updating = std::env::var(UPDATE_VAR).as_deref() == Ok("1");
    let actual = actual.to_golden_image();
    let actual_rgba = actual.to_rgba8();

    let expected = if golden.exists() {
        match load_rgba(&golden) {
            Ok(img) => Some(img),
            Err(e) if updating => {
                eprintln!("golden {} unreadable ({e}); rewriting it", golden.display());
                None
            }
            Err(e) => panic!("golden image {e}\n  regenerate it with {UPDATE_VAR}=1 cargo test"),
        }
    } else {
        None
    };

    let Some(expected) = expected else {
        if updating {
            store(&golden, &actual, "created");
            return;
        }
        panic!(
            "golden image {} does not exist: create it with `{UPDATE_VAR}=1 cargo test`, look at it, \
             and commit it",
            golden.display()
        );
    };

    let cmp = compare_rgba(&expected, &actual_rgba, tol);
    if cmp.is_match() {
        let _ = std::fs::remove_dir_all(&case_dir);
        return;
    }
    if updating {
        store(&golden, &actual, "updated");
        return;
    }
    let written = write_png(
        &case_dir.join("expected.png"),
        &DynamicImage::ImageRgba8(expected.clone()),
        CompressionType::Fast,
    )
    .and_then(|()| write_png(&case_dir.join("actual.png"), &actual, CompressionType::Fast))
    .and_then(|()| write_diff(&expected, &actual_rgba, tol, &case_dir.join("diff.png")))
    .and_then(|()| case_page(&golden, &case, &case_dir, cmp));
    let look = match written {
        Ok(()) => format!(
            "expected.png, actual.png and diff.png are in {}; open report.html there to see \
             them side by side",
            case_dir.display()
        ),
        Err(e) => format!("(the expected, actual and diff images could not be saved: {e})"),
    };
    panic!(
        "golden image mismatch: {}\n  {}\n  {look}\n  if the change is intended, regenerate with \
         `{UPDATE_VAR}=1 cargo test` and review the new goldens",
        golden.display(),
        cmp.summary(),
    );
}

/// The comparison page of a failed case, `report.html` beside its three images.
fn case_page(
    golden: &Path,
    case: &str,
    case_dir: &Path,
    cmp: super::Comparison,
) -> Result<(), super::GoldenError> {
    let report = super::DirReport {
        expected: golden.to_path_buf(),
        actual: case_dir.join("actual.png"),
        tolerance: cmp.tolerance,
        files: vec![super::FileReport {
            path: PathBuf::from(format!("{case}.png")),
            expected: case_dir.join("expected.png"),
            actual: case_dir.join("actual.png"),
            verdict: cmp.verdict,
            comparison: Some(cmp),
            diff: Some(case_dir.join("diff.png")),
        }],
    };
    super::page::write_compare_html(&report, &case_dir.join("report.html"))
}

#[track_caller]
fn store(golden: &Path, img: &DynamicImage, what: &str) {
    if let Err(e) = write_png(golden, img, CompressionType::Best) {
        panic!("{UPDATE_VAR}=1: {e}");
    }
    eprintln!("{what} golden {}", golden.display());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_means_a_png_in_tests_golden() {
        assert_eq!(
            golden_path(Path::new("blur")),
            Path::new("tests/golden/blur.png")
        );
        assert_eq!(golden_path(Path::new("a/b.png")), Path::new("a/b.png"));
        assert_eq!(golden_path(Path::new("b.png")), Path::new("b.png"));
    }

    #[test]
    fn a_raster_keeps_its_colour_type() {
        let grey = Raster::filled(2, 2, Layout::Gray, 7).to_golden_image();
        assert!(matches!(grey, DynamicImage::ImageLuma8(_)));
        let rgba = Raster::filled(2, 2, Layout::Rgba, 7).to_golden_image();
        assert_eq!(rgba.to_rgba8().get_pixel(1, 1).0, [7, 7, 7, 7]);
    }
}
