//! AVIF decoding (the `avif-read` cargo feature, on by default): the HEIF container read by
//! heifer's parser, each AV1 picture decoded by rav1d (the Rust port of dav1d), YCbCr turned
//! into RGB by heifer's converter. Grid tiles, alpha, 8–12 bits, `clap`/`irot`/`imir` applied
//! once, the ICC profile kept, `nclx` colour other than sRGB's converted to sRGB.

use std::ffi::c_int;
use std::ptr::NonNull;

use heifer::color::{frame_to_rgba_sized, ColorParams};
use heifer::heifer_hevc_dec::recon::Frame;
use heifer::heifer_isobmff::boxes::{ColorInfo, Property};
use heifer::heifer_isobmff::{HeifFile, ItemId};
use heifer::Image;
use image::metadata::Orientation;
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dLogger, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
};
use rav1d::include::dav1d::picture::Dav1dPicture;

use super::decode::{Decoded, ImageKind};
use crate::error::{one_line, ItemError};

/// How deep derived images (a grid of `iden`s, say) may nest before the file is refused.
const MAX_DEPTH: u32 = 4;

/// Decodes the primary image of an AVIF file (see [`super::decode::decode_stored`]).
///
/// Orientation: `irot`/`imir` are applied here and the EXIF orientation is ignored, as HEIF
/// prescribes (the same rule as HEIC). Damage is never accepted: there is no best effort, so a
/// cut or corrupt file fails in `lenient` mode too. A HEVC-coded primary image in a file
/// branded AVIF is read as HEIC.
pub fn decode(
    bytes: &[u8],
    max_pixels: u64,
    lenient: bool,
) -> Result<(Decoded, Orientation), ItemError> {
    let file = HeifFile::parse(bytes).map_err(|e| super::heif::parse_error(bytes, e))?;
    let id = file.primary_id;
    if matches!(&super::heif::coding(&file, id).0, b"hvc1" | b"hev1") {
        return super::heif::decode(bytes, max_pixels, lenient);
    }
    let (width, height) = super::heif::upright_size_of(&file)?;
    let pixels = super::decode::within_limit(width, height, max_pixels)?;
    if pixels == 0 {
        return Err(ItemError::Damaged(
            "the AVIF header declares an empty image".into(),
        ));
    }
    let meta = heifer::item_metadata(&file, id)
        .map_err(|e| ItemError::Damaged(one_line(&format!("AVIF: {e}"))))?;
    let image = super::decode::no_panic(|| decode_item(&file, id, 0, max_pixels.max(1)))?;
    let mut raster = super::heif::to_raster(image);
    let mut warning = super::sniff::extra_frames(bytes, ImageKind::Avif);
    if meta.icc_profile.is_none() {
        if let Some((primaries, transfer)) = colour(&file, id) {
            if let Some(hdr) = super::colour::cicp_to_srgb(&mut raster, primaries, transfer)? {
                warning = Some(match warning {
                    Some(w) => format!("{w}; {hdr}"),
                    None => hdr,
                });
            }
        }
    }
    let decoded = super::heif::decoded(&file, id, raster, ImageKind::Avif, meta, warning);
    Ok((decoded, Orientation::NoTransforms))
}

/// Decodes item `id` to 8-bit RGBA: a coded AV1 picture, a grid of them or an `iden` of one,
/// with its alpha plane and its transformative properties (`clap`, `irot`, `imir`) applied.
fn decode_item(
    file: &HeifFile<'_>,
    id: ItemId,
    depth: u32,
    max_pixels: u64,
) -> Result<Image<u8>, ItemError> {
    let image = decode_untransformed(file, id, depth, max_pixels)?;
    transform(file, id, image)
}

