//! The golden-image comparison page: the summary and, for every differing pair, the expected,
//! actual and difference images side by side with their figures; missing and extra files listed.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageEncoder, RgbImage, RgbaImage};
use rayon::prelude::*;

use super::{diff_image, load_rgba, DirReport, FileReport, GoldenError, Verdict, HIGHLIGHT};
use crate::html::{base64, count, escape, page, pct};

/// Bytes of images the page may embed in all (before base64), shared out between the
/// differing pairs: a few pairs are shown large, many small, so even a run where every photo
/// changed gives a page a browser opens (about 32 MB for 1,000 differing pairs).
const IMAGE_BUDGET: usize = 24 << 20;
/// The least and the most bytes one image (expected, actual or difference) is given.
const IMAGE_MIN: usize = 8 << 10;
const IMAGE_MAX: usize = 800 << 10;
/// Expected and actual images are embedded as PNG when that fits their share, else as JPEG.
const JPEG_QUALITY: u8 = 85;
/// Images are not shrunk below this long side to meet their share.
const MIN_SIDE: u32 = 160;

/// The longest side images are embedded at, at most, by how many pairs differ.
#[must_use]
pub(crate) fn display_side(differing: usize) -> u32 {
    match differing {
        0..=12 => 1200,
        13..=60 => 720,
        61..=250 => 400,
        _ => 240,
    }
}

/// The bytes each embedded image may take when `differing` pairs are shown.
#[must_use]
pub(crate) fn image_budget(differing: usize) -> usize {
    (IMAGE_BUDGET / (3 * differing.max(1))).clamp(IMAGE_MIN, IMAGE_MAX)
}

const CSS: &str = "\
.banner{padding:10px 14px;border-radius:8px;font-weight:600;margin:10px 0}\
.banner.ok{background:#e3f4e8;color:#1b5e31}.banner.no{background:#fde7e7;color:#8c1d18}\
.trio{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}\
.pair h2.path{font-size:15px}figure{margin:0}figcaption{font-size:12px;color:#424854;margin-bottom:3px;font-weight:600}\
.trio img{width:100%;height:auto;cursor:zoom-in;border:1px solid #cfd4dc;image-rendering:pixelated;\
background:repeating-conic-gradient(#e9ecf0 0 25%,#fff 0 50%) 0 0/16px 16px}\
.figs{margin:2px 0 8px;font-variant-numeric:tabular-nums}\
.scroll{max-height:420px;overflow:auto}a{color:#2a5db0}\
#lb{position:fixed;inset:0;background:rgba(20,22,26,.92);display:none;flex-direction:column;\
align-items:center;justify-content:center;z-index:9;color:#fff}\
#lb.on{display:flex}#lb img{width:95vw;height:80vh;object-fit:contain;image-rendering:pixelated}\
#lb .bar{margin:8px;display:flex;gap:8px;align-items:center}\
#lb button{font:inherit;padding:4px 12px;border-radius:6px;border:1px solid #888;background:#333;color:#fff;cursor:pointer}\
#lb button.on{background:#fff;color:#000}\
";

/// Click an image to see it large; 1/2/3 (or the buttons, or ← →) flip between expected,
/// actual and difference, which shows a change better than looking side by side; Esc closes.
const LIGHTBOX_JS: &str = "\
(function(){var lb=document.getElementById('lb'),im=lb.querySelector('img'),cap=lb.querySelector('.cap'),\
bs=lb.querySelectorAll('button[data-k]'),cur=null,k=0;\
function show(g,kk){var s=document.querySelectorAll('img[data-g=\"'+g+'\"]');if(!s.length)return;cur=s;k=(kk+3)%3;\
im.src=s[k].src;cap.textContent=s[k].getAttribute('alt');bs.forEach(function(b){b.classList.toggle('on',+b.dataset.k===k)});lb.classList.add('on')}\
document.addEventListener('click',function(e){var t=e.target;if(t.dataset&&t.dataset.g!==undefined&&!lb.contains(t)){show(t.dataset.g,+t.dataset.k)}\
else if(t.dataset&&t.dataset.k!==undefined&&lb.contains(t)&&cur){show(cur[0].dataset.g,+t.dataset.k)}\
else if(t===lb||t===im){lb.classList.remove('on')}});\
document.addEventListener('keydown',function(e){if(!lb.classList.contains('on'))return;var g=cur[0].dataset.g;\
if(e.key==='Escape')lb.classList.remove('on');else if(e.key==='1'||e.key==='2'||e.key==='3')show(g,+e.key-1);\
else if(e.key==='ArrowRight')show(g,k+1);else if(e.key==='ArrowLeft')show(g,k-1)});})();";

