//! `write`: encode, then write atomically: a temporary file in the destination folder, synced,
//! renamed into place only when complete. A failed write removes its temporary file.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Format, OutputSpec, Variant};
use crate::error::{opt, ItemError};
use crate::ops::decode::ImageKind;
use crate::ops::encode::encode;
use crate::ops::raster::Layout;
use crate::pipeline::{Frame, Job, Stage, Written};
use crate::stage_name::StageName;

/// A write-failure seam: called with the temporary file's path once it holds the encoded bytes,
/// before it is synced and renamed; an error it returns (say `ENOSPC`) is handled like a real one.
pub type WriteFault = Arc<dyn Fn(&Path) -> io::Result<()> + Send + Sync>;

/// Every temporary output ends with this, so stale ones can be found and removed.
pub const TEMP_SUFFIX: &str = ".fanlight-tmp";

/// The write stage of one worker.
pub struct Write {
    /// Encoder settings and metadata; each output's format and quality are its variant's.
    pub output: OutputSpec,
    /// The run's outputs ([`crate::Config::outputs`]).
    pub variants: Arc<[Variant]>,
    /// See [`WriteFault`].
    pub fault: Option<WriteFault>,
}

impl Stage for Write {
    const NAME: StageName = StageName::Write;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        // Normally done by `resize`; here for flows that skip it.
        frame.turn_upright();
        let mut img = frame.image.take().expect("frame has an image after load");
        let target = frame.output().clone();
        let variant = &self.variants[target.variant];
        let output = OutputSpec {
            format: variant.format,
            quality: variant.quality,
            ..self.output
        };
        if let Some(planned) = target.size {
            if planned != (img.width, img.height) {
                return Err(ItemError::Panic(format!(
                    "the output is {}x{} but its name was planned for {}x{}",
                    img.width, img.height, planned.0, planned.1
                )));
            }
        }
        let kind = output_kind(output.format, &target.dst, frame.kind);
        let mut meta = std::mem::take(&mut frame.meta);
        if img.layout == Layout::Gray && matches!(kind, ImageKind::Webp | ImageKind::Avif) {
            // WebP and AVIF store grey as colour, where a grey profile would be misread: the
            // pixels are converted through it to sRGB grey instead, and it is not embedded.
            if let Some(icc) = meta.icc.take_if(|icc| icc.get(16..20) == Some(b"GRAY")) {
                crate::ops::colour::to_srgb(&mut img, &icc)?;
            }
        }
        if let Some(icc) = meta.icc.take_if(|icc| !icc_fits(icc, img.layout)) {
            let space = String::from_utf8_lossy(icc.get(16..20).unwrap_or(b"????")).into_owned();
            frame.warn(
                Self::NAME,
                format!(
                    "its ICC profile (colour space '{}') does not describe the {} pixels written, so it was left out",
                    space.trim(),
                    if img.layout == Layout::Gray { "grey" } else { "colour" },
                ),
            );
        }
        let bytes = encode(&img, kind, &output.encoding(), &meta)?;
        let keep = Keep::of(&frame.job, &target.dst);
        write_with(&target.dst, &bytes, &keep, self.fault.as_ref())?;
        frame.written = Some(Written {
            width: img.width,
            height: img.height,
            bytes: bytes.len() as u64,
            format: kind.name(),
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

/// The temporary name beside `dst` for a write's `attempt`:
/// `.{key}.{host}-{pid}-{random}.fanlight-tmp`, hidden, ending in [`TEMP_SUFFIX`]. `key` stands
/// for the output's name (see [`temp_key`]); `host` (a hash of the host name) and `pid` say whose
/// it is, so a later run can tell a dead run's leftovers from a live run's work; the random part
/// makes the name unguessable (and `attempt` is only a seed for another one).
#[must_use]
pub fn temp_path(dst: &Path, attempt: u32) -> PathBuf {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let key = temp_key(&name);
    let random = crate::atomic::random_u32() ^ attempt;
    dst.with_file_name(format!(
        ".{key}.{:08x}-{}-{random:08x}{TEMP_SUFFIX}",
        host_tag(),
        std::process::id()
    ))
}

/// A hash of this machine's host name: temporaries from another machine sharing the folder are
/// never taken for a dead local run's.
fn host_tag() -> u32 {
    static TAG: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *TAG.get_or_init(|| {
        let mut buf = [0u8; 256];
        // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer it is given.
        let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
        let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let name = if ok { &buf[..len] } else { b"" };
        super::fnv1a(name) as u32
    })
}

/// The part of a temporary name that stands for the output `name`: the name itself, or, when
/// that would make the temporary name longer than 255 bytes (any output name the file system
/// accepts must stay writable), its first 128 bytes and a hash of the whole name, so temporary
/// names stay unique and a later run can still find its stale ones.
#[must_use]
pub fn temp_key(name: &str) -> std::borrow::Cow<'_, str> {
    // '.', the name, '.', host (8), '-', a pid of at most 10 digits, '-', random (8), the suffix.
    if name.len() + 30 + TEMP_SUFFIX.len() <= NAME_MAX {
        return name.into();
    }
    let hash = super::fnv1a(name.as_bytes());
    let mut cut = 128;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}.{hash:016x}", &name[..cut]).into()
}

/// What of the input an output keeps, applied to the temporary file before the rename so the
/// output appears with it.
#[derive(Debug, Default)]
struct Keep {
    /// The permissions of the input it replaces (`--in-place`): a 0600 photo stays 0600.
    mode: Option<fs::Permissions>,
    /// The input's access and modification times (`keep_times`).
    times: Option<fs::FileTimes>,
}

impl Keep {
    /// What the output `dst` of `job` keeps of its input: the mode when the output replaces
    /// the input itself (in place), the times the plan took when asked to. An input that
    /// cannot be read keeps no mode (its read has failed with the reason already).
    fn of(job: &Job, dst: &Path) -> Keep {
        let mode = fs::metadata(&job.src).ok().and_then(|meta| {
            let replaces_input = fs::metadata(dst).is_ok_and(|d| same_file(&meta, &d));
            replaces_input.then(|| meta.permissions())
        });
        let times = job.times.map(|(accessed, modified)| {
            fs::FileTimes::new()
                .set_accessed(accessed)
                .set_modified(modified)
        });
        Keep { mode, times }
    }

