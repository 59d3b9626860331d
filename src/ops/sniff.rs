//! Content detection: which image format a file holds, from its first bytes (never its name),
//! and whether it holds more than the one still image fanlight reads (animations, pages).

use super::decode::ImageKind;

/// The format of `bytes`, from their signature; `None` when no format fanlight knows matches.
///
/// HEIF and AVIF share one container (ISO BMFF): they are told apart by the `ftyp` box's major
/// brand, then by its compatible brands (a generic `mif1` file lists its codec there).
#[must_use]
pub fn detect(bytes: &[u8]) -> Option<ImageKind> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(ImageKind::Webp)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(ImageKind::Gif)
    } else if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        Some(ImageKind::Tiff)
    } else if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        Some(ImageKind::Jxl)
    } else if bytes.get(4..8) == Some(b"ftyp") {
        iso_bmff_kind(bytes)
    } else {
        None
    }
}

/// The brands of the `ftyp` box at the start of `bytes`: the major brand, then (after the minor
/// version) the compatible brands.
fn brands(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let size = bytes
        .get(..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let ftyp = bytes.get(8..size.min(bytes.len())).unwrap_or(&[]);
    let major = ftyp.get(..4).into_iter();
    major.chain(ftyp.get(8..).unwrap_or(&[]).chunks_exact(4))
}

/// Whether an ISO BMFF file (HEIF, AVIF) says it holds an image sequence (`avis`, `msf1`
/// brands): fanlight reads its still (primary) image.
pub(crate) fn is_image_sequence(bytes: &[u8]) -> bool {
    brands(bytes).any(|b| matches!(b, b"avis" | b"msf1" | b"heis" | b"hevs"))
}

/// HEIF or AVIF, from the brands of the `ftyp` box at the start of `bytes`.
fn iso_bmff_kind(bytes: &[u8]) -> Option<ImageKind> {
    let mut heif_family = false;
    for brand in brands(bytes) {
        match brand {
            b"avif" | b"avis" => return Some(ImageKind::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => {
                return Some(ImageKind::Heif)
            }
            b"mif1" | b"mif2" | b"msf1" => heif_family = true,
            _ => {}
        }
    }
    // A generic HEIF file with no codec brand: the HEIF reader says what it holds.
    heif_family.then_some(ImageKind::Heif)
}

/// What a file holds beyond its first still image, when it does: an animation (GIF, APNG,
/// WebP) or more pages (TIFF). fanlight reads the first frame or page; this is the warning.
#[must_use]
pub fn extra_frames(bytes: &[u8], kind: ImageKind) -> Option<String> {
    match kind {
        ImageKind::Gif => {
            let frames = gif_frames(bytes);
            (frames > 1).then(|| format!("animated GIF ({frames} frames): only the first is read"))
        }
        ImageKind::Png => png_is_animated(bytes)
            .then(|| "animated PNG (APNG): only the still image is read".into()),
        ImageKind::Webp => {
            webp_is_animated(bytes).then(|| "animated WebP: only the first frame is read".into())
        }
        ImageKind::Tiff => {
            let pages = tiff_pages(bytes);
            (pages > 1).then(|| format!("TIFF of {pages} pages: only the first is read"))
        }
        ImageKind::Avif | ImageKind::Heif => is_image_sequence(bytes).then(|| {
            format!(
                "{} image sequence: only its still image is read",
                kind.name().to_uppercase()
            )
        }),
        _ => None,
    }
}

/// The JPEG coding variant of `bytes` when it is one fanlight does not decode (lossless, more
/// than 8 bits a sample), read from the markers before the first scan. Such files are valid:
/// they are unsupported, not damaged. Arithmetic coding (SOF9, SOF10) is decoded.
#[must_use]
pub fn unsupported_jpeg(bytes: &[u8]) -> Option<String> {
    let (marker, at) = jpeg_frame(bytes)?;
    let lossless = matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF);
    // Hierarchical frames (SOF5-7, SOF13-15) are a differential mode nothing here decodes.
    let hierarchical = matches!(marker, 0xC5..=0xC7 | 0xCD..=0xCF);
    if lossless {
        return Some(format!("lossless JPEG (SOF{})", marker - 0xC0));
    }
    if hierarchical {
        return Some(format!("hierarchical JPEG (SOF{})", marker - 0xC0));
    }
    let precision = *bytes.get(at + 4)?;
    (precision != 8).then(|| format!("{precision}-bit JPEG (fanlight decodes 8-bit JPEGs)"))
}

/// Whether the JPEG's frame is arithmetic-coded (SOF9 to SOF15 but SOF12, which is DAC's
/// neighbour, not a frame), read from the markers before the first scan.
#[must_use]
pub fn jpeg_is_arithmetic(bytes: &[u8]) -> bool {
    jpeg_frame(bytes).is_some_and(|(marker, _)| matches!(marker, 0xC9..=0xCB | 0xCD..=0xCF))
}

/// The JPEG's frame marker (SOF0 to SOF15, not DHT, JPG or DAC) and where it starts, found by
/// walking the marker segments before the first scan; `None` when a scan or damage comes first.
fn jpeg_frame(bytes: &[u8]) -> Option<(u8, usize)> {
    before_first_scan(bytes, |marker, at| {
        (matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC))
            .then_some((marker, at))
    })
}

