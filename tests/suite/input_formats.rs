//! Input formats beyond JPEG, PNG and WebP: HEIC, AVIF, TIFF and GIF (and animated PNG and
//! WebP). Every fixture in `tests/data/formats/` is decoded and compared with the reference
//! decode committed beside it (libheif's heif-convert, ImageMagick; see the README there).

use std::path::{Path, PathBuf};

use crate::common::*;
use fanlight::internals::decode::{decode, ImageKind};
use fanlight::internals::raster::{Layout, Raster};
use fanlight::ItemError;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The reference decode of `stem`, in the layout of `like`.
fn reference(file: &str, like: Layout) -> Vec<u8> {
    let img = image::open(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    match like {
        Layout::Gray => img.to_luma8().into_raw(),
        Layout::Rgb => img.to_rgb8().into_raw(),
        Layout::Rgba => img.to_rgba8().into_raw(),
    }
}

/// Peak signal-to-noise ratio in dB (infinite when equal).
fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let se: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    if se == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64.powi(2) / (se / a.len() as f64)).log10()
}

fn decoded(name: &str) -> (Raster, ImageKind, Option<String>) {
    let d = decode(&fixture(name), 100_000_000, false).unwrap_or_else(|e| panic!("{name}: {e}"));
    (d.raster, d.kind, d.warning)
}

#[test]
fn every_fixture_decodes_close_to_its_reference_decode() {
    // (fixture, size as shown, layout, lowest PSNR against the reference). HEIC differs from
    // libheif only in how chroma is upsampled (4:4:4 matches to 88 dB): 30.7–34 dB on these
    // small, busy 4:2:0 pictures (40–42 dB on 12 MP photos), where a wrong turn or mirror gives
    // under 15 dB. Lossless TIFF and GIF are exact; 16-bit, CMYK and JPEG-compressed TIFF
    // within rounding (51–67 dB).
    let cases: &[(&str, (u32, u32), Layout, f64)] = &[
        ("heic-420.heic", (64, 48), Layout::Rgb, 31.0),
        ("heic-444.heic", (64, 48), Layout::Rgb, 80.0),
        ("heic-10bit.heic", (64, 48), Layout::Rgb, 29.0),
        ("heic-alpha.heic", (64, 48), Layout::Rgba, 31.0),
        ("heic-grid.heic", (600, 40), Layout::Rgb, 38.0),
        ("heic-exif6.heic", (64, 48), Layout::Rgb, 29.0),
        ("heic-irot1-exif6.heic", (48, 64), Layout::Rgb, 29.0),
        ("heic-imir0.heic", (64, 48), Layout::Rgb, 29.0),
        ("heic-imir1.heic", (64, 48), Layout::Rgb, 29.0),
        ("heic-irot3-imir1.heic", (48, 64), Layout::Rgb, 29.0),
        ("heic-p3.heic", (64, 48), Layout::Rgb, 80.0),
        ("tiff-rgb8-lzw.tif", (64, 48), Layout::Rgb, f64::INFINITY),
        ("tiff-rgb16-zip.tif", (64, 48), Layout::Rgb, f64::INFINITY),
        ("tiff-rgba8-zip.tif", (64, 48), Layout::Rgba, f64::INFINITY),
        // Premultiplied (associated) alpha made straight again; only the rounding of the faintest
        // pixels differs (14 dB before: their colours came out dark).
        ("tiff-rgba8-premultiplied.tif", (64, 48), Layout::Rgba, 40.0),
        ("tiff-grey8-lzw.tif", (64, 48), Layout::Gray, f64::INFINITY),
        // Grey with alpha, which `image` refuses: read through the tiff crate.
        (
            "tiff-greyalpha8-lzw.tif",
            (64, 48),
            Layout::Rgba,
            f64::INFINITY,
        ),
        ("tiff-grey16-zip.tif", (64, 48), Layout::Gray, 50.0),
        // Palette pages, which `image` and the tiff crate refuse: 8-bit, 4- and 1-bit of an odd
        // width (indices packed in bytes), and 8-bit tiles in a big-endian file. libvips maps the
        // palette's 16-bit values to 8 by truncation where fanlight rounds: a level at most.
        ("tiff-palette.tif", (64, 48), Layout::Rgb, 50.0),
        (
            "tiff-palette4-odd.tif",
            (61, 47),
            Layout::Rgb,
            f64::INFINITY,
        ),
        (
            "tiff-palette1-odd.tif",
            (61, 47),
            Layout::Rgb,
            f64::INFINITY,
        ),
        ("tiff-palette8-tiled-msb.tif", (64, 48), Layout::Rgb, 50.0),
        ("tiff-cmyk8-lzw.tif", (64, 48), Layout::Rgb, 50.0),
        ("tiff-jpeg.tif", (64, 48), Layout::Rgb, 60.0),
        ("tiff-2pages.tif", (64, 48), Layout::Rgb, f64::INFINITY),
        ("gif-still.gif", (64, 48), Layout::Rgb, f64::INFINITY),
        ("gif-anim.gif", (64, 48), Layout::Rgb, f64::INFINITY),
    ];
    check_against_references(cases);
}

