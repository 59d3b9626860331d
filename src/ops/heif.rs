//! HEIC/HEIF decoding through heifer (pure Rust, no `unsafe`): grid tiles, alpha, 8–12 bits,
//! `irot`/`imir` applied once, the ICC profile kept, `nclx` colour converted to sRGB.

use heifer::heifer_isobmff::boxes::{ColorInfo, Property};
use heifer::heifer_isobmff::{FourCC, HeifFile, ItemId};
use image::metadata::Orientation;

use super::decode::{Decoded, ImageKind};
use super::raster::{Layout, Raster};
use crate::error::{one_line, ItemError};

/// Decodes the primary image of a HEIF file (see [`super::decode::decode_stored`]).
///
/// Orientation: the file's `irot`/`imir` properties are applied by heifer and the EXIF
/// orientation is ignored, as HEIF prescribes and libheif and Apple do (an iPhone writes both;
/// applying both would turn the photo twice). The EXIF block keeps orientation 1.
///
/// Colour: an ICC profile (iPhones embed Display P3) travels with the pixels like a JPEG's;
/// without one, `nclx` colour other than BT.709/sRGB primaries is converted to sRGB here, since
/// no output format carries `nclx`.
///
/// Damage is never accepted (heifer has no best effort): a cut or corrupt file fails, in
/// `lenient` mode too.
pub fn decode(
    bytes: &[u8],
    max_pixels: u64,
    _lenient: bool,
) -> Result<(Decoded, Orientation), ItemError> {
    let file = HeifFile::parse(bytes).map_err(|e| parse_error(bytes, e))?;
    let id = file.primary_id;
    file.item(id)
        .map_err(|e| damaged(&heifer::Error::from(e)))?;
    let codec = coding(&file, id);
    #[cfg(feature = "avif-read")]
    if codec.0 == *b"av01" {
        return super::avif::decode(bytes, max_pixels, _lenient);
    }
    check_codec(codec)?;
    let (width, height) = coded_size(&file, id)?;
    let pixels = super::decode::within_limit(width, height, max_pixels)?;
    if pixels == 0 {
        return Err(ItemError::Damaged(
            "the HEIF header declares an empty image".into(),
        ));
    }
    let meta = heifer::item_metadata(&file, id).map_err(|e| damaged(&e))?;
    let options = heifer::Options {
        // One thread: the load stage already decodes several photos at once.
        max_threads: 1,
        // Tiles and the assembled image are bounded too (belt and braces; 0 means heifer's
        // default).
        max_pixels: max_pixels.max(1),
    };
    let convert = meta.icc_profile.is_none() && nclx_needs_conversion(&file, id);
    let image = super::decode::no_panic(|| {
        if convert {
            heifer::decode_srgb_rgba8(bytes, &options)
        } else {
            heifer::decode_rgba8(bytes, &options)
        }
        .map_err(|e| heif_error(&e))
    })?;
    let warning = super::sniff::extra_frames(bytes, ImageKind::Heif);
    let decoded = decoded(&file, id, to_raster(image), ImageKind::Heif, meta, warning);
    Ok((decoded, Orientation::NoTransforms))
}

/// The decoded primary image `id` of a HEIF or AVIF file, upright, with its metadata: its
/// stored size is the raster's, turned back when the file has a quarter `irot` (the size
/// after the crop, before the turn).
pub(crate) fn decoded(
    file: &HeifFile<'_>,
    id: ItemId,
    raster: Raster,
    kind: ImageKind,
    meta: heifer::Metadata,
    warning: Option<String>,
) -> Decoded {
    let (w, h) = (raster.width, raster.height);
    let stored = if quarter_turned(file, id) {
        (h, w)
    } else {
        (w, h)
    };
    Decoded {
        raster,
        kind,
        icc: meta.icc_profile,
        exif: meta.exif.and_then(super::meta::normalize_exif),
        xmp: meta.xmp,
        stored_size: stored,
        full_size: (w, h),
        warning,
    }
}

/// heifer's RGBA as a raster: RGBA when it has alpha, else RGB (in a pooled buffer).
pub(crate) fn to_raster(image: heifer::Image<u8>) -> Raster {
    let (w, h) = (image.width, image.height);
    if image.has_alpha {
        return Raster::from_vec(w, h, Layout::Rgba, image.data);
    }
    let mut rgb = super::buffers::zeroed(w as usize * h as usize * 3);
    for (out, px) in rgb.chunks_exact_mut(3).zip(image.data.chunks_exact(4)) {
        out.copy_from_slice(&px[..3]);
    }
    Raster::from_vec(w, h, Layout::Rgb, rgb)
}

/// The size the primary image is shown at (after its `clap` crop and `irot` turn), from the
/// header alone: what [`decode`] returns, for planning output names.
pub fn upright_size(bytes: &[u8]) -> Result<(u32, u32), ItemError> {
    let file = HeifFile::parse(bytes).map_err(|e| damaged(&heifer::Error::from(e)))?;
    upright_size_of(&file)
}