/// Whether the JPEG has an Adobe APP14 segment before its first scan. Adobe's CMYK JPEGs (and
/// every CMYK JPEG since Photoshop) store their inks inverted, 255 for no ink, and say so with
/// this segment: libjpeg, libvips and Pillow read it the same way.
#[must_use]
pub fn jpeg_has_adobe_segment(bytes: &[u8]) -> bool {
    before_first_scan(bytes, |marker, at| {
        (marker == 0xEE && bytes.get(at + 4..at + 9) == Some(b"Adobe")).then_some(())
    })
    .is_some()
}

/// The first `Some` that `found` gives for a marker segment (its marker and offset) of the JPEG
/// before its first scan; `None` when a scan, the end or damage comes first.
fn before_first_scan<T>(bytes: &[u8], mut found: impl FnMut(u8, usize) -> Option<T>) -> Option<T> {
    let mut at = 2;
    while let Some(&[0xFF, marker]) = bytes.get(at..at + 2) {
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes(
            bytes.get(at + 2..at + 4)?.try_into().ok()?,
        ));
        if let Some(value) = found(marker, at) {
            return Some(value);
        }
        if marker == 0xDA {
            return None;
        }
        at += 2 + len;
    }
    None
}

/// Image descriptors in a GIF, counted by walking its blocks (stops at 1000 or at damage; the
/// decoder judges the damage).
fn gif_frames(bytes: &[u8]) -> usize {
    let Some(&flags) = bytes.get(10) else {
        return 0;
    };
    let mut at = 13;
    if flags & 0x80 != 0 {
        at += 3 << ((flags & 7) + 1);
    }
    // Skips data sub-blocks (length byte, then that many bytes) up to the empty one.
    let skip_blocks = |mut at: usize| -> Option<usize> {
        loop {
            let len = usize::from(*bytes.get(at)?);
            at += 1 + len;
            if len == 0 {
                return Some(at);
            }
        }
    };
    let mut frames = 0;
    while frames < 1000 {
        match bytes.get(at) {
            Some(0x21) => match skip_blocks(at + 2) {
                Some(next) => at = next,
                None => break,
            },
            Some(0x2C) => {
                frames += 1;
                let Some(&local) = bytes.get(at + 9) else {
                    break;
                };
                at += 10;
                if local & 0x80 != 0 {
                    at += 3 << ((local & 7) + 1);
                }
                // The LZW minimum code size, then the image data.
                match skip_blocks(at + 1) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            _ => break,
        }
    }
    frames
}

/// Whether a PNG has an animation control chunk (`acTL`) before its image data.
fn png_is_animated(bytes: &[u8]) -> bool {
    png_has_chunk(bytes, b"acTL")
}

/// Whether the PNG has a chunk of `kind` before its image data (walking the chunks).
#[must_use]
pub fn png_has_chunk(bytes: &[u8], kind: &[u8; 4]) -> bool {
    let mut at = 8;
    while let Some(head) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        match &head[4..8] {
            found if found == kind => return true,
            b"IDAT" | b"IEND" => return false,
            _ => at = at.saturating_add(12).saturating_add(len),
        }
    }
    false
}

/// A PNG's width and height from its header (the first chunk).
#[must_use]
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let field = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    Some((field(16)?, field(20)?))
}

/// Whether an extended WebP (`VP8X`) has its animation flag set.
fn webp_is_animated(bytes: &[u8]) -> bool {
    bytes.get(12..16) == Some(b"VP8X") && bytes.get(20).is_some_and(|f| f & 0x02 != 0)
}