    /// Gives the temporary file at `tmp` what is kept.
    fn apply(&self, tmp: &Path) -> io::Result<()> {
        if let Some(mode) = &self.mode {
            fs::set_permissions(tmp, mode.clone())?;
        }
        if let Some(times) = self.times {
            fs::File::options()
                .write(true)
                .open(tmp)?
                .set_times(times)?;
        }
        Ok(())
    }
}

/// Whether two metadata are of one file (same device and inode).
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Writes `bytes` to `dst` so that `dst` is either absent, as before, or complete, with what
/// `keep` says of the input, and with the test seam `fault` called once the temporary file
/// holds the bytes: its error is handled like a real one, so the temporary file is removed.
fn write_with(
    dst: &Path,
    bytes: &[u8],
    keep: &Keep,
    fault: Option<&WriteFault>,
) -> Result<(), ItemError> {
    let fail = |e: io::Error| ItemError::Write {
        path: dst.to_path_buf(),
        reason: io_reason(&e, dst),
    };
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent).map_err(fail)?;
    }
    let check = |tmp: &Path| {
        keep.apply(tmp)?;
        fault.map_or(Ok(()), |fault| fault(tmp))
    };
    crate::atomic::write_new(dst, bytes, |attempt| temp_path(dst, attempt), check).map_err(fail)
}

/// A write error in plain words with the advice that fits its cause, then the system's own text.
fn io_reason(e: &io::Error, dst: &Path) -> String {
    let plain = match e.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "permission denied (the output folder is not writable: check its permissions, or \
             choose another with -o)"
                .to_string()
        }
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "no space left on the device (free some space, or choose another output folder with -o)"
                .to_string()
        }
        io::ErrorKind::InvalidFilename => {
            let name = dst.file_name().map_or(0, |n| n.len());
            let path = dst.as_os_str().len();
            if name > NAME_MAX {
                format!(
                    "the file name is too long for the file system ({name} bytes; most allow \
                     {NAME_MAX}); shorten it with {}",
                    opt("--name")
                )
            } else {
                format!(
                    "the path is too long for the system ({path} bytes; Linux allows 4096); \
                     choose a shorter output folder with {}",
                    opt("-o")
                )
            }
        }
        io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists => {
            "a file is in the way of the output folder (move it, or choose another output folder)"
                .to_string()
        }
        io::ErrorKind::IsADirectory => format!(
            "a folder is in the way of the output file (move it, or choose another name with {})",
            opt("--name")
        ),
        _ => return crate::error::one_line(&e.to_string()),
    };
    match e.raw_os_error() {
        Some(_) => format!("{plain}: {e}"),
        None => plain,
    }
}