/// [`upright_size`] of a file already parsed.
pub(crate) fn upright_size_of(file: &HeifFile<'_>) -> Result<(u32, u32), ItemError> {
    let (mut width, mut height) = coded_size(file, file.primary_id)?;
    let properties = file
        .item_properties(file.primary_id)
        .map_err(|e| damaged(&heifer::Error::from(e)))?;
    for property in properties {
        match property {
            Property::CleanAperture {
                width: (wn, wd),
                height: (hn, hd),
                ..
            } if *wd != 0 && *hd != 0 => {
                width = width.min(wn / wd);
                height = height.min(hn / hd);
            }
            Property::Rotation(quarters) if quarters % 2 == 1 => {
                std::mem::swap(&mut width, &mut height);
            }
            _ => {}
        }
    }
    Ok((width, height))
}

/// Whether the image has an odd `irot` (a quarter turn either way).
fn quarter_turned(file: &HeifFile<'_>, id: ItemId) -> bool {
    file.item_properties(id)
        .is_ok_and(|mut p| p.any(|p| matches!(p, Property::Rotation(q) if q % 2 == 1)))
}

/// The codec of item `id`: its own type, or for a derived image (`grid`, `iden`) that of its
/// first source, so that a file is read by the decoder of what it holds, whatever its brand.
pub(crate) fn coding(file: &HeifFile<'_>, id: ItemId) -> FourCC {
    let mut current = id;
    for _ in 0..8 {
        let Ok(item) = file.item(current) else { break };
        if !matches!(&item.item_type.0, b"grid" | b"iden") {
            return item.item_type;
        }
        match file.referenced_items(current, b"dimg").first() {
            Some(&first) if first != current => current = first,
            _ => break,
        }
    }
    FourCC(*b"grid")
}

/// Refuses items heifer does not decode, naming the codec.
fn check_codec(item_type: FourCC) -> Result<(), ItemError> {
    let what = match &item_type.0 {
        b"hvc1" | b"hev1" | b"grid" | b"iden" | b"iovl" => return Ok(()),
        b"av01" => "an AV1-coded HEIF (AVIF) image",
        b"jpeg" => "a JPEG-coded HEIF image",
        b"j2k1" => "a JPEG 2000-coded HEIF image",
        b"vvc1" => "a VVC-coded HEIF image",
        b"unci" => "an uncompressed HEIF image",
        _ => "a HEIF image of an unknown codec",
    };
    Err(ItemError::Unsupported {
        what: format!("{what} ({})", String::from_utf8_lossy(&item_type.0)),
        hint: "convert it to JPEG or PNG with another tool first".into(),
    })
}

/// The size of the coded image (before `clap` and `irot`), from its `ispe` property.
fn coded_size(file: &HeifFile<'_>, id: ItemId) -> Result<(u32, u32), ItemError> {
    file.image_size(id)
        .map_err(|e| damaged(&heifer::Error::from(e)))?
        .ok_or_else(|| ItemError::Damaged("the HEIF image has no size (ispe)".into()))
}

/// Whether the image's `nclx` colour (its own, or its first tile's for a grid) has primaries
/// other than BT.709/sRGB (1) or unspecified (2), so that its pixels need converting.
fn nclx_needs_conversion(file: &HeifFile<'_>, id: ItemId) -> bool {
    let primaries = |item: ItemId| {
        file.item_properties(item).ok()?.find_map(|p| match p {
            Property::Color(ColorInfo::Nclx { primaries, .. }) => Some(*primaries),
            _ => None,
        })
    };
    let tile = file.referenced_items(id, b"dimg").first().copied();
    primaries(id)
        .or_else(|| tile.and_then(primaries))
        .is_some_and(|p| p != 1 && p != 2)
}

/// The container could not be read: an image sequence with no still image is unsupported
/// (fanlight reads stills), anything else is damage.
pub(crate) fn parse_error(bytes: &[u8], e: heifer::heifer_isobmff::Error) -> ItemError {
    let kind = super::sniff::detect(bytes).unwrap_or(ImageKind::Heif);
    let name = kind.name().to_uppercase();
    if super::sniff::is_image_sequence(bytes) && !has_primary_item(bytes) {
        return ItemError::Unsupported {
            what: format!("{name} image sequence without a still image"),
            hint: "convert its first frame to PNG or JPEG with another tool first".into(),
        };
    }
    ItemError::Damaged(one_line(&format!("{name}: {}", heifer::Error::from(e))))
}

/// Whether the file has a `pitm` (primary item) box at all: a sequence without one holds
/// tracks only.
fn has_primary_item(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"pitm").is_some()
}

fn heif_error(e: &heifer::Error) -> ItemError {
    match e {
        heifer::Error::Unsupported(what) => ItemError::Unsupported {
            what: format!("HEIF: {}", one_line(what)),
            hint: "convert it to JPEG or PNG with another tool first".into(),
        },
        // A valid stream using what heifer's HEVC decoder does not do (inter-predicted slices
        // in a predictively coded image): unsupported, not damage.
        heifer::Error::Hevc(heifer::heifer_hevc_dec::Error::Unimplemented(what)) => {
            ItemError::Unsupported {
                what: format!("HEIF: HEVC {what}"),
                hint: "convert it to JPEG or PNG with another tool first".into(),
            }
        }
        other => damaged(other),
    }
}

fn damaged(e: &heifer::Error) -> ItemError {
    ItemError::Damaged(one_line(&format!("HEIF: {e}")))
}
