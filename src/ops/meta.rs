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
    let _ = image::metadata::Orientation::remove_from_exif_chunk(&mut exif);
    Some(exif)
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
            image::metadata::Orientation::from_exif_chunk(&out),
            Some(image::metadata::Orientation::NoTransforms)
        );
        assert_eq!(normalize_exif(b"not exif".to_vec()), None);
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