/// Image file directories in a TIFF's chain (pages, and reduced-size previews stored as
/// pages), counted up to 1000 or to the first offset that leads nowhere.
fn tiff_pages(bytes: &[u8]) -> usize {
    let big_endian = bytes.starts_with(b"MM");
    let read = |at: usize, n: usize| -> Option<u64> {
        let b = bytes.get(at..at.checked_add(n)?)?;
        Some(b.iter().enumerate().fold(0u64, |v, (i, &x)| {
            let shift = if big_endian { n - 1 - i } else { i };
            v | u64::from(x) << (8 * shift)
        }))
    };
    let big = read(2, 2) == Some(43);
    let (first, count_len, entry_len, offset_len) = if big {
        (read(8, 8), 8, 20, 8)
    } else {
        (read(4, 4), 2, 12, 4)
    };
    let mut next = first.unwrap_or(0);
    let mut seen = Vec::new();
    while next != 0 && seen.len() < 1000 && !seen.contains(&next) {
        seen.push(next);
        let Ok(at) = usize::try_from(next) else { break };
        let Some(entries) = read(at, count_len).and_then(|n| usize::try_from(n).ok()) else {
            break;
        };
        let link = entries
            .checked_mul(entry_len)
            .and_then(|n| n.checked_add(at + count_len));
        next = link.and_then(|l| read(l, offset_len)).unwrap_or(0);
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heif_and_avif_are_told_apart_by_their_brands() {
        let ftyp = |major: &[u8; 4], compatible: &[&[u8; 4]]| {
            let mut b = ((16 + 4 * compatible.len()) as u32).to_be_bytes().to_vec();
            b.extend_from_slice(b"ftyp");
            b.extend_from_slice(major);
            b.extend_from_slice(&[0; 4]);
            for c in compatible {
                b.extend_from_slice(*c);
            }
            b.extend_from_slice(b"\0\0\0\x08meta");
            b
        };
        assert_eq!(detect(&ftyp(b"heic", &[b"mif1"])), Some(ImageKind::Heif));
        assert_eq!(detect(&ftyp(b"mif1", &[b"heic"])), Some(ImageKind::Heif));
        assert_eq!(detect(&ftyp(b"mif1", &[b"miaf"])), Some(ImageKind::Heif));
        assert_eq!(detect(&ftyp(b"avif", &[b"mif1"])), Some(ImageKind::Avif));
        assert_eq!(detect(&ftyp(b"mif1", &[b"avif"])), Some(ImageKind::Avif));
        assert_eq!(detect(&ftyp(b"isom", &[b"mp41"])), None, "a video");
        assert_eq!(detect(b"\0\0\0\x08ftyp"), None, "too short");
    }

    #[test]
    fn other_signatures() {
        assert_eq!(detect(b"GIF89a\x01\0\x01\0"), Some(ImageKind::Gif));
        assert_eq!(detect(b"II*\0\x08\0\0\0"), Some(ImageKind::Tiff));
        assert_eq!(detect(b"MM\0*\0\0\0\x08"), Some(ImageKind::Tiff));
        assert_eq!(detect(&[0xFF, 0x0A, 0xFA]), Some(ImageKind::Jxl));
        assert_eq!(detect(b"<html>"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn jpeg_variants_fanlight_does_not_decode_are_named() {
        let jpeg = |marker: u8, precision: u8| {
            let mut b = vec![
                0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, marker, 0, 11, precision,
            ];
            b.extend_from_slice(&[0, 8, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 2]);
            b
        };
        assert_eq!(unsupported_jpeg(&jpeg(0xC0, 8)), None);
        assert_eq!(unsupported_jpeg(&jpeg(0xC2, 8)), None);
        assert!(unsupported_jpeg(&jpeg(0xC3, 8))
            .unwrap()
            .contains("lossless JPEG (SOF3)"));
        assert_eq!(unsupported_jpeg(&jpeg(0xC9, 8)), None, "arithmetic");
        assert!(jpeg_is_arithmetic(&jpeg(0xC9, 8)));
        assert!(jpeg_is_arithmetic(&jpeg(0xCA, 8)));
        assert!(!jpeg_is_arithmetic(&jpeg(0xC0, 8)));
        assert!(!jpeg_is_arithmetic(&jpeg(0xC2, 8)));
        assert_eq!(
            unsupported_jpeg(&jpeg(0xCA, 8)),
            None,
            "progressive arithmetic"
        );
        assert!(unsupported_jpeg(&jpeg(0xC9, 12))
            .unwrap()
            .contains("12-bit"));
        assert!(unsupported_jpeg(&jpeg(0xC5, 8))
            .unwrap()
            .contains("hierarchical"));
        assert!(unsupported_jpeg(&jpeg(0xC1, 12))
            .unwrap()
            .contains("12-bit"));
        assert_eq!(
            unsupported_jpeg(&[0xFF, 0xD8, 0xFF]),
            None,
            "cut: the decoder says"
        );
    }

    #[test]
    fn a_tiff_whose_pages_loop_is_counted_once() {
        // Header, then one IFD of no entries at 8 whose next offset points back to itself.
        let tiff = b"II*\0\x08\0\0\0\0\0\x08\0\0\0";
        assert_eq!(tiff_pages(tiff), 1);
    }
}