/// Decodes each fixture and checks its size, layout and PSNR against `STEM.ref.png`.
fn check_against_references(cases: &[(&str, (u32, u32), Layout, f64)]) {
    for &(name, size, layout, floor) in cases {
        let (raster, _, _) = decoded(name);
        assert_eq!((raster.width, raster.height), size, "{name}");
        assert_eq!(raster.layout, layout, "{name}");
        let stem = name.rsplit_once('.').unwrap().0;
        let p = psnr(&raster.data, &reference(&format!("{stem}.ref.png"), layout));
        assert!(
            p >= floor,
            "{name}: {p:.1} dB against the reference, under {floor}"
        );
    }
}

/// The mean absolute difference of two RGB buffers of the 64x43 CMYK fixtures, in levels.
fn mean_levels(a: &[u8], b: &[u8]) -> f64 {
    let rgb = |p: &[u8]| image::RgbImage::from_raw(64, 43, p.to_vec()).expect("64x43 RGB");
    mean_abs_diff(&rgb(a), &rgb(b))
}

/// `jpeg` with the bytes `from` replaced by `to` everywhere (a marker or a tag signature).
fn replaced(jpeg: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = jpeg.to_vec();
    let mut found = 0;
    for i in 0..out.len() - from.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            found += 1;
        }
    }
    assert!(found > 0, "{from:?} not found");
    out
}

#[test]
fn a_cmyk_jpeg_is_converted_through_its_icc_profile_as_littlecms_does() {
    // An Adobe CMYK JPEG (inverted inks) with a printer profile of a made-up press; the
    // reference is libvips' icc_transform (LittleCMS), perceptual intent.
    let jpeg = fixture("jpeg-cmyk-icc.jpg");
    let srgb = reference("jpeg-cmyk-icc.ref.png", Layout::Rgb);
    let d = decode(&jpeg, 1_000_000, false).unwrap();
    assert_eq!(
        (d.raster.width, d.raster.height, d.raster.layout),
        (64, 43, Layout::Rgb)
    );
    assert_eq!(
        d.icc, None,
        "the pixels are sRGB now: the CMYK profile must not travel on"
    );
    assert_eq!(d.warning, None);
    let through_profile = mean_levels(&d.raster.data, &srgb);
    assert!(
        through_profile < 1.0,
        "{through_profile:.2} levels from LittleCMS"
    );

    // The same inks with the profile's segment unnamed (no profile) come out naively, far from
    // it: so the comparison above tells a conversion from none.
    let unprofiled = replaced(&jpeg, b"ICC_PROFILE", b"XXX_PROFILE");
    let naive = decode(&unprofiled, 1_000_000, false).unwrap();
    assert_eq!(naive.icc, None);
    let without = mean_levels(&naive.raster.data, &srgb);
    assert!(without > 10.0, "{without:.2} levels without the profile");

    // A profile with no table to convert by: the naive conversion, and a warning that says so.
    let tableless = replaced(&jpeg, b"A2B", b"zzz");
    let d = decode(&tableless, 1_000_000, false).unwrap();
    let warning = d.warning.unwrap_or_default();
    assert!(
        warning.contains("CMYK") && warning.contains("ICC profile cannot be used"),
        "{warning}"
    );
    assert!(mean_levels(&d.raster.data, &naive.raster.data) < 0.5);
}

