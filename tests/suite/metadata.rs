//! Colour profiles travel from input to output; EXIF does not (the orientation is already applied).

use std::time::Duration;

use crate::common::*;
use fanlight::{Config, Format};
use image::ImageDecoder;

fn fake_profile(space: &[u8; 4]) -> Vec<u8> {
    let mut icc = vec![0u8; 200];
    icc[..4].copy_from_slice(&200u32.to_be_bytes());
    icc[16..20].copy_from_slice(space);
    icc[36..40].copy_from_slice(b"acsp");
    icc[100..108].copy_from_slice(b"fanlight");
    icc
}

fn profile_of(path: &std::path::Path) -> Option<Vec<u8>> {
    let mut decoder = image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    decoder.icc_profile().unwrap()
}

#[test]
fn the_icc_profile_is_kept_in_jpeg_and_png_but_not_after_a_colour_change() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let img = picture(64, 48, 0);
    let mut enc = jpeg_encoder::Encoder::new_file(input.join("tagged.jpg"), 90).unwrap();
    enc.add_icc_profile(&fake_profile(b"RGB ")).unwrap();
    enc.add_exif_metadata(&exif_orientation(1)).unwrap();
    enc.encode(img.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb)
        .unwrap();

    for format in [Format::Jpeg, Format::Png] {
        let out = tmp.path().join(format!("out-{format:?}"));
        let mut config = Config::new(vec![input.clone()], &out);
        config.output.format = format;
        assert_eq!(run_watched(config, Duration::from_secs(30)).ok, 1);
        let written = files_below(&out).pop().unwrap();
        assert_eq!(
            profile_of(&out.join(written)),
            Some(fake_profile(b"RGB ")),
            "{format:?}"
        );
    }

    let out = tmp.path().join("grey");
    let mut config = Config::new(vec![input], &out);
    config.filters = vec!["grayscale".parse().unwrap()];
    assert_eq!(run_watched(config, Duration::from_secs(30)).ok, 1);
    assert_eq!(
        profile_of(&out.join("tagged.jpg")),
        None,
        "an RGB profile on grey pixels would be wrong"
    );
    let bytes = std::fs::read(out.join("tagged.jpg")).unwrap();
    assert!(
        !bytes.windows(6).any(|w| w == b"Exif\0\0"),
        "EXIF is not carried over"
    );
}

const XMP: &[u8] = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/></x:xmpmeta>";

/// A JPEG with an ICC profile, EXIF saying "rotate 90°" (orientation 6) and an XMP packet.
fn tagged_jpeg(path: &std::path::Path) {
    let img = picture(64, 48, 0);
    let mut enc = jpeg_encoder::Encoder::new_file(path, 90).unwrap();
    enc.add_icc_profile(&fake_profile(b"RGB ")).unwrap();
    enc.add_exif_metadata(&exif_orientation(6)).unwrap();
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(XMP);
    enc.add_app_segment(1, xmp).unwrap();
    enc.encode(img.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb)
        .unwrap();
}

/// ICC profile, EXIF and XMP of a file.
type Found = (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);

/// ICC profile, EXIF and XMP of a file, as image's decoders read them.
fn metadata_of(path: &std::path::Path) -> Found {
    let mut decoder = image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    (
        decoder.icc_profile().unwrap(),
        decoder.exif_metadata().unwrap(),
        decoder.xmp_metadata().unwrap(),
    )
}