/// A temporary file older than this is stale whoever made it: a write takes well under a second
/// from creating its temporary file to renaming it.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Removes the temporary files that an earlier, killed run left for the outputs `dsts`; returns
/// how many.
///
/// Only temporaries of these outputs are looked at, never others in the same folders, and of
/// those only what is provably not a live run's work: one made on this machine by a process that
/// is gone, or one untouched for [`STALE_AFTER`]. Shards of one batch (`--shard K/N`, even on
/// several machines) and a second run started on the same folder may be writing there at that
/// moment. A symbolic link at a temporary name is never a run's work (temporaries are created
/// as new files, never through a link) and is removed, the link and not what it points to.
///
/// The outputs' names are gathered [`STALE_BATCH`] at a time and the folders of each batch
/// listed once, so a million outputs never sit in memory at once.
pub fn remove_stale_temps(dsts: impl IntoIterator<Item = PathBuf>) -> usize {
    let mut by_folder: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let mut held = 0;
    let mut removed = 0;
    for dst in dsts {
        if let (Some(parent), Some(name)) = (dst.parent(), dst.file_name()) {
            let key = temp_key(&name.to_string_lossy()).into_owned();
            held += usize::from(
                by_folder
                    .entry(parent.to_path_buf())
                    .or_default()
                    .insert(key),
            );
        }
        if held >= STALE_BATCH {
            removed += remove_stale_in(std::mem::take(&mut by_folder));
            held = 0;
        }
    }
    removed + remove_stale_in(by_folder)
}

/// Output names gathered before their folders are listed for stale temporaries.
const STALE_BATCH: usize = 1 << 16;

