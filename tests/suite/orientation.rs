//! Photos carrying an EXIF orientation come out upright, for all eight orientations.

use std::time::Duration;

use crate::common::*;
use fanlight::Config;

/// `dir/o1.jpg` … `o8.jpg`: `upright` stored as a camera would for each EXIF orientation, tagged.
fn orientation_folder(dir: &std::path::Path, upright: &image::RgbImage) {
    std::fs::create_dir_all(dir).unwrap();
    for o in 1..=8u16 {
        write_jpeg(
            &dir.join(format!("o{o}.jpg")),
            &stored_for(upright, o),
            Some(o),
        );
    }
}

fn close(a: &[u8], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) < 40)
}

#[test]
fn exif_orientations_1_to_8_come_out_upright() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    let upright = picture(96, 64, 0);
    orientation_folder(&input, &upright);
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![input], &out);
    config.output.format = fanlight::Format::Png;
    let report = run_watched(config, Duration::from_secs(60));
    assert_eq!(report.ok, 8, "{:?}", report.failures);
    for o in 1..=8 {
        let img = image::open(out.join(format!("o{o}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(img.dimensions(), (96, 64), "orientation {o}: not upright");
        assert!(
            close(&img.get_pixel(5, 5).0, [230, 20, 20]),
            "orientation {o}: red block not top-left"
        );
        assert!(
            close(&img.get_pixel(90, 58).0, [20, 20, 230]),
            "orientation {o}: blue block not bottom-right"
        );
    }
}

/// A photo still to be turned is resized as stored and turned afterwards (it is smaller then);
/// every fit mode must give what the upright photo gives: same size, same crop, same padding.
#[test]
fn every_orientation_resizes_crops_and_pads_like_the_upright_photo() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    let upright = picture(240, 160, 0);
    orientation_folder(&input, &upright);
    let modes: [&[&str]; 6] = [
        &["--resize", "120"],
        &[
            "--resize",
            "100x100",
            "--fit",
            "cover",
            "--gravity",
            "top-left",
        ],
        &[
            "--resize",
            "90x40",
            "--fit",
            "cover",
            "--gravity",
            "bottom-right",
        ],
        &[
            "--resize",
            "100x100",
            "--fit",
            "contain",
            "--gravity",
            "top",
            "--background",
            "#00ff00",
        ],
        &["--resize", "50x70", "--fit", "fill"],
        &["--resize", "240x100", "--fit", "cover"],
    ];
    for (m, mode) in modes.iter().enumerate() {
        let out = format!("out{m}");
        let mut args = vec!["convert", "in", "-o", &out, "--format", "png", "-q"];
        args.extend_from_slice(mode);
        let run = fanlight(&args, tmp.path());
        assert!(run.status.success(), "{mode:?}: {}", stderr(&run));
        let open = |o: u16| {
            image::open(tmp.path().join(&out).join(format!("o{o}.png")))
                .unwrap()
                .to_rgb8()
        };
        let reference = open(1);
        for o in 2..=8 {
            let turned = open(o);
            assert_eq!(turned.dimensions(), reference.dimensions(), "{mode:?} o{o}");
            let diff = mean_abs_diff(&turned, &reference);
            assert!(
                diff < 4.0,
                "{mode:?} orientation {o}: mean difference {diff:.1}"
            );
        }
    }
}

/// Writes `img` as a JPEG whose APP1 segments are `exifs`, in order (each a bare TIFF block).
fn jpeg_with_exifs(path: &std::path::Path, img: &image::RgbImage, exifs: &[Vec<u8>]) {
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 95)
        .encode_image(img)
        .unwrap();
    let mut out = plain[..2].to_vec();
    for exif in exifs {
        let body = [b"Exif\0\0".to_vec(), exif.clone()].concat();
        out.extend_from_slice(&[0xff, 0xe1]);
        out.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
        out.extend_from_slice(&body);
    }
    out.extend_from_slice(&plain[2..]);
    std::fs::write(path, out).unwrap();
}

#[test]
fn an_orientation_stored_as_long_or_in_the_first_of_two_exif_segments_is_applied() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let upright = picture(96, 64, 0);
    // Stored for orientation 6, tagged 6 as a LONG; and tagged 6 then 1 in two segments (the
    // first is the one libvips and exiftool apply).
    let mut long = exif_orientation(6);
    long[12..14].copy_from_slice(&4u16.to_le_bytes()); // the type: LONG
    long[18..22].copy_from_slice(&6u32.to_le_bytes()); // its four-byte value
    jpeg_with_exifs(&input.join("long.jpg"), &stored_for(&upright, 6), &[long]);
    jpeg_with_exifs(
        &input.join("two.jpg"),
        &stored_for(&upright, 6),
        &[exif_orientation(6), exif_orientation(1)],
    );
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![input], &out);
    config.output.format = fanlight::Format::Png;
    // The planned name's size must be the written one's.
    config.name_template = "{stem}-{width}x{height}.{ext}".into();
    let report = run_watched(config, Duration::from_secs(60));
    assert_eq!(report.ok, 2, "{:?}", report.failures);
    for stem in ["long", "two"] {
        let img = image::open(out.join(format!("{stem}-96x64.png")))
            .unwrap_or_else(|e| panic!("{stem}: {e}"))
            .to_rgb8();
        assert_eq!(img.dimensions(), (96, 64), "{stem}: not upright");
        assert!(
            close(&img.get_pixel(5, 5).0, [230, 20, 20]),
            "{stem}: red not top-left"
        );
    }
}
