//! Output formats and their encoder options: WebP lossy and lossless, WebP input, progressive
//! JPEG, chroma subsampling, PNG levels, and AVIF behind its cargo feature.

use std::path::Path;

use crate::common::*;

/// A folder `in/` holding one 96x64 JPEG (quality 95) and one 80x50 PNG.
fn inputs(root: &Path) -> std::path::PathBuf {
    let input = root.join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_jpeg(&input.join("a.jpg"), &picture(96, 64, 0), None);
    write_png(&input.join("b.png"), &picture(80, 50, 60));
    input
}

fn convert(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["convert", "in", "-o", "out", "-q"];
    all.extend_from_slice(args);
    let out = fanlight(&all, root);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

/// The RIFF chunk names of a WebP file.
fn webp_chunks(bytes: &[u8]) -> Vec<String> {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WEBP");
    let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff + 8, bytes.len(), "RIFF size matches the file");
    let mut at = 12;
    let mut names = Vec::new();
    while at + 8 <= bytes.len() {
        names.push(String::from_utf8_lossy(&bytes[at..at + 4]).into_owned());
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8 + size + (size & 1);
    }
    names
}

#[test]
fn webp_lossy_output_decodes_close_to_the_input_and_mirrors_names() {
    let tmp = tempdir();
    inputs(tmp.path());
    convert(tmp.path(), &["--format", "webp", "--quality", "90"]);
    let out = tmp.path().join("out");
    assert_eq!(
        files_below(&out),
        [Path::new("a.webp"), Path::new("b.webp")]
    );
    let bytes = std::fs::read(out.join("b.webp")).unwrap();
    assert!(webp_chunks(&bytes).contains(&"VP8 ".to_string()), "lossy");
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
        .unwrap()
        .to_rgb8();
    let diff = mean_abs_diff(&decoded, &picture(80, 50, 60));
    assert!(diff > 0.0 && diff < 6.0, "mean difference {diff}");
}

#[test]
fn webp_lossless_output_is_pixel_exact() {
    let tmp = tempdir();
    inputs(tmp.path());
    convert(tmp.path(), &["--format", "webp", "--lossless"]);
    let bytes = std::fs::read(tmp.path().join("out/b.webp")).unwrap();
    assert_eq!(webp_chunks(&bytes), ["VP8L"]);
    let decoded = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(decoded, picture(80, 50, 60));
}

#[test]
fn webp_lower_quality_gives_smaller_files() {
    let tmp = tempdir();
    inputs(tmp.path());
    convert(tmp.path(), &["--format", "webp", "--quality", "95"]);
    let high = std::fs::metadata(tmp.path().join("out/a.webp"))
        .unwrap()
        .len();
    convert(tmp.path(), &["--format", "webp", "--quality", "20"]);
    let low = std::fs::metadata(tmp.path().join("out/a.webp"))
        .unwrap()
        .len();
    assert!(low < high, "q20 {low} bytes, q95 {high} bytes");
}

#[test]
fn webp_inputs_are_read_and_found_in_folders() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let img = picture(50, 40, 10);
    img.save_with_format(input.join("w.webp"), image::ImageFormat::WebP)
        .unwrap();
    convert(tmp.path(), &["--format", "png"]);
    let decoded = image::open(tmp.path().join("out/w.png")).unwrap().to_rgb8();
    assert_eq!(decoded, img, "lossless WebP in, PNG out: exact");
    // --format same keeps WebP.
    let out = fanlight(&["convert", "in", "-o", "same", "-q"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(tmp.path().join("same/w.webp")).unwrap();
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::WebP
    );
}

/// The frame header (SOFn marker) of a JPEG: the marker byte and the luma sampling factors.
fn jpeg_frame(bytes: &[u8]) -> (u8, u8) {
    let mut at = 2;
    while at + 4 < bytes.len() {
        assert_eq!(bytes[at], 0xFF);
        let marker = bytes[at + 1];
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if (0xC0..=0xC2).contains(&marker) {
            // length(2) precision(1) height(2) width(2) components(1), then id, sampling, table.
            return (marker, bytes[at + 2 + 8 + 1]);
        }
        at += 2 + len;
    }
    panic!("no frame header");
}