#[test]
fn a_cmyk_tiff_is_converted_through_its_icc_profile_as_littlecms_does() {
    // The inks of the CMYK JPEG fixture, saved as an LZW TIFF with the same profile (a profile
    // larger than the picture's pixels, which image's TIFF decoder would drop).
    let tiff = fixture("tiff-cmyk8-icc.tif");
    let d = decode(&tiff, 1_000_000, false).unwrap();
    assert_eq!(
        (d.raster.width, d.raster.height, d.raster.layout),
        (64, 43, Layout::Rgb)
    );
    assert_eq!(d.icc, None);
    assert_eq!(d.warning, None);
    let srgb = reference("tiff-cmyk8-icc.ref.png", Layout::Rgb);
    let through_profile = mean_levels(&d.raster.data, &srgb);
    assert!(
        through_profile < 1.0,
        "{through_profile:.2} levels from LittleCMS"
    );
    // The naive conversion of the profile-less CMYK TIFF fixture is the old behaviour, checked
    // in every_fixture_decodes_close_to_its_reference_decode.
}

#[test]
fn formats_are_found_by_content_not_name() {
    for (name, kind) in [
        ("heic-420.heic", ImageKind::Heif),
        ("tiff-jpeg.tif", ImageKind::Tiff),
        ("gif-still.gif", ImageKind::Gif),
        ("webp-anim.webp", ImageKind::Webp),
    ] {
        assert_eq!(decoded(name).1, kind, "{name}");
    }
}

#[test]
fn animations_and_pages_past_the_first_are_reported_as_warnings() {
    let mut apng = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut apng, 8, 8);
        enc.set_color(png::ColorType::Rgb);
        enc.set_animated(2, 0).unwrap();
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[10; 8 * 8 * 3]).unwrap();
        w.write_image_data(&[200; 8 * 8 * 3]).unwrap();
    }
    let apng = decode(&apng, 1_000_000, false).unwrap();
    assert!(apng.raster.data == [10; 8 * 8 * 3], "the first frame");
    for (name, warning) in [
        ("gif-anim.gif", "animated GIF (2 frames)"),
        ("webp-anim.webp", "animated WebP"),
        ("tiff-2pages.tif", "TIFF of 2 pages"),
    ] {
        let got = decoded(name).2.unwrap_or_default();
        assert!(got.contains(warning), "{name}: {got:?}");
    }
    assert!(apng.warning.unwrap_or_default().contains("animated PNG"));
    assert_eq!(decoded("gif-still.gif").2, None);
    assert_eq!(decoded("tiff-rgb8-lzw.tif").2, None);
    assert_eq!(decoded("heic-420.heic").2, None);
    // Both made from the same picture, losslessly.
    let first = decoded("webp-anim.webp").0;
    let base = reference("tiff-rgb8-lzw.ref.png", Layout::Rgb);
    assert!(first.data == base, "the first WebP frame");
}

#[test]
fn cut_files_fail_in_both_modes_without_a_lenient_hint() {
    for name in ["heic-cut.heic", "tiff-cut.tif", "gif-cut.gif"] {
        for lenient in [false, true] {
            let err = decode(&fixture(name), 100_000_000, lenient).unwrap_err();
            assert!(matches!(err, ItemError::Damaged(_)), "{name}: {err:?}");
            assert!(!err.to_string().contains("lenient"), "{name}: {err}");
        }
    }
}

#[test]
fn the_pixel_limit_is_checked_from_the_heic_and_tiff_headers() {
    for name in ["heic-grid.heic", "tiff-rgb8-lzw.tif", "gif-still.gif"] {
        let err = decode(&fixture(name), 1000, false).unwrap_err();
        assert!(matches!(err, ItemError::TooLarge { .. }), "{name}: {err:?}");
    }
}

/// The folder `in/` with these fixtures in it, under the names given.
fn folder(root: &Path, files: &[(&str, &str)]) {
    let input = root.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (from, to) in files {
        std::fs::copy(dir().join(from), input.join(to)).unwrap();
    }
}

