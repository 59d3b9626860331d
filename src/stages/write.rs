//! `write`: encode, then write atomically: a temporary file in the destination folder, synced,
//! renamed into place only when complete. A failed write removes its temporary file.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::config::{Format, OutputSpec, WriteFault};
use crate::error::ItemError;
use crate::ops::decode::ImageKind;
use crate::ops::encode::encode;
use crate::ops::raster::Layout;
use crate::pipeline::{Frame, Stage, StageName, Written};

/// Every temporary output ends with this, so stale ones can be found and removed.
pub const TEMP_SUFFIX: &str = ".fanlight-tmp";

/// The write stage of one worker.
pub struct Write {
    /// Format and quality.
    pub output: OutputSpec,
    /// See [`crate::Config::write_fault`].
    pub fault: Option<WriteFault>,
}

impl Stage for Write {
    const NAME: StageName = StageName::Write;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        // Normally done by `resize`; here for flows that skip it.
        frame.turn_upright();
        let mut img = frame.image.take().expect("frame has an image after load");
        if let Some(planned) = frame.job.size {
            if planned != (img.width, img.height) {
                return Err(ItemError::Panic(format!(
                    "the output is {}x{} but its name was planned for {}x{}",
                    img.width, img.height, planned.0, planned.1
                )));
            }
        }
        let kind = output_kind(self.output.format, &frame.job.dst, frame.kind);
        let mut meta = std::mem::take(&mut frame.meta);
        if img.layout == Layout::Gray && matches!(kind, ImageKind::Webp | ImageKind::Avif) {
            // WebP and AVIF store grey as colour, where a grey profile would be misread: the
            // pixels are converted through it to sRGB grey instead, and it is not embedded.
            if let Some(icc) = meta.icc.take_if(|icc| icc.get(16..20) == Some(b"GRAY")) {
                crate::ops::colour::to_srgb(&mut img, &icc)?;
            }
        }
        meta.icc = meta.icc.filter(|icc| icc_fits(icc, img.layout));
        let bytes = encode(&img, kind, &self.output, &meta)?;
        write_with(&frame.job.dst, &bytes, self.fault.as_ref())?;
        frame.written = Some(Written {
            width: img.width,
            height: img.height,
            bytes: bytes.len() as u64,
        });
        crate::ops::buffers::recycle(img.data);
        Ok(frame)
    }
}

/// Whether an ICC profile describes pixels of `layout`: its colour space (bytes 16..20 of the
/// header) must be `RGB ` for colour and `GRAY` for grey. A CMYK photo is decoded to RGB and a grey
/// one may have become colour, and embedding their old profile would make viewers misread it.
#[must_use]
pub fn icc_fits(icc: &[u8], layout: Layout) -> bool {
    let space = icc.get(16..20);
    match layout {
        Layout::Gray => space == Some(b"GRAY"),
        Layout::Rgb | Layout::Rgba => space == Some(b"RGB "),
    }
}

/// The format to encode: the requested one, else the output name's, else the input's.
#[must_use]
pub fn output_kind(format: Format, dst: &Path, input: Option<ImageKind>) -> ImageKind {
    format.kind().unwrap_or_else(|| {
        dst.extension()
            .and_then(|e| ImageKind::from_extension(&e.to_string_lossy()))
            .or(input)
            .map_or(ImageKind::Png, ImageKind::writable)
    })
}

/// The longest file name most file systems allow, in bytes: temporary names are kept within it.
const NAME_MAX: usize = 255;

/// The temporary name beside `dst`: `.{key}.{pid}.fanlight-tmp`, hidden, with the process id,
/// ending in [`TEMP_SUFFIX`]; `key` is the output's name (see [`temp_key`]).
#[must_use]
pub fn temp_path(dst: &Path) -> PathBuf {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let key = temp_key(&name);
    dst.with_file_name(format!(".{key}.{}{TEMP_SUFFIX}", std::process::id()))
}

/// The part of a temporary name that stands for the output `name`: the name itself, or, when
/// that would make the temporary name longer than 255 bytes (any output name the file system
/// accepts must stay writable), its first 128 bytes and a hash of the whole name, so temporary
/// names stay unique and a later run can still find its stale ones.
#[must_use]
pub fn temp_key(name: &str) -> std::borrow::Cow<'_, str> {
    // '.', the name, '.', a pid of at most 10 digits, the suffix.
    if name.len() + 12 + TEMP_SUFFIX.len() <= NAME_MAX {
        return name.into();
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut cut = 128;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}.{hash:016x}", &name[..cut]).into()
}

/// Writes `bytes` to `dst` so that `dst` is either absent, as before, or complete.
pub fn write_atomically(dst: &Path, bytes: &[u8]) -> Result<(), ItemError> {
    write_with(dst, bytes, None)
}

