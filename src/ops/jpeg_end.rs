//! Where a JPEG ends: phones append data after the end-of-image marker (Google and Samsung
//! "motion photos" carry an MP4 there, some writers pad), and a JPEG is whole when its scans end
//! in that marker, wherever it is. The end is found by walking the file's segments and the
//! entropy-coded data of its scans, so a marker inside an embedded thumbnail (an APP segment) or
//! a byte pattern inside the video is never taken for it.

/// The length of the JPEG at the start of `bytes`, up to and including the end-of-image marker
/// that follows its last scan; `None` when the data ends first (a truncated file) or the
/// segments cannot be walked (then the decoder judges the whole file as before).
#[must_use]
pub fn jpeg_len(bytes: &[u8]) -> Option<usize> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        while *bytes.get(i)? == 0xFF {
            i += 1; // fill bytes before a marker
        }
        let marker = bytes[i];
        i += 1;
        match marker {
            0xD9 => return Some(i),
            // Markers without a length: restart markers outside a scan, TEM.
            0xD0..=0xD7 | 0x01 => continue,
            _ => {
                let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
                if len < 2 {
                    return None;
                }
                i = i.checked_add(len)?;
                if marker == 0xDA {
                    i = scan_end(bytes, i)?;
                }
            }
        }
    }
}

/// The offset of the marker that ends the entropy-coded data starting at `from`: the first
/// `0xFF` followed by neither a stuffed zero nor a restart marker.
fn scan_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let ff = from + memchr::memchr(0xFF, bytes.get(from..)?)?;
        match *bytes.get(ff + 1)? {
            0x00 | 0xD0..=0xD7 => from = ff + 2,
            0xFF => from = ff + 1, // fill: the marker comes after
            _ => return Some(ff),
        }
    }
}

/// Whether the JPEG's metadata or the data after it says it is a motion photo: Google's XMP
/// (`GCamera:MotionPhoto`, `GCamera:MicroVideo`, a `Container:Directory`) or Samsung's trailer
/// (`MotionPhoto_Data`), or an MP4 (`ftyp` box) right after the image.
#[must_use]
pub fn is_motion_photo(xmp: Option<&[u8]>, trailer: &[u8]) -> bool {
    let has = |hay: &[u8], needle: &[u8]| memchr::memmem::find(hay, needle).is_some();
    let xmp = xmp.unwrap_or_default();
    has(xmp, b"MotionPhoto")
        || has(xmp, b"MicroVideo")
        || has(xmp, b"Container:Directory")
        || has(trailer, b"MotionPhoto_Data")
        || trailer.get(4..8) == Some(b"ftyp")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, an APP1 holding a whole thumbnail JPEG (with its own EOI), a DQT, an SOS whose data
    /// has a stuffed `FF 00` and a restart marker, then EOI.
    fn tiny() -> Vec<u8> {
        let thumb = [0xFF, 0xD8, 0xFF, 0xD9];
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, (2 + thumb.len()) as u8];
        j.extend_from_slice(&thumb);
        j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x03, 0x00]);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn the_end_is_the_marker_after_the_last_scan_not_one_inside_a_segment() {
        let j = tiny();
        assert_eq!(jpeg_len(&j), Some(j.len()));
        let mut motion = j.clone();
        motion.extend_from_slice(b"\0\0\0\x18ftypmp42\xFF\xD9 video bytes \xFF\xD9");
        assert_eq!(jpeg_len(&motion), Some(j.len()));
        assert!(is_motion_photo(None, &motion[j.len()..]));
        assert!(!is_motion_photo(None, &[0; 64]), "padding is not a video");
    }

    #[test]
    fn a_file_that_ends_before_its_end_marker_has_no_end() {
        let j = tiny();
        for cut in 1..j.len() {
            assert_eq!(jpeg_len(&j[..cut]), None, "cut at {cut}");
        }
        assert_eq!(jpeg_len(b"not a jpeg"), None);
    }
}