#[test]
fn the_walk_lists_heic_tiff_and_gif_in_any_case_and_same_format_writes_jpeg_or_png() {
    let tmp = tempdir();
    folder(
        tmp.path(),
        &[
            ("heic-420.heic", "IMG_0001.HEIC"),
            ("heic-420.heic", "b.heif"),
            ("heic-420.heic", "c.hif"),
            ("tiff-rgb8-lzw.tif", "scan.TIFF"),
            ("tiff-grey8-lzw.tif", "grey.tif"),
            ("gif-still.gif", "d.Gif"),
        ],
    );
    let out = fanlight(&["convert", "in", "-o", "out", "-q"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let written = files_below(&tmp.path().join("out"));
    let names: Vec<_> = written.iter().map(|p| p.to_string_lossy()).collect();
    assert_eq!(
        names,
        [
            "IMG_0001.jpg",
            "b.jpg",
            "c.jpg",
            "d.png",
            "grey.png",
            "scan.png"
        ]
    );
    let jpeg = std::fs::read(tmp.path().join("out/IMG_0001.jpg")).unwrap();
    assert_eq!(
        image::guess_format(&jpeg).unwrap(),
        image::ImageFormat::Jpeg
    );
    let grey = image::open(tmp.path().join("out/grey.png")).unwrap();
    assert_eq!(grey.color(), image::ColorType::L8, "grey stays grey");
}

#[cfg(feature = "avif-read")]
#[test]
fn the_walk_lists_avif_in_any_case_and_names_plan_its_upright_size() {
    let tmp = tempdir();
    folder(
        tmp.path(),
        &[
            ("avif-irot1.avif", "PXL_0001.AVIF"),
            ("avif-420.avif", "b.avif"),
            // An image sequence's usual extension.
            ("avif-anim.avif", "c.avifs"),
        ],
    );
    let args = ["convert", "in", "-o", "out", "-q", "--format", "jpeg"];
    let name = ["--name", "{stem}-{width}x{height}.{ext}"];
    let out = fanlight(&[&args[..], &name[..]].concat(), tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let written = files_below(&tmp.path().join("out"));
    let names: Vec<_> = written.iter().map(|p| p.to_string_lossy()).collect();
    assert_eq!(names, ["PXL_0001-48x64.jpg", "b-64x48.jpg", "c-64x48.jpg"]);
}

#[test]
fn heic_metadata_travels_like_a_jpegs_and_its_rotation_is_applied_once() {
    let tmp = tempdir();
    folder(
        tmp.path(),
        &[
            ("heic-irot1-exif6.heic", "r.heic"),
            ("heic-p3.heic", "p3.heic"),
        ],
    );
    let out = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "-q",
            "--keep-metadata",
            "--format",
            "png",
            "--name",
            "{stem}-{width}x{height}.{ext}",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // irot says a quarter turn, EXIF says another: turned once, as libheif does, and the name
    // planned from the header agrees.
    let turned = image::open(tmp.path().join("out/r-48x64.png")).unwrap();
    let reference = reference("heic-irot1-exif6.ref.png", Layout::Rgb);
    assert!(psnr(turned.to_rgb8().as_raw(), &reference) > 29.0);
    let bytes = std::fs::read(tmp.path().join("out/r-48x64.png")).unwrap();
    let exif = bytes
        .windows(4)
        .position(|w| w == b"eXIf")
        .expect("EXIF kept");
    let tiff = &bytes[exif + 4..];
    assert!(tiff.windows(4).any(|w| w == b"Fan\0"), "the camera make");
    let orientation = tiff.windows(2).position(|w| w == [0x01, 0x12]).unwrap();
    assert_eq!(
        &tiff[orientation + 8..orientation + 10],
        [0, 1],
        "reset to 1"
    );
    // The ICC profile is carried as it is.
    let mut decoder = image::ImageReader::open(tmp.path().join("out/p3-64x48.png"))
        .unwrap()
        .into_decoder()
        .unwrap();
    let icc = image::ImageDecoder::icc_profile(&mut decoder)
        .unwrap()
        .unwrap();
    assert_eq!(&icc[16..20], b"RGB ");
    assert!(icc.windows(10).any(|w| w == b"Display P3"));
}

#[test]
fn to_srgb_converts_a_display_p3_heic_as_lcms_does() {
    let tmp = tempdir();
    folder(tmp.path(), &[("heic-p3.heic", "p3.heic")]);
    let out = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "-q",
            "--to-srgb",
            "--format",
            "png",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let srgb = image::open(tmp.path().join("out/p3.png"))
        .unwrap()
        .to_rgb8();
    // libheif's decode converted by libvips (LittleCMS): 62 dB, against 29 unconverted. The
    // fixture is 4:4:4, so chroma upsampling does not hide the conversion.
    let lcms = reference("heic-p3.to-srgb.ref.png", Layout::Rgb);
    let raw = reference("heic-p3.ref.png", Layout::Rgb);
    let converted = psnr(srgb.as_raw(), &lcms);
    assert!(converted > 50.0, "{converted:.1} dB");
    assert!(psnr(srgb.as_raw(), &raw) < 35.0, "the pixels changed");
}

#[cfg(feature = "avif-read")]
#[test]
fn avif_fixtures_decode_close_to_libheifs_decode() {
    // (fixture, size as shown, layout, lowest PSNR against heif-convert's decode with aom).
    // rav1d's pictures match libheif's bit for bit where no chroma is upsampled (4:4:4, grey:
    // 83 dB and exact); 4:2:0 differs only in the upsampling filter, as for HEIC (32-34 dB on
    // these small busy pictures, 41-55 dB on photos). A wrong turn or mirror gives under 15 dB.
    check_against_references(&[
        ("avif-420.avif", (64, 48), Layout::Rgb, 31.0),
        ("avif-444.avif", (64, 48), Layout::Rgb, 80.0),
        // Odd sizes: a luma column and row past the last chroma pair (garbled before the fix,
        // 9 dB).
        ("avif-odd420.avif", (63, 47), Layout::Rgb, 31.0),
        ("avif-odd422.avif", (63, 47), Layout::Rgb, 31.0),
        ("avif-10bit.avif", (64, 48), Layout::Rgb, 31.0),
        ("avif-alpha.avif", (64, 48), Layout::Rgba, 32.0),
        ("avif-grey.avif", (64, 48), Layout::Rgb, f64::INFINITY),
        ("avif-grid.avif", (128, 128), Layout::Rgb, 38.0),
        ("avif-irot1.avif", (48, 64), Layout::Rgb, 80.0),
        ("avif-imir0.avif", (64, 48), Layout::Rgb, 80.0),
        ("avif-imir1.avif", (64, 48), Layout::Rgb, 80.0),
        ("avif-irot3-imir1.avif", (48, 64), Layout::Rgb, 80.0),
        // Its Display P3 profile travels with the pixels, as a JPEG's would.
        ("avif-p3-icc.avif", (64, 48), Layout::Rgb, 80.0),
        // nclx Display P3 with no profile: converted to sRGB at load; the reference is
        // libheif's decode converted by LittleCMS through a P3 profile (58 dB; 29 unconverted).
        ("avif-p3-nclx.avif", (64, 48), Layout::Rgb, 50.0),
    ]);
    let (p3, _) = {
        let d = decode(&fixture("avif-p3-icc.avif"), 1_000_000, false).unwrap();
        (d.icc, d.kind)
    };
    assert!(
        p3.is_some_and(|icc| &icc[16..20] == b"RGB "),
        "the ICC profile is kept"
    );
    let nclx = decode(&fixture("avif-p3-nclx.avif"), 1_000_000, false).unwrap();
    assert_eq!(nclx.icc, None, "converted pixels carry no profile");
    assert_eq!(nclx.kind, ImageKind::Avif);
}

#[cfg(feature = "avif-read")]
#[test]
fn damaged_av1_data_that_aborted_the_process_fails_as_damaged() {
    // Found by the fuzzer: rav1d's single-threaded error path panics inside an `extern "C"`
    // function on this file, which no `catch_unwind` can stop; the whole batch was aborted.
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-rav1d-abort.avif"),
    )
    .unwrap();
    for lenient in [false, true] {
        let err = decode(&bytes, 100_000_000, lenient).unwrap_err();
        assert!(matches!(err, ItemError::Damaged(_)), "{err:?}");
    }
}

#[cfg(feature = "avif-read")]
#[test]
fn avif_damage_sequences_and_hdr_are_told_apart() {
    for lenient in [false, true] {
        let err = decode(&fixture("avif-cut.avif"), 100_000_000, lenient).unwrap_err();
        assert!(matches!(err, ItemError::Damaged(_)), "{err:?}");
        assert!(!err.to_string().contains("lenient"), "{err}");
    }
    let err = decode(&fixture("avif-grid.avif"), 1000, false).unwrap_err();
    assert!(matches!(err, ItemError::TooLarge { .. }), "{err:?}");
    // An image sequence with a still image (libavif writes the first frame as one): the
    // still, with a warning. One with tracks only is unsupported, not damaged.
    let anim = decode(&fixture("avif-anim.avif"), 1_000_000, false).unwrap();
    let warning = anim.warning.unwrap_or_default();
    assert!(warning.contains("AVIF image sequence"), "{warning}");
    // The sequence has alpha (its second frame does), so its still is RGBA.
    assert_eq!(anim.raster.layout, Layout::Rgba);
    let rgb: Vec<u8> = anim
        .raster
        .data
        .chunks(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let p = psnr(&rgb, &reference("avif-420.ref.png", Layout::Rgb));
    assert!(p > 30.0, "the first frame: {p:.1} dB");
    let tracks_only = [
        &[0, 0, 0, 0x18][..],
        b"ftypavis\0\0\0\0avismsf1",
        &[0, 0, 0, 8],
        b"moov",
    ]
    .concat();
    let err = decode(&tracks_only, 1_000_000, false).unwrap_err();
    assert!(matches!(err, ItemError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("image sequence"), "{err}");
    // HDR (PQ, BT.2020): tone-mapped to sRGB with a warning, not shown as a dark picture.
    let pq = decode(&fixture("avif-pq.avif"), 1_000_000, false).unwrap();
    let warning = pq.warning.unwrap_or_default();
    assert!(warning.contains("HDR photo (PQ)"), "{warning}");
    let mean =
        pq.raster.data.iter().map(|&v| f64::from(v)).sum::<f64>() / pq.raster.data.len() as f64;
    assert!(mean > 100.0, "mean level {mean:.0}");
}

#[test]
fn a_real_iphone_heic_decodes_upright_as_libheif_does() {
    // An iPhone 11 Pro photo (48 grid tiles of 512x512, Display P3 profile, EXIF): compared
    // with libheif's decode, both shrunk 16 times by averaging (the reference is kept small).
    let d = decode(&fixture("heic-iphone11pro.heic"), 100_000_000, false).unwrap();
    assert_eq!((d.raster.width, d.raster.height), (3024, 4032));
    assert!(
        d.icc.is_some_and(|icc| &icc[16..20] == b"RGB "),
        "its P3 profile"
    );
    assert!(d.exif.is_some(), "its EXIF");
    let rgb = image::RgbImage::from_raw(3024, 4032, d.raster.data).unwrap();
    let (w, h) = (3024 / 16, 4032 / 16);
    let mut small = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..16 {
                    for dx in 0..16 {
                        sum +=
                            u32::from(rgb.get_pixel((x * 16 + dx) as u32, (y * 16 + dy) as u32)[c]);
                    }
                }
                small.push(((sum + 128) / 256) as u8);
            }
        }
    }
    let p = psnr(
        &small,
        &reference("heic-iphone11pro.ref16.png", Layout::Rgb),
    );
    assert!(p > 40.0, "{p:.1} dB against libheif");
}

#[test]
#[cfg(not(feature = "tiff-zstd"))]
fn a_tiff_feature_not_decoded_is_unsupported_and_named() {
    let err = decode(&fixture("tiff-rgb8-zstd.tif"), 1_000_000, false).unwrap_err();
    assert!(matches!(err, ItemError::Unsupported { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("unsupported: TIFF: "), "{text}");
    assert!(text.contains("ZSTD"), "{text}");
    assert!(text.contains("tiff-zstd feature"), "{text}");
    assert!(!text.contains("lenient"), "{text}");
}

#[test]
#[cfg(feature = "tiff-zstd")]
fn a_zstd_tiff_is_read_with_the_tiff_zstd_feature() {
    let (raster, _, _) = decoded("tiff-rgb8-zstd.tif");
    assert_eq!(raster.data, reference("tiff-rgb8-lzw.ref.png", Layout::Rgb));
}

#[test]
fn jpeg_xl_and_avif_inputs_are_unsupported_not_damaged() {
    let jxl = if cfg!(feature = "jxl") {
        Vec::new() // read with the feature: see the jxl tests
    } else {
        fixture("jxl-lossy.jxl")
    };
    for (name, bytes) in [
        ("a.jxl", jxl),
        (
            "b.avif",
            if cfg!(feature = "avif-read") {
                Vec::new() // read with the feature: see the AVIF tests
            } else {
                b"\0\0\0\x14ftypavif\0\0\0\0mif1\0\0\0\x08meta".to_vec()
            },
        ),
    ] {
        if bytes.is_empty() {
            continue;
        }
        let err = decode(&bytes, 1_000_000, true).unwrap_err();
        assert!(
            matches!(err, ItemError::Unsupported { .. }),
            "{name}: {err:?}"
        );
        let text = err.to_string();
        assert!(text.starts_with("unsupported: "), "{text}");
        assert!(!text.contains("lenient"), "{text}");
    }
}

#[test]
fn a_grey_png_with_a_trns_colour_keeps_its_transparency() {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, 4, 2);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_trns(vec![0, 0]);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[0, 200, 0, 200, 200, 0, 200, 0])
            .unwrap();
    }
    let d = decode(&bytes, 1_000, false).unwrap();
    assert_eq!(
        d.raster.layout,
        Layout::Rgba,
        "grey + alpha travels as RGBA"
    );
    let alpha: Vec<u8> = d.raster.data.chunks(4).map(|p| p[3]).collect();
    assert_eq!(alpha, [0, 255, 0, 255, 255, 0, 255, 0]);
}

