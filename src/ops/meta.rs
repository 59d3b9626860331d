//! Metadata that travels from input to output (ICC profile, EXIF, XMP), and the small container
//! work needed to carry it: EXIF normalised with its orientation reset, and WebP files rebuilt in
//! the extended (`VP8X`) layout so they can hold `ICCP`, `EXIF` and `XMP ` chunks.

/// The metadata of one photo that may be written into its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// ICC colour profile.
    pub icc: Option<Vec<u8>>,
    /// EXIF as a bare TIFF structure (`II*\0...` or `MM\0*...`), orientation already 1.
    pub exif: Option<Vec<u8>>,
    /// XMP packet (XML text).
    pub xmp: Option<Vec<u8>>,
}

impl Metadata {
    /// Whether there is nothing to write.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.icc.is_none() && self.exif.is_none() && self.xmp.is_none()
    }
}

/// The EXIF block as a bare TIFF structure with its orientation reset to 1 (the pixels have
/// already been turned upright), or `None` when it is not EXIF at all.
///
/// Readers hand EXIF over with or without the `Exif\0\0` prefix JPEG uses; it is removed.
#[must_use]
pub fn normalize_exif(mut exif: Vec<u8>) -> Option<Vec<u8>> {
    if exif.starts_with(b"Exif\0\0") {
        exif.drain(..6);
    }
    if !(exif.starts_with(b"II*\0") || exif.starts_with(b"MM\0*")) {
        return None;
    }
    if let Some(entry) = orientation_entry(&exif) {
        let little = exif.starts_with(b"II");
        let (one, width): ([u8; 4], usize) = match (entry.long, little) {
            (false, true) => ([1, 0, 0, 0], 2),
            (false, false) => ([0, 1, 0, 0], 2),
            (true, true) => (1u32.to_le_bytes(), 4),
            (true, false) => (1u32.to_be_bytes(), 4),
        };
        exif[entry.at..entry.at + width].copy_from_slice(&one[..width]);
    }
    Some(exif)
}

/// The orientation an EXIF block (bare TIFF, or with JPEG's `Exif\0\0` prefix) gives, or
/// `None` when it has none or an invalid one. The tag is read whether it is stored as SHORT,
/// as the standard says, or as LONG, as some software writes it (libvips and exiftool read
/// both; `image`'s reader takes only SHORT).
#[must_use]
pub fn exif_orientation(exif: &[u8]) -> Option<image::metadata::Orientation> {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let entry = orientation_entry(tiff)?;
    image::metadata::Orientation::from_exif(u8::try_from(entry.value).ok()?)
}

/// The first EXIF segment (APP1 `Exif\0\0`, prefix included) of a JPEG stream, read no
/// further than the first scan: the one the loader applies (as libvips and exiftool do), where
/// `image`'s JPEG reader keeps the last. `None` when the stream is not a JPEG or has none.
pub fn first_jpeg_exif(r: &mut impl std::io::Read) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut byte = [0u8; 1];
    let mut next = |r: &mut dyn std::io::Read| r.read_exact(&mut byte).ok().map(|()| byte[0]);
    if (next(r)?, next(r)?) != (0xff, 0xd8) {
        return None;
    }
    loop {
        if next(r)? != 0xff {
            return None;
        }
        let mut marker = next(r)?;
        while marker == 0xff {
            marker = next(r)?; // fill bytes before a marker
        }
        match marker {
            0xda | 0xd9 => return None, // the scan (or the end) comes before any EXIF
            0x01 | 0xd0..=0xd7 => continue, // markers without a length
            _ => {}
        }
        let len = u16::from_be_bytes([next(r)?, next(r)?]);
        let len = u64::from(len).checked_sub(2)?;
        let mut segment = r.take(len);
        if marker == 0xe1 {
            let mut payload = Vec::new();
            segment.read_to_end(&mut payload).ok()?;
            if payload.starts_with(b"Exif\0\0") {
                return Some(payload);
            }
        } else {
            std::io::copy(&mut segment, &mut std::io::sink()).ok()?;
        }
    }
}

/// Where the first IFD's orientation tag keeps its value.
struct OrientationEntry {
    /// The value.
    value: u32,
    /// Its offset in the TIFF structure.
    at: usize,
    /// Stored as LONG (4 bytes), not SHORT.
    long: bool,
}

/// Reads the numbers of a TIFF structure (an EXIF block, a TIFF file) in its byte order, from
/// its "II" or "MM" mark; each read is `None` past the end.
pub(crate) struct TiffNumbers<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl<'a> TiffNumbers<'a> {
    /// `None` when `bytes` does not start with a byte-order mark.
    pub(crate) fn new(bytes: &'a [u8]) -> Option<Self> {
        let little = match bytes.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        Some(TiffNumbers { bytes, little })
    }