/// [`decode_item`] without the item's own `clap`/`irot`/`imir`: an alpha plane is attached to
/// its image as coded, before the image's transformations, which then turn both together
/// (libavif ignores an alpha item's own transformations too).
fn decode_untransformed(
    file: &HeifFile<'_>,
    id: ItemId,
    depth: u32,
    max_pixels: u64,
) -> Result<Image<u8>, ItemError> {
    if depth > MAX_DEPTH {
        return Err(ItemError::Damaged(
            "AVIF: derived images nested too deeply".into(),
        ));
    }
    let item = file.item(id).map_err(damaged)?;
    let mut image = match &item.item_type.0 {
        b"av01" => decode_av01(file, id, max_pixels)?,
        b"grid" => decode_grid(file, id, depth, max_pixels)?,
        b"iden" => match file.referenced_items(id, b"dimg") {
            [source] => decode_item(file, *source, depth + 1, max_pixels)?,
            _ => {
                return Err(ItemError::Damaged(
                    "AVIF: an iden item without exactly one source".into(),
                ))
            }
        },
        other => {
            return Err(ItemError::Unsupported {
                what: format!(
                    "an AVIF image item of type `{}`",
                    String::from_utf8_lossy(other)
                ),
                hint: "convert it to JPEG or PNG with another tool first".into(),
            })
        }
    };
    for aux in file.referencing_items(id, b"auxl") {
        if is_alpha(file, aux) {
            let alpha = decode_untransformed(file, aux, depth + 1, max_pixels)?;
            attach_alpha(&mut image, &alpha)?;
            break;
        }
    }
    Ok(image)
}

/// Applies item `id`'s transformative properties, in association order.
fn transform(
    file: &HeifFile<'_>,
    id: ItemId,
    mut image: Image<u8>,
) -> Result<Image<u8>, ItemError> {
    let properties = file.item_properties(id).map_err(damaged)?;
    for property in properties {
        image = match *property {
            Property::CleanAperture {
                width,
                height,
                horiz_offset,
                vert_offset,
            } => clean_aperture(&image, width, height, horiz_offset, vert_offset)?,
            Property::Rotation(0) => image,
            Property::Rotation(q) => image.rotate_ccw(q),
            Property::Mirror(top_bottom) => image.mirror(top_bottom),
            _ => image,
        };
    }
    Ok(image)
}

/// Decodes a coded AV1 item, cut to its `ispe` size.
fn decode_av01(file: &HeifFile<'_>, id: ItemId, max_pixels: u64) -> Result<Image<u8>, ItemError> {
    let data = file.item_data(id).map_err(damaged)?;
    let frame = decode_av1(&data, max_pixels)?;
    let (coded_w, coded_h) = frame.size;
    let (width, height) = file.image_size(id).map_err(damaged)?.unwrap_or(frame.size);
    if width > coded_w || height > coded_h {
        return Err(ItemError::Damaged(format!(
            "AVIF: the picture is {coded_w}x{coded_h}, smaller than its declared {width}x{height}"
        )));
    }
    let params = nclx(file, id)
        .map(|(_, _, matrix, full_range)| ColorParams { matrix, full_range })
        .unwrap_or(frame.params);
    Ok(frame_to_rgba_sized::<u8>(
        &frame.frame,
        params,
        width,
        height,
    ))
}

/// Assembles a grid item from its tiles, in rows, cut to the grid's output size.
fn decode_grid(
    file: &HeifFile<'_>,
    id: ItemId,
    depth: u32,
    max_pixels: u64,
) -> Result<Image<u8>, ItemError> {
    let grid = file.grid(id).map_err(damaged)?;
    let tiles = file.referenced_items(id, b"dimg");
    let columns = usize::from(grid.columns);
    if tiles.is_empty() || tiles.len() != usize::from(grid.rows) * columns {
        return Err(ItemError::Damaged(
            "AVIF: the grid's tile count does not match its rows and columns".into(),
        ));
    }
    super::decode::within_limit(grid.output_width, grid.output_height, max_pixels)?;
    let mut canvas =
        Image::filled_samples(grid.output_width, grid.output_height, 8, [0, 0, 0, 255]);
    let (mut x, mut y, mut row_height) = (0u32, 0u32, 0u32);
    for (i, &tile_id) in tiles.iter().enumerate() {
        let tile = decode_item(file, tile_id, depth + 1, max_pixels)?;
        if i > 0 && i % columns == 0 {
            x = 0;
            y = y.saturating_add(row_height);
        }
        canvas.draw(&tile, i64::from(x), i64::from(y));
        x = x.saturating_add(tile.width);
        row_height = tile.height;
    }
    Ok(canvas)
}