/// The comparison as one self-contained HTML page.
///
/// The differing pairs are decoded again (in parallel, a pair per core at a time) to embed
/// them, at most 1,200 px on the long side and within a byte budget the pairs share; a
/// downscaled difference image keeps every changed pixel visible (a block with any changed
/// pixel is drawn changed).
///
/// # Errors
/// An image that can no longer be read or decoded.
pub fn compare_html(report: &DirReport) -> Result<String, GoldenError> {
    let differing: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| matches!(f.verdict, Verdict::Mismatch | Verdict::SizeMismatch))
        .collect();
    let side = display_side(differing.len());
    let budget = image_budget(differing.len());
    let pairs: Vec<String> = differing
        .par_iter()
        .enumerate()
        .map(|(g, f)| pair(g, f, report, side, budget))
        .collect::<Result<_, _>>()?;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>fanlight compare</h1><p class=\"sub\">expected <span class=\"path\">{}</span> · actual \
         <span class=\"path\">{}</span></p>",
        escape(&report.expected.display().to_string()),
        escape(&report.actual.display().to_string())
    );
    summary(&mut body, report, differing.len());
    if !differing.is_empty() {
        let _ = write!(
            body,
            "<p class=\"note\">Images are embedded at most {side} px on their long side and {} kB \
             each, so the page stays small: larger ones are downscaled, and photos that do not fit as \
             PNG are embedded as JPEG quality {JPEG_QUALITY} (the figures are from the full images). \
             The difference image shows changed pixels in magenta over a faded grey copy of the \
             expected one; when downscaled, a block with any changed pixel is magenta. Click an image \
             to enlarge it, then press 1, 2, 3 or ← → to flip between expected, actual and \
             difference.</p>",
            budget >> 10
        );
    }
    if differing.len() > 1 {
        index(&mut body, &differing);
    }
    for p in &pairs {
        body.push_str(p);
    }
    lists(&mut body, report);
    body.push_str(
        "<div id=\"lb\"><img alt=\"\"><div class=\"bar\"><button data-k=\"0\">1 expected</button>\
         <button data-k=\"1\">2 actual</button><button data-k=\"2\">3 difference</button>\
         <span class=\"cap\"></span></div></div>",
    );
    let title = format!("fanlight compare: {}", report.summary());
    Ok(page(&title, CSS, &body, LIGHTBOX_JS))
}