#[cfg(feature = "jxl")]
#[test]
fn jpeg_xl_fixtures_decode_close_to_libjxl() {
    // (fixture, layout, reference, lowest PSNR): lossless ones exact, lossy within rounding of
    // libjxl's own decode (djxl 0.7).
    for (name, layout, reference_file, floor) in [
        ("jxl-lossy.jxl", Layout::Rgb, "jxl-lossy.ref.png", 45.0),
        (
            "jxl-lossless.jxl",
            Layout::Rgb,
            "tiff-rgb8-lzw.ref.png",
            f64::INFINITY,
        ),
        ("jxl-alpha.jxl", Layout::Rgba, "jxl-alpha.ref.png", 45.0),
        (
            "jxl-grey.jxl",
            Layout::Gray,
            "jxl-grey.ref.png",
            f64::INFINITY,
        ),
        (
            "jxl-anim.jxl",
            Layout::Rgba,
            "gif-anim.ref.png",
            f64::INFINITY,
        ),
    ] {
        let (raster, kind, warning) = decoded(name);
        assert_eq!(kind, ImageKind::Jxl);
        assert_eq!(
            (raster.width, raster.height, raster.layout),
            (64, 48, layout),
            "{name}"
        );
        let p = psnr(&raster.data, &reference(reference_file, layout));
        assert!(p >= floor, "{name}: {p:.1} dB");
        assert_eq!(
            warning.is_some(),
            name == "jxl-anim.jxl",
            "{name}: {warning:?}"
        );
    }
    for lenient in [false, true] {
        let err = decode(&fixture("jxl-cut.jxl"), 1_000_000, lenient).unwrap_err();
        assert!(matches!(err, ItemError::Damaged(_)), "{err:?}");
    }
    let err = decode(&fixture("jxl-lossy.jxl"), 1000, false).unwrap_err();
    assert!(matches!(err, ItemError::TooLarge { .. }), "{err:?}");
}