    fn array<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        let mut b: [u8; N] = self.bytes.get(at..at.checked_add(N)?)?.try_into().ok()?;
        if !self.little {
            b.reverse();
        }
        Some(b)
    }

    pub(crate) fn u16(&self, at: usize) -> Option<u16> {
        self.array(at).map(u16::from_le_bytes)
    }

    pub(crate) fn u32(&self, at: usize) -> Option<u32> {
        self.array(at).map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&self, at: usize) -> Option<u64> {
        self.array(at).map(u64::from_le_bytes)
    }
}

fn orientation_entry(tiff: &[u8]) -> Option<OrientationEntry> {
    if !matches!(tiff.get(..4)?, b"II*\0" | b"MM\0*") {
        return None;
    }
    let numbers = TiffNumbers::new(tiff)?;
    let u16_at = |at| numbers.u16(at);
    let u32_at = |at| numbers.u32(at);
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries).find_map(|i| {
        let entry = ifd.checked_add(2 + 12 * i)?;
        if u16_at(entry)? != 0x0112 || u32_at(entry + 4)? != 1 {
            return None;
        }
        let at = entry + 8;
        match u16_at(entry + 2)? {
            3 => Some(OrientationEntry {
                value: u32::from(u16_at(at)?),
                at,
                long: false,
            }),
            4 => Some(OrientationEntry {
                value: u32_at(at)?,
                at,
                long: true,
            }),
            _ => None,
        }
    })
}

/// One RIFF chunk of a WebP file.
struct Chunk<'a> {
    fourcc: [u8; 4],
    data: &'a [u8],
}

/// The chunks of a WebP file, or `None` when it is not one.
fn chunks(webp: &[u8]) -> Option<Vec<Chunk<'_>>> {
    if webp.len() < 12 || &webp[..4] != b"RIFF" || &webp[8..12] != b"WEBP" {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 12;
    while at + 8 <= webp.len() {
        let fourcc: [u8; 4] = webp[at..at + 4].try_into().ok()?;
        let size = u32::from_le_bytes(webp[at + 4..at + 8].try_into().ok()?) as usize;
        let data = webp.get(at + 8..at + 8 + size)?;
        out.push(Chunk { fourcc, data });
        at += 8 + size + (size & 1);
    }
    Some(out)
}

