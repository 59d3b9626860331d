//! Hostile and odd files: each bad one is named with a plain reason and gets no output, the rest
//! of the batch is written, and valid-but-odd files are processed normally.

use std::time::Duration;

use crate::common::*;
use fanlight::{Config, ItemError};

fn real_jpeg() -> Vec<u8> {
    std::fs::read(bundled_photos().join("rocket.jpg")).unwrap()
}

#[test]
fn every_bad_file_is_named_and_skipped_while_the_rest_are_written() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 3);
    let jpeg = real_jpeg();
    let mut corrupt = jpeg.clone();
    for i in (2_000..corrupt.len() - 2_000).step_by(997) {
        corrupt[i] = corrupt[i].wrapping_mul(7).wrapping_add(91);
    }
    let header_only = jpeg[..jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap()].to_vec();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(picture(20, 20, 1))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut bad_crc = png.clone();
    let idat = bad_crc.windows(4).position(|w| w == b"IDAT").unwrap();
    bad_crc[idat + 8] ^= 0x55;
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("zero.jpg", Vec::new()),
        ("truncated.jpg", jpeg[..jpeg.len() / 2].to_vec()),
        // Cut short, then closed with an end-of-image marker (as a tool that "repairs" an
        // interrupted copy does): it used to come out with its lower half a flat band.
        (
            "truncated-closed.jpg",
            [&jpeg[..jpeg.len() / 2], &[0xFF, 0xD9]].concat(),
        ),
        ("corrupt.jpg", corrupt),
        (
            "random.jpg",
            (0..5_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        (
            "page.jpg",
            b"<!doctype html><html><body>404</body></html>".to_vec(),
        ),
        ("header-only.jpg", header_only),
        ("bad-crc.png", bad_crc),
    ];
    for (name, bytes) in &bad {
        std::fs::write(input.join(name), bytes).unwrap();
    }
    let out = tmp.path().join("out");
    let report = run_watched(
        Config::new(vec![input.clone()], &out),
        Duration::from_secs(60),
    );
    assert_eq!(report.ok, 3, "{:#?}", report.failures);
    assert_eq!(report.failed, bad.len());
    for (name, _) in &bad {
        let f = report
            .failures
            .iter()
            .find(|f| f.job.src.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not reported"));
        assert!(
            !matches!(f.error, ItemError::Panic(_)),
            "{name}: {}",
            f.error
        );
        assert!(f.to_string().contains(name), "{}", f);
        assert!(!out.join(name).exists(), "no output for {name}");
    }
    assert_eq!(files_below(&out).len(), 3);
}

#[test]
fn lenient_accepts_a_truncated_jpeg_as_best_effort() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let jpeg = real_jpeg();
    std::fs::write(input.join("truncated.jpg"), &jpeg[..jpeg.len() * 2 / 3]).unwrap();
    write_jpeg(&input.join("whole.jpg"), &picture(40, 30, 0), None);
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![input.clone()], &out);
    config.lenient = true;
    let report = run_watched(config, Duration::from_secs(60));
    assert_eq!(report.ok, 2, "{:?}", report.failures);
    assert!(out.join("truncated.jpg").is_file() && out.join("whole.jpg").is_file());
    // The damaged one is written but reported; the whole one is not.
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = &report.warnings[0];
    assert_eq!(warning.job.src, input.join("truncated.jpg"));
    assert_eq!(warning.stage, fanlight::StageName::Load);
    assert!(warning.message.contains("truncated"), "{}", warning.message);
}

