//! Colour profiles travel from input to output; EXIF does not (the orientation is already applied).

mod common;

use std::time::Duration;

use common::*;
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