/// Puts the first channel of `alpha` (a decoded auxiliary image) into `image`'s alpha.
fn attach_alpha(image: &mut Image<u8>, alpha: &Image<u8>) -> Result<(), ItemError> {
    if alpha.width < image.width || alpha.height < image.height {
        return Err(ItemError::Damaged(
            "AVIF: the alpha plane is smaller than the image".into(),
        ));
    }
    let (w, aw) = (image.width as usize, alpha.width as usize);
    for (y, row) in image.data.chunks_exact_mut(w * 4).enumerate() {
        let from = &alpha.data[y * aw * 4..][..w * 4];
        for (px, a) in row.chunks_exact_mut(4).zip(from.chunks_exact(4)) {
            px[3] = a[0];
        }
    }
    image.has_alpha = true;
    Ok(())
}

/// Crops to a `clap` clean aperture (centre offsets and sizes as fractions).
fn clean_aperture(
    image: &Image<u8>,
    width: (u32, u32),
    height: (u32, u32),
    horiz: (i32, u32),
    vert: (i32, u32),
) -> Result<Image<u8>, ItemError> {
    if width.1 == 0 || height.1 == 0 || horiz.1 == 0 || vert.1 == 0 {
        return Err(ItemError::Damaged(
            "AVIF: a clean aperture (clap) with a zero denominator".into(),
        ));
    }
    let cw = f64::from(width.0) / f64::from(width.1);
    let ch = f64::from(height.0) / f64::from(height.1);
    let cx = f64::from(horiz.0) / f64::from(horiz.1) + (f64::from(image.width) - 1.0) / 2.0;
    let cy = f64::from(vert.0) / f64::from(vert.1) + (f64::from(image.height) - 1.0) / 2.0;
    let left = (cx - (cw - 1.0) / 2.0).round().max(0.0) as u32;
    let top = (cy - (ch - 1.0) / 2.0).round().max(0.0) as u32;
    Ok(image.crop(left, top, cw.round() as u32, ch.round() as u32))
}

/// Whether `id` is an auxiliary image of type alpha.
fn is_alpha(file: &HeifFile<'_>, id: ItemId) -> bool {
    file.item_properties(id).is_ok_and(|mut p| {
        p.any(|p| {
            matches!(p, Property::AuxiliaryType(t)
                if t == "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"
                    || t == "urn:mpeg:hevc:2015:auxid:1")
        })
    })
}

/// An item's `nclx` colour: primaries, transfer, matrix and range.
fn nclx(file: &HeifFile<'_>, id: ItemId) -> Option<(u16, u16, u16, bool)> {
    file.item_properties(id).ok()?.find_map(|p| match p {
        Property::Color(ColorInfo::Nclx {
            primaries,
            transfer,
            matrix,
            full_range,
        }) => Some((*primaries, *transfer, *matrix, *full_range)),
        _ => None,
    })
}

/// The primaries and transfer to convert from, when they are not sRGB's: from the `nclx` of the
/// image or of its first tile, else from the AV1 sequence header of the first coded picture.
/// `None` when no conversion is needed ([`needs_conversion`]).
fn colour(file: &HeifFile<'_>, id: ItemId) -> Option<(u16, u16)> {
    let mut current = id;
    for _ in 0..=MAX_DEPTH {
        if let Some((primaries, transfer, _, _)) = nclx(file, current) {
            return needs_conversion(primaries, transfer).then_some((primaries, transfer));
        }
        match file.referenced_items(current, b"dimg").first() {
            Some(&first) if first != current => current = first,
            _ => break,
        }
    }
    let data = file.item_data(current).ok()?;
    let (primaries, transfer) = sequence_colour(&data)?;
    needs_conversion(primaries, transfer).then_some((primaries, transfer))
}