#[test]
fn lenient_warnings_are_printed_counted_and_in_the_json_report_with_exit_0() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let jpeg = real_jpeg();
    std::fs::write(input.join("cut.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    write_png(&input.join("fine.png"), &picture(20, 20, 3));
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "--lenient",
            "--report",
            "r.json",
        ],
        tmp.path(),
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "written with a warning: {err}");
    assert!(tmp.path().join("out/cut.jpg").is_file());
    assert!(
        err.lines().any(|l| l.starts_with("warning: ")
            && l.contains("cut.jpg")
            && l.contains("truncated")),
        "{err}"
    );
    assert!(
        err.contains("2 written, 0 failed, 1 with warnings"),
        "{err}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(r["images"]["ok"], 2);
    assert_eq!(r["images"]["warnings"], 1);
    let warnings = r["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0]["path"].as_str().unwrap().ends_with("cut.jpg"));
    assert_eq!(warnings[0]["stage"], "load");
    assert!(warnings[0]["warning"]
        .as_str()
        .unwrap()
        .contains("truncated"));
    assert!(r["failures"].as_array().unwrap().is_empty());

    // Without --lenient the same file fails: exit 1, nothing written for it.
    let o = fanlight(&["convert", "in", "-o", "strict"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(!tmp.path().join("strict/cut.jpg").exists());
}

#[test]
fn odd_but_valid_files_are_processed_normally() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_png(&input.join("one-pixel.png"), &picture(1, 1, 0));
    std::fs::write(input.join("really-a-jpeg.png"), real_jpeg()).unwrap();
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![input], &out);
    config.resize = Some("50%".parse().unwrap());
    config.filters = vec!["unsharp".parse().unwrap()];
    config.watermark = Some(fanlight::WatermarkSpec::new("(c)"));
    let report = run_watched(config, Duration::from_secs(60));
    assert_eq!(report.ok, 2, "{:?}", report.failures);
    let img = image::open(out.join("really-a-jpeg.png")).unwrap();
    assert_eq!((img.width(), img.height()), (320, 214));
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // A PNG header declaring 60000 x 60000 with almost no data behind it.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x63\x60\x00\x00".to_vec();
    png.extend_from_slice(&6u32.to_be_bytes());
    png.extend_from_slice(&idat);
    png.extend_from_slice(&crc32(&idat).to_be_bytes());
    std::fs::write(input.join("bomb.png"), png).unwrap();
    let report = run_watched(
        Config::new(vec![input], tmp.path().join("out")),
        Duration::from_secs(20),
    );
    assert_eq!(report.failed, 1);
    assert!(
        matches!(
            report.failures[0].error,
            ItemError::TooLarge { width: 60_000, .. }
        ),
        "{}",
        report.failures[0].error
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_the_rest_are_written() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let jpeg = real_jpeg();
    std::fs::write(input.join("a.jpg"), &jpeg).unwrap();
    // A sparse 3 GB file named like a photo: refused from its size, never read.
    let big = std::fs::File::create(input.join("video.jpg")).unwrap();
    big.set_len(3 << 30).unwrap();
    let mut config = Config::new(vec![input.clone()], tmp.path().join("out"));
    let report = run_watched(config.clone(), Duration::from_secs(20));
    assert_eq!((report.ok, report.failed), (1, 1));
    let failure = &report.failures[0];
    assert!(failure.job.src.ends_with("video.jpg"));
    assert!(
        matches!(
            failure.error,
            ItemError::FileTooLarge {
                bytes: 3_221_225_472,
                limit: 2_147_483_648
            }
        ),
        "{}",
        failure.error
    );
    // A library run's advice names the library's field, not the command line's flag.
    assert!(
        failure.to_string().contains("raise Config::max_file_size"),
        "{failure}"
    );
    // The limit is exact: a file of exactly the limit is read.
    config.max_file_size = jpeg.len() as u64;
    let report = run_watched(config.clone(), Duration::from_secs(20));
    assert_eq!(report.ok, 1, "{:?}", report.failures);
    config.max_file_size = jpeg.len() as u64 - 1;
    let report = run_watched(config, Duration::from_secs(20));
    assert_eq!((report.ok, report.failed), (0, 2));
}

#[test]
fn a_motion_photo_is_written_as_its_still_with_a_warning_and_padding_is_no_damage() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let jpeg = real_jpeg();
    // What a Pixel writes: the JPEG, then an MP4 (its boxes can hold FF D9 anywhere).
    let mut video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    video.extend((0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    video.extend_from_slice(&[0xFF, 0xD9, 0x00]);
    std::fs::write(input.join("PXL_MP.jpg"), [&jpeg[..], &video[..]].concat()).unwrap();
    // Padding longer than the 4 KiB the old check allowed.
    std::fs::write(
        input.join("padded.jpg"),
        [&jpeg[..], &[0u8; 10_000][..]].concat(),
    )
    .unwrap();
    std::fs::write(input.join("plain.jpg"), &jpeg).unwrap();
    let out = tmp.path().join("out");
    let report = run_watched(Config::new(vec![input], &out), Duration::from_secs(30));
    assert_eq!((report.ok, report.failed), (3, 0), "{:?}", report.failures);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = report.warnings[0].to_string();
    assert!(
        warning.contains("PXL_MP.jpg") && warning.contains("motion photo"),
        "{warning}"
    );
    let plain = std::fs::read(out.join("plain.jpg")).unwrap();
    assert_eq!(
        std::fs::read(out.join("PXL_MP.jpg")).unwrap(),
        plain,
        "the same still"
    );
    assert_eq!(std::fs::read(out.join("padded.jpg")).unwrap(), plain);
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_damaged_progressive_jpeg_that_panicked_the_decoder_fails_as_damaged_not_as_a_bug() {
    // Found by the `decode` fuzz target: an assert in zune-jpeg's AVX2 upsampler (lenient path).
    let bytes = include_bytes!("../data/fuzz-zune-upsampler-panic.jpg");
    for lenient in [false, true] {
        // Strictly it is damage a best effort might cover (the `--lenient` hint); with
        // `lenient` already on, the best effort failed too, so no hint.
        match fanlight::internals::decode::decode(bytes, 4_000_000, lenient) {
            Err(ItemError::Decode(_)) if !lenient => {}
            Err(ItemError::Damaged(_)) if lenient => {}
            Err(other) => panic!("lenient {lenient}: unexpected {other:?}"),
            Ok(d) => panic!(
                "lenient {lenient}: decoded {:?}",
                (d.raster.width, d.raster.height)
            ),
        }
    }
}

#[test]
fn arithmetic_coded_jpegs_decode_as_libjpeg_turbo_decodes_them() {
    // `cjpeg -arithmetic` (libjpeg-turbo 2.1.5) of a 64x48 picture; the reference is
    // `djpeg -ppm` of it (libjpeg-turbo 2.1.5), as PNG.
    let arithmetic = include_bytes!("../data/arithmetic.jpg");
    let reference = image::load_from_memory(include_bytes!("../data/arithmetic.ref.png"))
        .unwrap()
        .to_rgb8();
    let decoded = fanlight::internals::decode::decode(arithmetic, 4_000_000, false).unwrap();
    let r = &decoded.raster;
    assert_eq!((r.width, r.height), reference.dimensions());
    assert_eq!(
        r.data,
        reference.as_raw().as_slice(),
        "bit-identical to djpeg"
    );
}

#[test]
fn lossless_and_12_bit_jpegs_are_unsupported_without_a_lenient_hint() {
    // A baseline JPEG with its frame marker made SOF3, or SOF1 with 12-bit precision.
    let tmp = tempdir();
    let path = tmp.path().join("a.jpg");
    write_jpeg(&path, &picture(16, 16, 0), None);
    let baseline = std::fs::read(path).unwrap();
    let sof = baseline.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let mut lossless = baseline.clone();
    lossless[sof + 1] = 0xC3;
    let mut twelve = baseline.clone();
    twelve[sof + 1] = 0xC1;
    twelve[sof + 4] = 12;
    for (bytes, what) in [
        (lossless, "unsupported: lossless JPEG (SOF3)"),
        (twelve, "unsupported: 12-bit JPEG"),
    ] {
        for lenient in [false, true] {
            let err = fanlight::internals::decode::decode(&bytes, 4_000_000, lenient).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with(what), "{text}");
            assert!(!text.contains("lenient"), "{text}");
        }
    }
}

#[test]
fn panoramas_wider_or_taller_than_16384_are_written() {
    // zune-jpeg refuses more than 16384 a side unless told otherwise; --max-pixels is the
    // only limit. (20000x2500 and 2500x20000, 50 MP, are measured in the README.)
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_jpeg(&input.join("wide.jpg"), &picture(20_000, 40, 0), None);
    write_jpeg(&input.join("tall.jpg"), &picture(40, 20_000, 0), None);
    let out = fanlight(
        &["convert", "in", "-o", "out", "-q", "--format", "png"],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let wide = image::open(tmp.path().join("out/wide.png")).unwrap();
    assert_eq!((wide.width(), wide.height()), (20_000, 40));
    let tall = image::open(tmp.path().join("out/tall.png")).unwrap();
    assert_eq!((tall.width(), tall.height()), (40, 20_000));
    let limited = fanlight(
        &["convert", "in", "-o", "lim", "-q", "--max-pixels", "700000"],
        tmp.path(),
    );
    assert_eq!(limited.status.code(), Some(1));
    assert!(
        stderr(&limited).contains("over the limit of 700000"),
        "{}",
        stderr(&limited)
    );
}

#[test]
fn max_pixels_takes_exponents_and_megapixels_and_0_means_no_limit() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_png(&input.join("p.png"), &picture(100, 60, 0));
    let run = |limit: &str, out: &str| {
        fanlight(
            &["convert", "in", "-o", out, "-q", "--max-pixels", limit],
            tmp.path(),
        )
    };
    let refused = run("5e3", "a");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("over the limit of 5000"),
        "{}",
        stderr(&refused)
    );
    for (limit, out) in [("0", "b"), ("0.006M", "c"), ("6000", "d")] {
        let done = run(limit, out);
        assert!(done.status.success(), "{limit}: {}", stderr(&done));
        assert!(tmp.path().join(out).join("p.png").exists(), "{limit}");
    }
    let bad = run("1.5", "e");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("a pixel count is a whole number"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_png_whose_icc_profile_inflates_past_the_limit_is_written_without_it_and_a_warning() {
    use fanlight::internals::decode::{decode, PNG_ANCILLARY_LIMIT};
    // An iCCP chunk of zeros that inflates to twice the limit (it compresses to a few hundred
    // KB): read in full, as before, it cost its inflated size in memory.
    let mut png = Vec::new();
    {
        let mut info = png::Info::with_size(8, 8);
        info.color_type = png::ColorType::Rgb;
        info.icc_profile = Some(vec![0u8; 2 * PNG_ANCILLARY_LIMIT as usize].into());
        let enc = png::Encoder::with_info(&mut png, info).unwrap();
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[90; 8 * 8 * 3]).unwrap();
    }
    assert!(
        png.len() < PNG_ANCILLARY_LIMIT as usize / 8,
        "{} bytes",
        png.len()
    );
    let d = decode(&png, 1_000_000, false).unwrap();
    assert_eq!(d.icc, None, "the profile is dropped, not inflated");
    assert!(d.raster.data == [90; 8 * 8 * 3], "the pixels are kept");
    let warning = d.warning.unwrap_or_default();
    assert!(
        warning.contains("ICC profile") && warning.contains("dropped"),
        "{warning}"
    );
}