fn convert(root: &std::path::Path, out: &str, args: &[&str]) {
    let mut all = vec!["convert", "in", "-o", out, "-q"];
    all.extend_from_slice(args);
    let o = fanlight(&all, root);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn keep_metadata_carries_icc_exif_with_orientation_1_and_xmp_into_every_format() {
    let tmp = tempdir();
    std::fs::create_dir_all(tmp.path().join("in")).unwrap();
    tagged_jpeg(&tmp.path().join("in/t.jpg"));
    for (format, ext) in [("jpeg", "jpg"), ("png", "png"), ("webp", "webp")] {
        convert(tmp.path(), format, &["--format", format, "--keep-metadata"]);
        let path = tmp.path().join(format).join(format!("t.{ext}"));
        let (icc, exif, xmp) = metadata_of(&path);
        assert_eq!(icc, Some(fake_profile(b"RGB ")), "{format}: ICC");
        let exif = exif.unwrap_or_else(|| panic!("{format}: EXIF kept"));
        let exif = exif.strip_prefix(b"Exif\0\0").unwrap_or(&exif);
        assert_eq!(
            image::metadata::Orientation::from_exif_chunk(exif),
            Some(image::metadata::Orientation::NoTransforms),
            "{format}: orientation reset, the pixels being upright"
        );
        assert_eq!(xmp.as_deref(), Some(XMP), "{format}: XMP");
        let img = image::open(&path).unwrap();
        assert_eq!(
            (img.width(), img.height()),
            (48, 64),
            "{format}: rotated once"
        );
    }
}

#[test]
fn by_default_only_the_profile_is_kept_and_strip_drops_it_too() {
    let tmp = tempdir();
    std::fs::create_dir_all(tmp.path().join("in")).unwrap();
    tagged_jpeg(&tmp.path().join("in/t.jpg"));
    for (format, ext) in [("jpeg", "jpg"), ("png", "png"), ("webp", "webp")] {
        let default = format!("default-{format}");
        convert(tmp.path(), &default, &["--format", format]);
        let (icc, exif, xmp) = metadata_of(&tmp.path().join(&default).join(format!("t.{ext}")));
        assert_eq!(icc, Some(fake_profile(b"RGB ")), "{format}: ICC kept");
        assert_eq!((exif, xmp), (None, None), "{format}: EXIF and XMP dropped");

        let strip = format!("strip-{format}");
        convert(tmp.path(), &strip, &["--format", format, "--strip"]);
        let path = tmp.path().join(&strip).join(format!("t.{ext}"));
        assert_eq!(metadata_of(&path), (None, None, None), "{format}: stripped");
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"ICCP" || w == b"iCCP"));
        assert!(!bytes.windows(11).any(|w| w == b"ICC_PROFILE"));
    }
}