/// Whether colour of these code points must be converted to be sRGB: primaries other than
/// BT.709 (1) or unspecified (2), or an HDR transfer (PQ, HLG) on any primaries.
fn needs_conversion(primaries: u16, transfer: u16) -> bool {
    !matches!(primaries, 1 | 2) || matches!(transfer, 16 | 18)
}

/// A decoded AV1 picture as heifer's converter takes it, with the colour of its sequence header.
struct Av1Frame {
    /// The planes, the luma padded to twice the subsampled chroma's size (heifer's converter
    /// finds the subsampling from the ratio of the plane sizes).
    frame: Frame,
    params: ColorParams,
    /// The picture's own size.
    size: (u32, u32),
}

/// The primaries and transfer of the AV1 sequence header in `obus`, if it says.
fn sequence_colour(obus: &[u8]) -> Option<(u16, u16)> {
    let mut header = std::mem::MaybeUninit::uninit();
    // SAFETY: `header` is valid to write to; the slice is `obus` and its length.
    let result = unsafe {
        rav1d::src::lib::dav1d_parse_sequence_header(
            NonNull::new(header.as_mut_ptr()),
            NonNull::new(obus.as_ptr().cast_mut()),
            obus.len(),
        )
    };
    if result.0 != 0 {
        return None;
    }
    // SAFETY: a zero result means the header was written.
    let header: rav1d::include::dav1d::headers::Dav1dSequenceHeader =
        unsafe { header.assume_init() };
    Some((header.pri as u16, header.trc as u16))
}

/// A rav1d decoder, closed when dropped (also when a panic unwinds through it).
struct Av1Decoder(Option<Dav1dContext>);

impl Av1Decoder {
    /// Two threads and a frame delay of two, no logging, and a picture size limit. One thread
    /// would suit the load stage better (it already decodes several photos at once), but
    /// rav1d 1.1's single-threaded path panics on damaged tile data (an `unwrap` in its error
    /// handling, `decode.rs:4997`) inside an `extern "C"` function, which aborts the whole
    /// process: found by the fuzzer. The frame-threaded path reports the same data as an error.
    fn open(max_pixels: u64) -> Result<Self, ItemError> {
        let mut settings = std::mem::MaybeUninit::<Dav1dSettings>::uninit();
        // SAFETY: `settings` is valid to write to; the call initialises all of it.
        let mut settings = unsafe {
            rav1d::src::lib::dav1d_default_settings(NonNull::from(&mut settings).cast());
            settings.assume_init()
        };
        settings.n_threads = 2;
        settings.max_frame_delay = 2;
        settings.frame_size_limit = u32::try_from(max_pixels).unwrap_or(u32::MAX);
        // SAFETY: no callback, so nothing is ever called.
        settings.logger = unsafe { Dav1dLogger::new(None, None) };
        let mut context = None;
        // SAFETY: both pointers are valid for the call.
        let result = unsafe {
            rav1d::src::lib::dav1d_open(NonNull::new(&mut context), NonNull::new(&mut settings))
        };
        check(result.0, "cannot start the AV1 decoder")?;
        Ok(Self(context))
    }
}

impl Drop for Av1Decoder {
    fn drop(&mut self) {
        if self.0.is_some() {
            // SAFETY: the context came from `dav1d_open` and is closed once.
            unsafe { rav1d::src::lib::dav1d_close(NonNull::new(&mut self.0)) };
        }
    }
}

/// A decoded picture, released when dropped.
struct Picture(Dav1dPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: the picture is released once.
        unsafe { rav1d::src::lib::dav1d_picture_unref(NonNull::new(&mut self.0)) };
        free_empty_t35(&mut self.0);
    }
}