#[test]
fn jpeg_progressive_and_chroma_options_reach_the_file() {
    let tmp = tempdir();
    inputs(tmp.path());
    let cases: [(&[&str], u8, u8); 5] = [
        (&[], 0xC0, 0x22),
        (&["--quality", "95"], 0xC0, 0x11),
        (&["--progressive"], 0xC2, 0x22),
        (&["--chroma", "444"], 0xC0, 0x11),
        (&["--chroma", "422", "--progressive"], 0xC2, 0x21),
    ];
    for (args, marker, sampling) in cases {
        let mut all = vec!["--format", "jpeg"];
        all.extend_from_slice(args);
        convert(tmp.path(), &all);
        let bytes = std::fs::read(tmp.path().join("out/b.jpg")).unwrap();
        assert_eq!(jpeg_frame(&bytes), (marker, sampling), "{args:?}");
        let decoded = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert!(
            mean_abs_diff(&decoded, &picture(80, 50, 60)) < 6.0,
            "{args:?}"
        );
    }
}

#[test]
fn png_levels_trade_size_and_keep_pixels() {
    let tmp = tempdir();
    inputs(tmp.path());
    convert(tmp.path(), &["--format", "png", "--png-level", "0"]);
    let none = std::fs::read(tmp.path().join("out/b.png")).unwrap();
    convert(tmp.path(), &["--format", "png", "--png-level", "9"]);
    let best = std::fs::read(tmp.path().join("out/b.png")).unwrap();
    assert!(
        best.len() < none.len() / 2,
        "{} vs {}",
        best.len(),
        none.len()
    );
    for bytes in [&none, &best] {
        assert_eq!(
            image::load_from_memory(bytes).unwrap().to_rgb8(),
            picture(80, 50, 60)
        );
    }
    let out = fanlight(&["convert", "in", "--png-level", "10"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("0 (no compression"),
        "{}",
        stderr(&out)
    );
}

#[cfg(not(feature = "avif"))]
#[test]
fn avif_without_the_feature_is_refused_saying_how_to_enable_it() {
    let tmp = tempdir();
    inputs(tmp.path());
    let out = fanlight(
        &["convert", "in", "-o", "out", "--format", "avif"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--features avif"), "{}", stderr(&out));
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

#[cfg(feature = "avif")]
#[test]
fn avif_output_is_an_avif_file_of_the_right_size() {
    let tmp = tempdir();
    inputs(tmp.path());
    convert(tmp.path(), &["--format", "avif", "--quality", "70"]);
    let bytes = std::fs::read(tmp.path().join("out/a.avif")).unwrap();
    assert_eq!(&bytes[4..12], b"ftypavif");
    // The image spatial extents property: version/flags, then width and height.
    let at = bytes
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("ispe box")
        + 8;
    let side = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!((side(at), side(at + 4)), (96, 64));
}

#[test]
fn jpegs_get_huffman_tables_made_for_them_unless_standard_ones_are_asked_for() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(bundled_photos().join("rocket.jpg"), input.join("a.jpg")).unwrap();
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["convert", "in", "-o", out, "-q", "--resize", "640"];
        args.extend_from_slice(extra);
        let o = fanlight(&args, tmp.path());
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(tmp.path().join(out).join("a.jpg")).unwrap()
    };
    let made = run("made", &[]);
    let standard = run("standard", &["--no-optimize-coding"]);
    // The last of the two spellings wins, as with other on/off pairs.
    let asked = run("asked", &["--no-optimize-coding", "--optimize-coding"]);
    assert!(
        made.len() * 100 < standard.len() * 99,
        "{} bytes against {} with the standard tables",
        made.len(),
        standard.len()
    );
    assert_eq!(made, asked);
    let pixels = |jpeg: &[u8]| image::load_from_memory(jpeg).unwrap().into_bytes();
    assert_eq!(pixels(&made), pixels(&standard), "the same pixels");
}