fn s15(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

/// A matrix/TRC ICC v2 display profile with Display P3's primaries (D50-adapted) and a 2.2
/// gamma: wider than sRGB, so the same numbers mean more saturated colours.
fn p3_profile() -> Vec<u8> {
    let mut curve = b"curv\0\0\0\0".to_vec();
    curve.extend_from_slice(&1u32.to_be_bytes());
    curve.extend_from_slice(&((2.2f64 * 256.0).round() as u16).to_be_bytes());
    curve.extend_from_slice(&[0, 0]);
    let colorants = [
        [0.5151, 0.2412, -0.0011],
        [0.2919, 0.6922, 0.0419],
        [0.1571, 0.0666, 0.7841],
    ];
    rgb_profile(colorants, curve)
}

/// sRGB as a camera embeds it, in bytes of its own: sRGB's D50-adapted colorants and its
/// parametric tone curve.
fn srgb_profile() -> Vec<u8> {
    let mut curve = b"para\0\0\0\0\0\x03\0\0".to_vec();
    for v in [2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045] {
        curve.extend_from_slice(&s15(v));
    }
    let colorants = [
        [0.4361, 0.2225, 0.0139],
        [0.3851, 0.7169, 0.0971],
        [0.1431, 0.0606, 0.7141],
    ];
    rgb_profile(colorants, curve)
}

/// A matrix/TRC ICC v2 display profile: D50 white, the red, green and blue colorants, and one
/// tone curve for all three.
fn rgb_profile(colorants: [[f64; 3]; 3], curve: Vec<u8>) -> Vec<u8> {
    fn xyz([x, y, z]: [f64; 3]) -> Vec<u8> {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        for v in [x, y, z] {
            t.extend_from_slice(&s15(v));
        }
        t
    }
    let [r, g, b] = colorants;
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"wtpt", xyz([0.9642, 1.0, 0.8249])),
        (b"rXYZ", xyz(r)),
        (b"gXYZ", xyz(g)),
        (b"bXYZ", xyz(b)),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let mut header = vec![0u8; 128];
    header[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(b"RGB ");
    header[20..24].copy_from_slice(b"XYZ ");
    header[36..40].copy_from_slice(b"acsp");
    header[68..72].copy_from_slice(&s15(0.9642));
    header[72..76].copy_from_slice(&s15(1.0));
    header[76..80].copy_from_slice(&s15(0.8249));
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data = Vec::new();
    let mut offset = 128 + 4 + 12 * tags.len();
    for (sig, body) in &tags {
        table.extend_from_slice(*sig);
        table.extend_from_slice(&(offset as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
        offset += body.len();
    }
    let mut icc = header;
    icc.extend(table);
    icc.extend(data);
    let len = icc.len() as u32;
    icc[..4].copy_from_slice(&len.to_be_bytes());
    icc
}

/// Writes `in/p3.png` below `root`, 32x16 and tagged as P3: the left half a muted red, the
/// right half `right`; returns its pixels.
fn p3_png(root: &std::path::Path, right: [u8; 3]) -> image::RgbImage {
    use image::ImageEncoder as _;
    std::fs::create_dir_all(root.join("in")).unwrap();
    let img = image::RgbImage::from_fn(32, 16, |x, _| {
        image::Rgb(if x < 16 { [200, 100, 100] } else { right })
    });
    let file = std::fs::File::create(root.join("in/p3.png")).unwrap();
    let mut enc = image::codecs::png::PngEncoder::new(file);
    enc.set_icc_profile(p3_profile()).unwrap();
    enc.write_image(img.as_raw(), 32, 16, image::ExtendedColorType::Rgb8)
        .unwrap();
    img
}

#[test]
fn to_srgb_converts_a_wide_gamut_photo_and_embeds_no_profile() {
    let tmp = tempdir();
    // Left half a muted red, right half mid grey, tagged as P3.
    let img = p3_png(tmp.path(), [128, 128, 128]);

    convert(tmp.path(), "kept", &[]);
    let kept = tmp.path().join("kept/p3.png");
    assert_eq!(metadata_of(&kept).0, Some(p3_profile()));
    assert_eq!(
        image::open(&kept).unwrap().to_rgb8(),
        img,
        "no conversion by default"
    );

    convert(tmp.path(), "srgb", &["--to-srgb"]);
    let out = tmp.path().join("srgb/p3.png");
    assert_eq!(metadata_of(&out).0, None, "no profile after conversion");
    let px = image::open(&out).unwrap().to_rgb8();
    let red = px.get_pixel(4, 8).0;
    // The same colour needs more saturated numbers in the smaller sRGB gamut.
    // P3 (200, 100, 100) is about sRGB (216, 93, 97): red up, green down, blue nearly alike.
    assert!(red[0] >= 210 && red[1] <= 96 && red[2] < 100, "{red:?}");
    let grey = px.get_pixel(28, 8).0;
    assert!(
        grey.iter().all(|&c| c.abs_diff(grey[0]) <= 2) && grey[0].abs_diff(128) <= 12,
        "grey stays neutral: {grey:?}"
    );

    // --strip drops the profile, so it converts first: the same pixels as --to-srgb.
    convert(tmp.path(), "stripped", &["--strip"]);
    let stripped = tmp.path().join("stripped/p3.png");
    assert_eq!(metadata_of(&stripped).0, None);
    assert_eq!(image::open(&stripped).unwrap().to_rgb8(), px);
    // --strip-raw asks for the pixels as they were.
    convert(tmp.path(), "raw", &["--strip-raw"]);
    let raw = tmp.path().join("raw/p3.png");
    assert_eq!(metadata_of(&raw).0, None);
    assert_eq!(image::open(&raw).unwrap().to_rgb8(), img);
}

#[test]
fn strip_and_to_srgb_leave_a_photo_tagged_with_srgb_as_it_is() {
    use image::ImageEncoder as _;
    let tmp = tempdir();
    std::fs::create_dir_all(tmp.path().join("in")).unwrap();
    let img = image::RgbImage::from_fn(64, 16, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 16) as u8, 7])
    });
    let file = std::fs::File::create(tmp.path().join("in/s.png")).unwrap();
    let mut enc = image::codecs::png::PngEncoder::new(file);
    enc.set_icc_profile(srgb_profile()).unwrap();
    enc.write_image(img.as_raw(), 64, 16, image::ExtendedColorType::Rgb8)
        .unwrap();
    for (dir, flag) in [("stripped", "--strip"), ("srgb", "--to-srgb")] {
        convert(tmp.path(), dir, &[flag]);
        let out = tmp.path().join(dir).join("s.png");
        assert_eq!(metadata_of(&out).0, None, "{flag}");
        let pixels = image::open(&out).unwrap().to_rgb8();
        assert!(pixels == img, "{flag}: pixels untouched");
    }
}

