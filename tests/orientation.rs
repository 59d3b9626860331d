//! Photos carrying an EXIF orientation come out upright, for all eight orientations.

mod common;

use std::time::Duration;

use common::*;
use fanlight::Config;

fn close(a: &[u8], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) < 40)
}

#[test]
fn exif_orientations_1_to_8_come_out_upright() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let upright = picture(96, 64, 0);
    for o in 1..=8u16 {
        write_jpeg(
            &input.join(format!("o{o}.jpg")),
            &stored_for(&upright, o),
            Some(o),
        );
    }
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