fn remove_stale_in(by_folder: HashMap<PathBuf, HashSet<String>>) -> usize {
    let mut removed = 0;
    for (folder, names) in by_folder {
        let Ok(entries) = fs::read_dir(if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &folder
        }) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // `.{output key}.{host}-{pid}-{random}.fanlight-tmp`, see `temp_path`.
            let Some((output, owner)) = name
                .strip_prefix('.')
                .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
                .and_then(|n| n.rsplit_once('.'))
            else {
                continue;
            };
            if !names.contains(output) {
                continue;
            }
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            let stale = if meta.file_type().is_symlink() {
                true
            } else {
                meta.file_type().is_file() && (dead_local_owner(owner) || untouched_for(&meta))
            };
            if stale && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// Whether `owner` (`{host}-{pid}-{random}`) names a process of this machine that has ended.
fn dead_local_owner(owner: &str) -> bool {
    let mut parts = owner.split('-');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    if u32::from_str_radix(host, 16) != Ok(host_tag()) || pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let alive = unsafe { libc::kill(pid, 0) } == 0
        || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    !alive
}

fn untouched_for(meta: &fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid no process can have (above Linux's largest `pid_max`).
    const DEAD_PID: u32 = 2_147_483_000;

    fn planted(dir: &Path, key: &str, owner: &str) -> PathBuf {
        let path = dir.join(format!(".{key}.{owner}{TEMP_SUFFIX}"));
        fs::write(&path, b"half").unwrap();
        path
    }

    #[test]
    fn only_provably_stale_temporaries_of_this_runs_outputs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mine = d.join("a.jpg");
        let host = format!("{:08x}", host_tag());
        let other_host = format!("{:08x}", host_tag().wrapping_add(1));
        let me = std::process::id();
        let dead_here = planted(d, "a.jpg", &format!("{host}-{DEAD_PID}-00000001"));
        let live_here = planted(d, "a.jpg", &format!("{host}-{me}-00000002"));
        let elsewhere = planted(d, "a.jpg", &format!("{other_host}-{DEAD_PID}-00000003"));
        let old_elsewhere = planted(d, "a.jpg", &format!("{other_host}-{DEAD_PID}-00000004"));
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&old_elsewhere)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        let not_ours = planted(d, "b.jpg", &format!("{host}-{DEAD_PID}-00000005"));
        let outside = d.join("outside.txt");
        fs::write(&outside, b"keep").unwrap();
        let link = d.join(format!(".a.jpg.{host}-{me}-00000006{TEMP_SUFFIX}"));
        std::os::unix::fs::symlink(&outside, &link).unwrap();

        assert_eq!(remove_stale_temps([mine.clone()]), 3);
        assert!(!dead_here.exists(), "a dead local run's leftover goes");
        assert!(
            !old_elsewhere.exists(),
            "anything untouched for an hour goes"
        );
        assert!(link.symlink_metadata().is_err(), "a planted link goes");
        assert!(live_here.exists(), "a live run's temporary stays");
        assert!(
            elsewhere.exists(),
            "another machine's fresh temporary stays"
        );
        assert!(not_ours.exists(), "only this run's outputs' temporaries");
        assert_eq!(fs::read(&outside).unwrap(), b"keep");
    }

    #[test]
    fn temporary_names_of_long_outputs_fit_and_their_stale_ones_are_found() {
        let dir = std::env::temp_dir().join(format!("fanlight-temp-key-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let short = dir.join("a.jpg");
        let long = dir.join(format!("{}.jpg", "é".repeat(125))); // 254 bytes
        let other = dir.join(format!("{}b.jpg", "é".repeat(124)));
        let host = format!("{:08x}", host_tag());
        let mut leftovers = Vec::new();
        for dst in [&short, &long, &other] {
            let tmp = temp_path(dst, 0);
            assert!(tmp.file_name().unwrap().len() <= NAME_MAX, "{tmp:?}");
            // The same name as a dead run of this machine would have left.
            let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
            let (key, _) = name
                .strip_suffix(TEMP_SUFFIX)
                .unwrap()
                .rsplit_once('.')
                .unwrap();
            let path = dir.join(format!("{key}.{host}-{DEAD_PID}-0000000a{TEMP_SUFFIX}"));
            fs::write(&path, b"partial").unwrap();
            leftovers.push(path);
        }
        assert_ne!(temp_path(&long, 0), temp_path(&other, 0));
        assert_ne!(temp_path(&short, 0), temp_path(&short, 0), "a random part");
        let pid = std::process::id();
        let name = temp_path(&short, 0)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(&format!(".a.jpg.{host}-{pid}-")) && name.ends_with(TEMP_SUFFIX),
            "{name}"
        );
        assert_eq!(remove_stale_temps([short.clone(), long.clone()]), 2);
        assert!(
            leftovers[2].exists(),
            "only this run's outputs' temporaries"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn each_write_error_gets_the_advice_for_its_cause_only() {
        let os = |code| io::Error::from_raw_os_error(code);
        let dst = Path::new("out/a.jpg");
        let long_name = PathBuf::from(format!("out/{}.jpg", "n".repeat(300)));
        let long_path = PathBuf::from(format!("{}/a.jpg", "d/".repeat(2100)));
        let cases = [
            (os(libc::ENOSPC), dst, "free some space"),
            (os(libc::EACCES), dst, "not writable"),
            (os(libc::EISDIR), dst, "a folder is in the way"),
            (os(libc::ENOTDIR), dst, "a file is in the way"),
            (
                os(libc::ENAMETOOLONG),
                long_name.as_path(),
                "file name is too long",
            ),
            (
                os(libc::ENAMETOOLONG),
                long_path.as_path(),
                "the path is too long",
            ),
        ];
        for (error, path, advice) in cases {
            let reason = io_reason(&error, path);
            assert!(reason.contains(advice), "{reason}");
            let others = [
                "free some space",
                "not writable",
                "is in the way",
                "too long",
            ];
            let hints = others.iter().filter(|h| reason.contains(*h)).count();
            assert_eq!(hints, 1, "one cause's advice only: {reason}");
        }
        // No advice for a cause with none to give: the system's words alone.
        assert_eq!(io_reason(&os(libc::EIO), dst), os(libc::EIO).to_string());
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