/// Frees the empty ITU-T T.35 list rav1d 1.1 leaves in a picture it clears or could not fill:
/// `dav1d_picture_unref` and a `dav1d_get_picture` that has no picture yet write back a cleared
/// picture whose list is a fresh allocation (`Rav1dPicture::default`) that nothing frees. Left
/// alone, 48 bytes a photo leaked, and the heap they pinned grew by about 23 KB a photo after
/// two thousand photos (valgrind: "definitely lost" once per decode).
fn free_empty_t35(picture: &mut Dav1dPicture) {
    if let Some(list) = picture.itut_t35_ref.take() {
        // SAFETY: the reference came from rav1d's `RawArc::from_arc` and is taken out of the
        // picture, so it is turned back into its `Arc` once, and dropped.
        drop(unsafe { list.into_arc() });
    }
}

/// The negative errno rav1d returns when it needs the caller to do the other half first.
const EAGAIN: c_int = -(libc::EAGAIN);

/// Decodes the one picture an AVIF item's AV1 data holds.
fn decode_av1(obus: &[u8], max_pixels: u64) -> Result<Av1Frame, ItemError> {
    if obus.is_empty() {
        return Err(ItemError::Damaged("AVIF: an image item has no data".into()));
    }
    let decoder = Av1Decoder::open(max_pixels)?;
    let mut data = Dav1dData::default();
    // SAFETY: `data` is valid to write to; the buffer it gets is `obus.len()` bytes long.
    let buffer = unsafe { rav1d::src::lib::dav1d_data_create(NonNull::new(&mut data), obus.len()) };
    if buffer.is_null() {
        return Err(ItemError::Damaged("AVIF: cannot hold the AV1 data".into()));
    }
    // SAFETY: `buffer` is a fresh allocation of `obus.len()` bytes owned by `data`.
    unsafe { std::ptr::copy_nonoverlapping(obus.as_ptr(), buffer, obus.len()) };
    let mut picture = Picture(Dav1dPicture::default());
    let mut got = false;
    // Feed the data, taking pictures out whenever the decoder asks for room.
    // With frame threads a picture may only come out on the call after all data is sent (the
    // second `dav1d_get_picture` then waits for it): a few calls more, then it is missing.
    let mut drain_calls = 0;
    for _ in 0..64 {
        if data.sz > 0 {
            // SAFETY: the context is open and `data` is valid to read and write.
            let sent =
                unsafe { rav1d::src::lib::dav1d_send_data(decoder.0, NonNull::new(&mut data)) };
            if sent.0 != 0 && sent.0 != EAGAIN {
                // SAFETY: `data` is released once.
                unsafe { rav1d::src::lib::dav1d_data_unref(NonNull::new(&mut data)) };
                return Err(av1_error(sent.0));
            }
        }
        // SAFETY: the context is open and `picture` is valid to write to.
        let result =
            unsafe { rav1d::src::lib::dav1d_get_picture(decoder.0, NonNull::new(&mut picture.0)) };
        if result.0 == 0 {
            got = true;
            break;
        }
        // No picture yet: what was written back is a cleared picture.
        free_empty_t35(&mut picture.0);
        if result.0 != EAGAIN {
            // SAFETY: `data` is released once.
            unsafe { rav1d::src::lib::dav1d_data_unref(NonNull::new(&mut data)) };
            return Err(av1_error(result.0));
        }
        if data.sz == 0 {
            drain_calls += 1;
            if drain_calls > 3 {
                break;
            }
        }
    }
    // SAFETY: `data` is released once (a no-op when the decoder took all of it).
    unsafe { rav1d::src::lib::dav1d_data_unref(NonNull::new(&mut data)) };
    if !got {
        return Err(ItemError::Damaged(
            "AVIF: the AV1 data ends before its picture is complete".into(),
        ));
    }
    to_frame(&picture.0)
}