/// Writes [`compare_html`] to `path`, whole or not at all.
///
/// # Errors
/// An image that cannot be decoded, or the page that cannot be written.
pub fn write_compare_html(report: &DirReport, path: &Path) -> Result<(), GoldenError> {
    let html = compare_html(report)?;
    super::write_whole(path, html.as_bytes()).map_err(|e| GoldenError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn card(body: &mut String, n: usize, label: &str, class: &str) {
    let _ = write!(
        body,
        "<div class=\"card {class}\"><b>{}</b><span>{label}</span></div>",
        count(n as u64)
    );
}

fn summary(body: &mut String, report: &DirReport, differing: usize) {
    let missing = report.count(Verdict::Missing);
    let extra = report.count(Verdict::Extra);
    let compared = report.files.len() - missing - extra;
    let bad = |n: usize| if n > 0 { "bad" } else { "" };
    let (class, text) = if report.all_match() {
        ("ok", "All images match.")
    } else {
        ("no", "Not all images match.")
    };
    let _ = write!(
        body,
        "<div class=\"banner {class}\">{text} {}</div>",
        escape(&report.summary())
    );
    body.push_str("<section><h2>Summary</h2><div class=\"cards\">");
    card(body, compared, "compared", "");
    card(body, report.count(Verdict::Match), "matching", "good");
    card(body, differing, "differing", bad(differing));
    card(body, missing, "missing (expected only)", bad(missing));
    card(body, extra, "extra (actual only)", bad(extra));
    body.push_str("</div>");
    let _ = write!(
        body,
        "<p class=\"note\">Tolerance: a pixel differs when a channel moved by more than {}; an image \
         matches when at most {} of its pixels differ.</p></section>",
        report.tolerance.max_delta,
        pct(report.tolerance.max_diff_ratio)
    );
}

/// A table of the differing pairs, each linked to its images, for long comparisons.
fn index(body: &mut String, differing: &[&FileReport]) {
    let _ = write!(
        body,
        "<section><details open><summary><b>Differing ({})</b></summary><div class=\"scroll\"><table>\
         <tr><th>file</th><th>verdict</th><th class=\"n\">max delta</th><th class=\"n\">differing</th>\
         <th class=\"n\">PSNR dB</th></tr>",
        count(differing.len() as u64)
    );
    for (g, f) in differing.iter().enumerate() {
        let c = f.comparison.as_ref().filter(|c| c.compared());
        let cell = |v: Option<String>| v.unwrap_or_else(|| "–".into());
        let _ = write!(
            body,
            "<tr><td class=\"path\"><a href=\"#d{g}\">{}</a></td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&f.path.display().to_string()),
            f.verdict.name(),
            cell(c.map(|c| c.max_delta.to_string())),
            cell(c.map(|c| format!("{:.2}%", c.differing_ratio * 100.0))),
            cell(c.map(|c| if c.psnr.is_finite() { format!("{:.2}", c.psnr) } else { "∞".into() })),
        );
    }
    body.push_str("</table></div></details></section>");
}

fn figures(f: &FileReport) -> String {
    let Some(c) = &f.comparison else {
        return escape(f.verdict.name());
    };
    if f.verdict == Verdict::SizeMismatch {
        return format!(
            "<b>size mismatch</b>: expected {}×{}, actual {}×{}; no pixel compared",
            c.expected_size.0, c.expected_size.1, c.actual_size.0, c.actual_size.1
        );
    }
    let psnr = if c.psnr.is_finite() {
        format!("{:.2} dB", c.psnr)
    } else {
        "∞ (colours identical)".into()
    };
    format!(
        "<b>mismatch</b> · max delta <b>{}</b> · <b>{}</b> of {} pixels differ (<b>{:.2}%</b>) · PSNR <b>{psnr}</b> · {}×{}",
        c.max_delta,
        count(c.differing_pixels),
        count(c.total_pixels),
        c.differing_ratio * 100.0,
        c.expected_size.0,
        c.expected_size.1
    )
}

fn pair(
    g: usize,
    f: &FileReport,
    report: &DirReport,
    side: u32,
    budget: usize,
) -> Result<String, GoldenError> {
    let expected = load_rgba(&f.expected)?;
    let actual = load_rgba(&f.actual)?;
    let diff = diff_image(&expected, &actual, &report.tolerance);
    let name = f.path.display().to_string();
    // Shown to one scale, so images of different sizes look different in size.
    let widest = f64::from(diff.width().max(1));
    let share = |w: u32| 100.0 * f64::from(w) / widest;
    let images = [
        (
            "expected",
            photo_uri(&expected, side, budget, &f.expected)?,
            share(expected.width()),
        ),
        (
            "actual",
            photo_uri(&actual, side, budget, &f.actual)?,
            share(actual.width()),
        ),
        ("difference", diff_uri(&diff, side, budget, &f.path)?, 100.0),
    ];
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=\"pair\" id=\"d{g}\"><h2 class=\"path\">{}</h2><p class=\"figs\">{}</p><div class=\"trio\">",
        escape(&name),
        figures(f)
    );
    for (k, (what, uri, width)) in images.iter().enumerate() {
        let style = if *width < 99.95 {
            format!(" style=\"width:{width:.1}%\"")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<figure><figcaption>{what}</figcaption><img src=\"{uri}\"{style} data-g=\"{g}\" data-k=\"{k}\" alt=\"{what}: {}\"></figure>",
            escape(&name)
        );
    }
    out.push_str("</div></section>");
    Ok(out)
}

/// The size `w × h` scaled down (never up) so its long side is at most `side`.
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= side || long == 0 {
        return (w.max(1), h.max(1));
    }
    let scale = f64::from(side) / f64::from(long);
    let s = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (s(w), s(h))
}