#[test]
fn strip_with_an_unreadable_profile_drops_it_with_a_warning() {
    let tmp = tempdir();
    std::fs::create_dir_all(tmp.path().join("in")).unwrap();
    tagged_jpeg(&tmp.path().join("in/t.jpg"));
    let o = fanlight(&["convert", "in", "-o", "out", "--strip"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("t.jpg") && stderr(&o).contains("dropped (--strip) without converting"),
        "{}",
        stderr(&o)
    );
    assert_eq!(metadata_of(&tmp.path().join("out/t.jpg")).0, None);
}

#[test]
fn to_srgb_with_an_unreadable_profile_fails_that_photo_with_a_reason() {
    let tmp = tempdir();
    std::fs::create_dir_all(tmp.path().join("in")).unwrap();
    tagged_jpeg(&tmp.path().join("in/t.jpg"));
    write_jpeg(&tmp.path().join("in/u.jpg"), &picture(20, 20, 0), None);
    let o = fanlight(&["convert", "in", "-o", "out", "--to-srgb"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("t.jpg") && stderr(&o).contains("ICC profile cannot be read"));
    assert!(tmp.path().join("out/u.jpg").exists(), "the batch went on");
}

/// A grey ICC profile with a linear tone curve (gamma 1.0): v2 header, `wtpt`, `kTRC`.
fn linear_grey_profile() -> Vec<u8> {
    let mut icc = vec![0u8; 128];
    icc[8..12].copy_from_slice(&0x0210_0000u32.to_be_bytes());
    icc[12..16].copy_from_slice(b"mntr");
    icc[16..20].copy_from_slice(b"GRAY");
    icc[20..24].copy_from_slice(b"XYZ ");
    icc[36..40].copy_from_slice(b"acsp");
    let fixed = |v: f64| ((v * 65536.0).round() as i32).to_be_bytes();
    let mut wtpt = b"XYZ \0\0\0\0".to_vec();
    for v in [0.9642, 1.0, 0.8249] {
        wtpt.extend_from_slice(&fixed(v));
    }
    let ktrc = b"curv\0\0\0\0\0\0\0\x01\x01\x00\0\0".to_vec(); // one entry: gamma 1.0, padded
    let tags = [(b"wtpt", wtpt), (b"kTRC", ktrc)];
    icc.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    let mut offset = 128 + 4 + 12 * tags.len();
    let mut data = Vec::new();
    for (sig, body) in &tags {
        icc.extend_from_slice(*sig);
        icc.extend_from_slice(&(offset as u32).to_be_bytes());
        icc.extend_from_slice(&(body.len() as u32).to_be_bytes());
        offset += body.len();
        data.extend_from_slice(body);
    }
    icc.extend_from_slice(&data);
    let len = icc.len() as u32;
    icc[..4].copy_from_slice(&len.to_be_bytes());
    icc
}

/// sRGB's encoding of a linear level, in 0..=255.
fn srgb_of_linear(v: u8) -> f64 {
    let l = f64::from(v) / 255.0;
    let e = if l <= 0.003_130_8 {
        12.92 * l
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    e * 255.0
}

#[test]
fn grey_photos_with_a_grey_profile_are_converted_by_to_srgb_and_for_webp() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Flat 8x8 blocks of levels 32, 64, 128 and 192, so JPEG keeps them nearly exact.
    let levels = [32u8, 64, 128, 192];
    let pixels: Vec<u8> = (0..16 * 16)
        .map(|i| levels[(i % 16) / 8 + 2 * ((i / 16) / 8)])
        .collect();
    let mut enc = jpeg_encoder::Encoder::new_file(input.join("g.jpg"), 100).unwrap();
    enc.add_icc_profile(&linear_grey_profile()).unwrap();
    enc.encode(&pixels, 16, 16, jpeg_encoder::ColorType::Luma)
        .unwrap();
    for (dir, args) in [
        ("srgb", &["--to-srgb"][..]),
        ("webp", &["--format", "webp", "--lossless"][..]),
    ] {
        let mut all = vec!["convert", "in", "-o", dir, "-q"];
        all.extend_from_slice(args);
        let out = fanlight(&all, tmp.path());
        assert!(out.status.success(), "{}", stderr(&out));
        let written = tmp
            .path()
            .join(dir)
            .join(files_below(&tmp.path().join(dir)).pop().unwrap());
        assert_eq!(profile_of(&written), None, "{dir}: no grey profile left");
        let img = image::open(&written).unwrap().to_rgb8();
        for (i, &level) in levels.iter().enumerate() {
            let (x, y) = (4 + 8 * (i as u32 % 2), 4 + 8 * (i as u32 / 2));
            let px = img.get_pixel(x, y).0;
            let want = srgb_of_linear(level);
            assert!(
                px.iter().all(|&c| (f64::from(c) - want).abs() <= 3.0),
                "{dir}: level {level} became {px:?}, sRGB says {want:.0}"
            );
        }
    }
}

#[test]
fn a_colour_change_converts_through_the_profile_first_instead_of_dropping_it() {
    let tmp = tempdir();
    // A P3 photo made grey: the grey must be that of the sRGB colours, as with --to-srgb.
    let img = p3_png(tmp.path(), [40, 180, 90]);
    let grey = |out: &str, args: &[&str]| {
        let mut all = vec!["convert", "in", "-o", out, "--filter", "grayscale"];
        all.extend_from_slice(args);
        let o = fanlight(&all, tmp.path());
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
        let path = tmp.path().join(out).join("p3.png");
        assert_eq!(
            profile_of(&path),
            None,
            "{out}: no RGB profile on grey pixels"
        );
        image::open(&path).unwrap().to_luma8()
    };
    let plain = grey("plain", &[]);
    assert_eq!(plain, grey("srgb", &["--to-srgb"]), "converted, then grey");
    let naive = image::imageops::grayscale(&img);
    assert_ne!(plain, naive, "the P3 values were not taken for sRGB ones");

    // A grey photo with a grey profile given a red watermark: its grey becomes sRGB grey first.
    let levels = 64u8;
    let mut enc = jpeg_encoder::Encoder::new_file(tmp.path().join("in/p3.png"), 100).unwrap();
    enc.add_icc_profile(&linear_grey_profile()).unwrap();
    enc.encode(
        &vec![levels; 64 * 64],
        64,
        64,
        jpeg_encoder::ColorType::Luma,
    )
    .unwrap();
    std::fs::rename(tmp.path().join("in/p3.png"), tmp.path().join("in/g.jpg")).unwrap();
    let args = [
        "convert",
        "in",
        "-o",
        "mark",
        "--watermark",
        "x",
        "--color",
        "red",
        "--font-size",
        "8",
    ];
    let o = fanlight(&args, tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let path = tmp.path().join("mark/g.jpg");
    assert_eq!(profile_of(&path), None, "no grey profile on colour pixels");
    let px = image::open(&path).unwrap().to_rgb8().get_pixel(4, 4).0;
    let want = srgb_of_linear(levels);
    assert!(
        px.iter().all(|&c| (f64::from(c) - want).abs() <= 3.0),
        "level {levels} became {px:?}, sRGB says {want:.0}"
    );
}