/// Copies a decoded picture's planes into heifer's frame layout (16-bit samples).
fn to_frame(picture: &Dav1dPicture) -> Result<Av1Frame, ItemError> {
    let (w, h) = (picture.p.w as usize, picture.p.h as usize);
    let bpc = picture.p.bpc;
    let (chroma_format, ss_x, ss_y) = match picture.p.layout {
        DAV1D_PIXEL_LAYOUT_I400 => (0u8, 0, 0),
        DAV1D_PIXEL_LAYOUT_I420 => (1, 1, 1),
        DAV1D_PIXEL_LAYOUT_I422 => (2, 1, 0),
        _ => (3, 0, 0),
    };
    let (cw, ch) = if chroma_format == 0 {
        (0, 0)
    } else {
        ((w + ss_x) >> ss_x, (h + ss_y) >> ss_y)
    };
    // An odd-sized subsampled picture has a luma column or row past its last chroma pair: the
    // luma plane is padded (its last column and row repeated) to twice the chroma's size.
    let (lw, lh) = if chroma_format == 0 {
        (w, h)
    } else {
        (cw << ss_x, ch << ss_y)
    };
    let sizes = [(w, h), (cw, ch), (cw, ch)];
    let mut planes: [Vec<u16>; 3] = Default::default();
    for (i, plane) in planes.iter_mut().enumerate() {
        let (pw, ph) = sizes[i];
        if pw == 0 || ph == 0 {
            continue;
        }
        let Some(base) = picture.data[i] else {
            return Err(ItemError::Damaged(
                "AVIF: a picture plane is missing".into(),
            ));
        };
        let stride = picture.stride[usize::from(i > 0)];
        let (padded_w, padded_h) = if i == 0 { (lw, lh) } else { (pw, ph) };
        plane.reserve_exact(padded_w * padded_h);
        for y in 0..ph {
            // SAFETY: rav1d's planes hold `ph` rows of `stride` bytes, each at least `pw`
            // samples of 1 byte (8 bits) or 2 bytes (10 and 12 bits).
            unsafe {
                let row = base.as_ptr().cast::<u8>().offset(y as isize * stride);
                if bpc > 8 {
                    let row = std::slice::from_raw_parts(row.cast::<u16>(), pw);
                    plane.extend_from_slice(row);
                } else {
                    let row = std::slice::from_raw_parts(row, pw);
                    plane.extend(row.iter().map(|&v| u16::from(v)));
                }
            }
            let last = plane[plane.len() - 1];
            plane.resize(plane.len() + padded_w - pw, last);
        }
        if padded_h > ph {
            let last_row = plane.len() - padded_w;
            plane.extend_from_within(last_row..);
        }
    }
    let (matrix, full_range) = match picture.seq_hdr {
        // SAFETY: the sequence header lives as long as the picture.
        Some(header) => unsafe {
            let header = header.as_ref();
            (header.mtrx as u16, header.color_range != 0)
        },
        None => (2, false),
    };
    let depth = u8::try_from(bpc).unwrap_or(8);
    Ok(Av1Frame {
        frame: Frame {
            widths: [lw as u32, cw as u32, cw as u32],
            heights: [lh as u32, ch as u32, ch as u32],
            planes,
            bit_depth: [depth, depth],
            chroma_format,
            full_range,
            matrix_coeffs: u8::try_from(matrix).unwrap_or(2),
        },
        params: ColorParams { matrix, full_range },
        size: (w as u32, h as u32),
    })
}

fn check(result: c_int, what: &str) -> Result<(), ItemError> {
    if result == 0 {
        Ok(())
    } else {
        Err(ItemError::Damaged(format!("AVIF: {what} (error {result})")))
    }
}

/// A decode error from rav1d: its data is damaged or uses something rav1d does not decode.
fn av1_error(result: c_int) -> ItemError {
    if result == -libc::ENOMEM {
        return ItemError::Damaged("AVIF: the AV1 picture needs more memory than allowed".into());
    }
    ItemError::Damaged(format!(
        "AVIF: the AV1 data is damaged (rav1d error {})",
        -result
    ))
}

fn damaged(e: heifer::heifer_isobmff::Error) -> ItemError {
    ItemError::Damaged(one_line(&format!("AVIF: {}", heifer::Error::from(e))))
}