fn encode_failed(path: &Path, e: &image::ImageError) -> GoldenError {
    GoldenError::Write {
        path: path.to_path_buf(),
        reason: format!("cannot encode it for the page: {e}"),
    }
}

fn png_bytes(img: &DynamicImage, path: &Path) -> Result<Vec<u8>, GoldenError> {
    let mut png = Vec::new();
    PngEncoder::new_with_quality(
        Cursor::new(&mut png),
        CompressionType::Default,
        FilterType::Adaptive,
    )
    .write_image(
        img.as_bytes(),
        img.width(),
        img.height(),
        img.color().into(),
    )
    .map_err(|e| encode_failed(path, &e))?;
    Ok(png)
}

/// The next long side to try when an image of `side` came out `got` bytes for `budget`.
fn smaller(side: u32, got: usize, budget: usize) -> u32 {
    let scale = ((budget as f64 / got.max(1) as f64).sqrt() * 0.95).clamp(0.3, 0.9);
    ((f64::from(side) * scale) as u32).max(MIN_SIDE)
}

/// An expected or actual image as a `data:` URI within `budget` bytes where it can be: PNG
/// when that fits, else JPEG, downscaled further (not below [`MIN_SIDE`]) until it fits.
fn photo_uri(
    img: &RgbaImage,
    side: u32,
    budget: usize,
    path: &Path,
) -> Result<String, GoldenError> {
    let mut side = side;
    loop {
        let (w, h) = fit(img.width(), img.height(), side);
        let small = if (w, h) == img.dimensions() {
            img.clone()
        } else {
            image::imageops::thumbnail(img, w, h)
        };
        let small = DynamicImage::ImageRgba8(small);
        let png = png_bytes(&small, path)?;
        if png.len() <= budget {
            return Ok(format!("data:image/png;base64,{}", base64(&png)));
        }
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), JPEG_QUALITY)
            .encode_image(&small.to_rgb8())
            .map_err(|e| encode_failed(path, &e))?;
        if jpeg.len() <= budget || w.max(h) <= MIN_SIDE {
            return Ok(format!("data:image/jpeg;base64,{}", base64(&jpeg)));
        }
        side = smaller(w.max(h), jpeg.len(), budget);
    }
}

/// The difference image as a PNG `data:` URI within `budget` bytes where it can be,
/// downscaled so that no changed pixel disappears. The faded grey backdrop is kept to 32
/// levels: it is only there to show where things are, and it compresses far better.
fn diff_uri(diff: &RgbImage, side: u32, budget: usize, path: &Path) -> Result<String, GoldenError> {
    let mut side = side;
    loop {
        let (w, h) = fit(diff.width(), diff.height(), side);
        let mut small = if (w, h) == diff.dimensions() {
            diff.clone()
        } else {
            shrink_diff(diff, w, h)
        };
        for px in small.pixels_mut() {
            if px.0 != HIGHLIGHT {
                px.0 = px.0.map(|v| v | 7);
            }
        }
        let png = png_bytes(&DynamicImage::ImageRgb8(small), path)?;
        if png.len() <= budget || w.max(h) <= MIN_SIDE {
            return Ok(format!("data:image/png;base64,{}", base64(&png)));
        }
        side = smaller(w.max(h), png.len(), budget);
    }
}