/// [`write_atomically`], with the test seam `fault` called once the temporary file holds the
/// bytes: its error is handled like a real one, so the temporary file is removed.
fn write_with(dst: &Path, bytes: &[u8], fault: Option<&WriteFault>) -> Result<(), ItemError> {
    let fail = |e: io::Error| ItemError::Write {
        path: dst.to_path_buf(),
        reason: io_reason(&e),
    };
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent).map_err(fail)?;
    }
    let tmp = temp_path(dst);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        if let Some(fault) = fault {
            fault(&tmp)?;
        }
        file.sync_data()?;
        drop(file);
        fs::rename(&tmp, dst)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

/// A write error in plain words, with the system's own text after it.
fn io_reason(e: &io::Error) -> String {
    let plain = match e.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "permission denied (the output folder is not writable)"
        }
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "no space left on the device"
        }
        io::ErrorKind::InvalidFilename => {
            "the file name is too long for the file system (most allow 255 bytes); shorten it with --name"
        }
        io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists => {
            "a file is in the way of the output folder"
        }
        _ => return crate::error::one_line(&e.to_string()),
    };
    match e.raw_os_error() {
        Some(_) => format!("{plain}: {e}"),
        None => plain.to_string(),
    }
}

/// Removes the temporary files that an earlier, killed run left for the outputs `dsts`; returns
/// how many.
///
/// Only temporaries of these outputs are touched, never others in the same folders: shards of
/// one batch (`--shard K/N`) share an output folder, and a shard starting must not delete the
/// files another shard is writing at that moment.
pub fn remove_stale_temps<'a>(dsts: impl IntoIterator<Item = &'a Path>) -> usize {
    let mut by_folder: HashMap<&Path, HashSet<String>> = HashMap::new();
    for dst in dsts {
        if let (Some(parent), Some(name)) = (dst.parent(), dst.file_name()) {
            by_folder
                .entry(parent)
                .or_default()
                .insert(temp_key(&name.to_string_lossy()).into_owned());
        }
    }
    let mut removed = 0;
    for (folder, names) in by_folder {
        let Ok(entries) = fs::read_dir(if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        }) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // `.{output name}.{pid}.fanlight-tmp`, see `temp_path`.
            let output = name
                .strip_prefix('.')
                .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
                .and_then(|n| n.rsplit_once('.'))
                .map(|(output, _pid)| output);
            if output.is_some_and(|o| names.contains(o))
                && entry.file_type().is_ok_and(|t| t.is_file())
                && fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stale_temporaries_of_this_runs_outputs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("a.jpg");
        let theirs = dir.path().join("b.jpg");
        let mine_tmp = dir.path().join(".a.jpg.4242.fanlight-tmp");
        let theirs_tmp = dir.path().join(".b.jpg.4243.fanlight-tmp");
        fs::write(&mine_tmp, b"half").unwrap();
        fs::write(&theirs_tmp, b"being written by another shard").unwrap();
        assert_eq!(temp_path(&mine).parent(), Some(dir.path()));
        assert_eq!(remove_stale_temps([mine.as_path()]), 1);
        assert!(!mine_tmp.exists());
        assert!(theirs_tmp.exists(), "{} is not ours", theirs.display());
    }

    #[test]
    fn temporary_names_of_long_outputs_fit_and_their_stale_ones_are_found() {
        let dir = std::env::temp_dir().join(format!("fanlight-temp-key-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let short = dir.join("a.jpg");
        let long = dir.join(format!("{}.jpg", "é".repeat(125))); // 254 bytes
        let other = dir.join(format!("{}b.jpg", "é".repeat(124)));
        for dst in [&short, &long, &other] {
            let tmp = temp_path(dst);
            assert!(tmp.file_name().unwrap().len() <= NAME_MAX, "{tmp:?}");
            fs::write(&tmp, b"partial").unwrap();
        }
        assert_ne!(temp_path(&long), temp_path(&other));
        let pid = std::process::id();
        assert_eq!(
            temp_path(&short),
            dir.join(format!(".a.jpg.{pid}{TEMP_SUFFIX}"))
        );
        assert_eq!(remove_stale_temps([short.as_path(), long.as_path()]), 2);
        assert!(
            temp_path(&other).exists(),
            "only this run's outputs' temporaries"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn profiles_are_kept_only_for_pixels_they_describe() {
        let mut rgb = vec![0u8; 128];
        rgb[16..20].copy_from_slice(b"RGB ");
        let mut cmyk = rgb.clone();
        cmyk[16..20].copy_from_slice(b"CMYK");
        assert!(icc_fits(&rgb, Layout::Rgb) && icc_fits(&rgb, Layout::Rgba));
        assert!(!icc_fits(&rgb, Layout::Gray));
        assert!(!icc_fits(&cmyk, Layout::Rgb));
        assert!(!icc_fits(&[1, 2, 3], Layout::Rgb));
    }
}
