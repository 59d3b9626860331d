//! Option values as the command line passes them: every text parser of `fanlight`'s options
//! (the command line's clap value parsers call exactly these), and what is computed from the
//! values they accept: resize targets, a filter applied to a small image, output names from
//! `--name` templates, a rasterized watermark.
//!
//! The first byte picks the parser; the rest is the text. Nothing may panic, and accepted values
//! must behave: resize targets are at least 1 pixel and inside the box, filters keep the size,
//! output names stay inside the output folder.
#![no_main]

use std::path::Path;

use fanlight::{
    parse_count, parse_duration, parse_font_size, parse_name_template, parse_opacity,
    parse_pixels, parse_png_level, parse_quality, parse_scale, Background, Chroma, FontSize,
    OnExists, PoolSize, Rgb, Shard,
};
use fanlight::internals::filters::{apply, FilterScratch};
use fanlight::internals::raster::{Layout, Raster};
use fanlight::internals::output_path;
use fanlight::{FilterSpec, Format, Gravity, ResizeSpec, Suffix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 8 {
        0 => resize(text),
        1 => filter(text),
        2 => {
            if let Ok(d) = parse_duration(text) {
                assert!(!d.is_zero() || text.contains('0'));
            }
        }
        3 => {
            if let Ok(s) = text.parse::<Shard>() {
                assert!(1 <= s.index && s.index <= s.count);
            }
        }
        4 => name(text),
        5 => {
            let _ = text.parse::<Rgb>();
            let _ = text.parse::<Gravity>();
            let _ = text.parse::<Format>();
            let _ = text.parse::<OnExists>();
            let _ = text.parse::<PoolSize>();
            let _ = text.parse::<Chroma>();
            let _ = text.parse::<FontSize>();
        }
        6 => {
            if let Ok(o) = parse_opacity(text) {
                assert!((0.0..=1.0).contains(&o));
            }
            if let Ok(q) = parse_quality(text) {
                assert!((1..=100).contains(&q));
            }
            if let Ok(n) = parse_count(text) {
                assert!(n >= 1);
            }
            if let Ok(level) = parse_png_level(text) {
                assert!(level <= 9);
            }
            if let Ok(scale) = parse_scale(text) {
                assert!(scale.is_finite() && scale > 0.0);
            }
            if let Ok(px) = parse_font_size(text) {
                assert!(px.is_finite() && px > 0.0);
            }
            // Any count, 0 (no limit) included; never a panic on overflow.
            let _ = parse_pixels(text);
            let _ = text.parse::<Background>();
        }
        _ => watermark(text),
    }
});

fn resize(text: &str) {
    let Ok(spec) = text.parse::<ResizeSpec>() else {
        return;
    };
    for (w, h) in [(1, 1), (7, 3), (4000, 3000), (65_535, 1), (1, 65_535)] {
        for enlarge in [false, true] {
            let (tw, th) = spec.target(w, h, enlarge);
            assert!(tw >= 1 && th >= 1, "{spec:?} {w}x{h} -> {tw}x{th}");
            // `<` (enlarge only) grows small photos and leaves large ones as they are.
            let grows = spec.suffix() == Some(Suffix::EnlargeOnly);
            if !enlarge && !grows {
                assert!(tw <= w && th <= h, "{spec:?} enlarged {w}x{h} -> {tw}x{th}");
            }
            if let (Some((width, height)), false) = (spec.sides(), grows) {
                assert!(width.is_none_or(|b| tw <= b) && height.is_none_or(|b| th <= b));
            }
            if grows {
                assert!(tw >= w && th >= h, "{spec:?} shrank {w}x{h} -> {tw}x{th}");
            }
        }
    }
}

fn filter(text: &str) {
    let Ok(spec) = text.parse::<FilterSpec>() else {
        return;
    };
    let img = Raster::from_vec(
        5,
        4,
        Layout::Rgb,
        (0..60u8).map(|i| i.wrapping_mul(37)).collect(),
    );
    let out = apply(img, &spec, &mut FilterScratch::default());
    assert_eq!((out.width, out.height), (5, 4), "{spec:?}");
    assert_eq!(out.data.len(), 20 * out.layout.channels());
}

fn name(text: &str) {
    let out = Path::new("out");
    if parse_name_template(text).is_err() {
        return;
    }
    for rel in ["photo.jpg", "sub/IMG 1.png", "noext", "a.b.c.jpeg"] {
        for format in [Format::Same, Format::Jpeg, Format::Png] {
            let path = output_path(out, Path::new(rel), format, text);
            let inside = path.strip_prefix(out).expect("under the output folder");
            assert!(
                inside
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))),
                "{text:?} + {rel} -> {}",
                path.display()
            );
            assert_eq!(
                inside.parent(),
                Path::new(rel).parent(),
                "{text:?} moved {rel} to {}",
                path.display()
            );
        }
    }
}

fn watermark(text: &str) {
    let mut spec = fanlight::WatermarkSpec::new(text);
    spec.font_size = 12.0;
    let _ = fanlight::internals::prepare_watermark(&spec);
}