/// Box-downscales a difference image to `w × h`; an output pixel whose block holds any
/// [`HIGHLIGHT`] pixel is [`HIGHLIGHT`], the others average their block.
fn shrink_diff(src: &RgbImage, w: u32, h: u32) -> RgbImage {
    let (sw, sh) = src.dimensions();
    let mut out = RgbImage::new(w, h);
    let column: Vec<usize> = (0..u64::from(sw))
        .map(|x| (x * u64::from(w) / u64::from(sw)) as usize)
        .collect();
    let mut sums = vec![[0u64; 4]; w as usize];
    let mut hit = vec![false; w as usize];
    let flush = |out: &mut RgbImage, oy: u32, sums: &mut [[u64; 4]], hit: &mut [bool]| {
        for (ox, (s, h)) in sums.iter_mut().zip(hit.iter_mut()).enumerate() {
            let px = if *h {
                HIGHLIGHT
            } else if let (Some(r), Some(g), Some(b)) = (
                s[0].checked_div(s[3]),
                s[1].checked_div(s[3]),
                s[2].checked_div(s[3]),
            ) {
                [r as u8, g as u8, b as u8]
            } else {
                [255, 255, 255]
            };
            out.put_pixel(ox as u32, oy, image::Rgb(px));
            *s = [0; 4];
            *h = false;
        }
    };
    let raw = src.as_raw();
    let mut row_out = 0;
    for y in 0..sh {
        let oy = (u64::from(y) * u64::from(h) / u64::from(sh)) as u32;
        if oy != row_out {
            flush(&mut out, row_out, &mut sums, &mut hit);
            row_out = oy;
        }
        let row = &raw[(y * sw) as usize * 3..((y + 1) * sw) as usize * 3];
        for (px, &ox) in row.chunks_exact(3).zip(&column) {
            if px == HIGHLIGHT {
                hit[ox] = true;
            } else {
                let s = &mut sums[ox];
                s[0] += u64::from(px[0]);
                s[1] += u64::from(px[1]);
                s[2] += u64::from(px[2]);
                s[3] += 1;
            }
        }
    }
    flush(&mut out, row_out, &mut sums, &mut hit);
    out
}

fn lists(body: &mut String, report: &DirReport) {
    let list = |body: &mut String, verdict: Verdict, title: &str, open: bool| {
        let files: Vec<&FileReport> = report
            .files
            .iter()
            .filter(|f| f.verdict == verdict)
            .collect();
        if files.is_empty() {
            return;
        }
        let _ = write!(
            body,
            "<section><details{}><summary><b>{title} ({})</b></summary><ul class=\"path\">",
            if open { " open" } else { "" },
            count(files.len() as u64)
        );
        for f in files {
            let _ = write!(body, "<li>{}</li>", escape(&f.path.display().to_string()));
        }
        body.push_str("</ul></details></section>");
    };
    list(
        body,
        Verdict::Missing,
        "Missing: in expected, not in actual",
        true,
    );
    list(
        body,
        Verdict::Extra,
        "Extra: in actual, no golden yet",
        true,
    );
    list(body, Verdict::Match, "Matching", false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shrunk_diff_keeps_a_single_changed_pixel() {
        let mut d = RgbImage::from_pixel(1000, 10, image::Rgb([200, 200, 200]));
        d.put_pixel(777, 3, image::Rgb(HIGHLIGHT));
        let s = shrink_diff(&d, 100, 1);
        assert_eq!(s.get_pixel(77, 0).0, HIGHLIGHT);
        assert_eq!(s.get_pixel(76, 0).0, [200, 200, 200]);
        assert_eq!(s.pixels().filter(|p| p.0 == HIGHLIGHT).count(), 1);
    }

    #[test]
    fn sizes_fit_the_long_side_and_never_grow() {
        assert_eq!(fit(4000, 3000, 1200), (1200, 900));
        assert_eq!(fit(30, 20, 1200), (30, 20));
        assert_eq!(fit(3000, 1, 300), (300, 1));
        assert!(display_side(1) > display_side(1000));
        assert_eq!(image_budget(1), IMAGE_MAX);
        assert_eq!(image_budget(10_000), IMAGE_MIN);
        assert!(smaller(1000, 4 * 1024, 1024) < 500);
    }
}