/// Rebuilds a WebP file as it comes from the encoder (`VP8 `, `VP8L`, or `VP8X` + `ALPH` +
/// `VP8 `) in the extended layout with the metadata chunks, in the order the WebP container
/// specification requires: `VP8X`, `ICCP`, image chunks, `EXIF`, `XMP `.
///
/// Returns the input unchanged when there is no metadata to add or it is not a WebP file.
#[must_use]
pub fn webp_with_metadata(
    webp: Vec<u8>,
    meta: &Metadata,
    width: u32,
    height: u32,
    alpha: bool,
) -> Vec<u8> {
    if meta.is_empty() {
        return webp;
    }
    let Some(parts) = chunks(&webp) else {
        return webp;
    };
    let mut flags = 0u8;
    if meta.icc.is_some() {
        flags |= 0x20;
    }
    if alpha {
        flags |= 0x10;
    }
    if meta.exif.is_some() {
        flags |= 0x08;
    }
    if meta.xmp.is_some() {
        flags |= 0x04;
    }
    let mut vp8x = vec![flags, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);

    let mut body = b"WEBP".to_vec();
    let mut push = |fourcc: &[u8; 4], data: &[u8]| {
        body.extend_from_slice(fourcc);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    };
    push(b"VP8X", &vp8x);
    if let Some(icc) = &meta.icc {
        push(b"ICCP", icc);
    }
    for part in parts.iter().filter(|c| &c.fourcc != b"VP8X") {
        push(&part.fourcc, part.data);
    }
    if let Some(exif) = &meta.exif {
        push(b"EXIF", exif);
    }
    if let Some(xmp) = &meta.xmp {
        push(b"XMP ", xmp);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_loses_its_prefix_and_its_orientation() {
        let mut exif = b"Exif\0\0II*\0".to_vec();
        exif.extend_from_slice(&8u32.to_le_bytes());
        exif.extend_from_slice(&1u16.to_le_bytes());
        exif.extend_from_slice(&0x0112u16.to_le_bytes());
        exif.extend_from_slice(&3u16.to_le_bytes());
        exif.extend_from_slice(&1u32.to_le_bytes());
        exif.extend_from_slice(&6u16.to_le_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let out = normalize_exif(exif).unwrap();
        assert!(out.starts_with(b"II*\0"));
        assert_eq!(
            exif_orientation(&out),
            Some(image::metadata::Orientation::NoTransforms)
        );
        assert_eq!(normalize_exif(b"not exif".to_vec()), None);
    }

    /// A one-entry EXIF block whose orientation is `value`, stored as `kind` (3 SHORT, 4 LONG).
    fn exif_with(value: u32, kind: u16, little: bool) -> Vec<u8> {
        let w16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut e = if little {
            b"II*\0".to_vec()
        } else {
            b"MM\0*".to_vec()
        };
        e.extend_from_slice(&w32(8));
        e.extend_from_slice(&w16(1));
        e.extend_from_slice(&w16(0x0112));
        e.extend_from_slice(&w16(kind));
        e.extend_from_slice(&w32(1));
        if kind == 3 {
            e.extend_from_slice(&w16(value as u16));
            e.extend_from_slice(&[0, 0]);
        } else {
            e.extend_from_slice(&w32(value));
        }
        e.extend_from_slice(&w32(0));
        e
    }

    #[test]
    fn an_orientation_stored_as_long_is_read_and_reset_like_a_short_one() {
        use image::metadata::Orientation;
        for little in [true, false] {
            for kind in [3, 4] {
                let exif = exif_with(6, kind, little);
                assert_eq!(
                    exif_orientation(&exif),
                    Some(Orientation::Rotate90),
                    "{kind}"
                );
                let out = normalize_exif(exif).unwrap();
                assert_eq!(
                    exif_orientation(&out),
                    Some(Orientation::NoTransforms),
                    "{kind}"
                );
            }
        }
        assert_eq!(
            exif_orientation(&exif_with(8, 4, true)),
            Some(Orientation::Rotate270)
        );
        assert_eq!(exif_orientation(&exif_with(9, 4, true)), None);
        assert_eq!(exif_orientation(&exif_with(6, 5, true)), None); // RATIONAL: not an orientation
        assert_eq!(exif_orientation(b"II*\0\xff\xff\xff\xff"), None); // an IFD past the end
    }

    #[test]
    fn the_first_exif_segment_of_a_jpeg_is_the_one_read() {
        let segment = |exif: Vec<u8>| {
            let body = [b"Exif\0\0".to_vec(), exif].concat();
            let mut seg = vec![0xff, 0xe1];
            seg.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
            seg.extend_from_slice(&body);
            seg
        };
        let xmp = [&[0xff, 0xe1, 0, 6][..], b"http"].concat(); // an APP1 that is not EXIF
        let stream = [
            &[0xff, 0xd8][..],
            &xmp,
            &[0xff], // a fill byte before the next marker
            &segment(exif_with(6, 3, true)),
            &segment(exif_with(1, 3, true)),
            &[0xff, 0xda, 0, 2],
        ]
        .concat();
        let first = first_jpeg_exif(&mut &stream[..]).unwrap();
        assert_eq!(
            exif_orientation(&first),
            Some(image::metadata::Orientation::Rotate90)
        );
        assert_eq!(first_jpeg_exif(&mut &b"\x89PNG"[..]), None);
        assert_eq!(first_jpeg_exif(&mut &[0xff, 0xd8, 0xff, 0xda][..]), None);
    }

    #[test]
    fn webp_chunks_are_rewrapped_in_spec_order_with_padding() {
        // A fake simple-format file: one odd-sized VP8L chunk.
        let mut simple = b"RIFF".to_vec();
        simple.extend_from_slice(&(4 + 8 + 4u32).to_le_bytes());
        simple.extend_from_slice(b"WEBPVP8L");
        simple.extend_from_slice(&3u32.to_le_bytes());
        simple.extend_from_slice(&[1, 2, 3, 0]);
        let meta = Metadata {
            icc: Some(vec![9; 5]),
            exif: Some(b"II*\0".to_vec()),
            xmp: None,
        };
        let out = webp_with_metadata(simple, &meta, 300, 2, false);
        let parts = chunks(&out).unwrap();
        let names: Vec<&[u8]> = parts.iter().map(|c| &c.fourcc[..]).collect();
        assert_eq!(names, [b"VP8X", b"ICCP", b"VP8L", b"EXIF"]);
        assert_eq!(parts[0].data, [0x28, 0, 0, 0, 43, 1, 0, 1, 0, 0]);
        assert_eq!(parts[1].data, [9; 5]);
        assert_eq!(parts[2].data, [1, 2, 3]);
        let riff = u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff + 8, out.len());
    }
}
