//! Files that are either absent or complete: the bytes go to a new temporary file beside the
//! target, are synced to disk and renamed into place, and the folder is synced so the rename
//! survives a power loss; a failure at any step removes the temporary file.
//!
//! The temporary file is created with `O_CREAT | O_EXCL | O_NOFOLLOW`: a file or a symbolic link
//! planted at its name makes the open fail instead of redirecting the write, and another name is
//! tried. The rename replaces whatever is at the target itself, a symbolic link included, without
//! following it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// How many temporary names are tried before giving up.
const ATTEMPTS: u32 = 16;

/// Writes `bytes` to `dst` through a new temporary file named by `temp_name(attempt)` (in the
/// same folder, so the rename is atomic). `check` runs once the temporary file holds the bytes,
/// before the sync: an error it returns is handled like a failed write (the write stage's test
/// seam uses it).
pub(crate) fn write_new(
    dst: &Path,
    bytes: &[u8],
    temp_name: impl Fn(u32) -> PathBuf,
    check: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    write_new_with(dst, |file| file.write_all(bytes), temp_name, check)
}

/// [`write_new`] with the bytes written by `fill` as they are made.
pub(crate) fn write_new_with(
    dst: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
    temp_name: impl Fn(u32) -> PathBuf,
    check: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let (mut file, tmp) = create_new(temp_name)?;
    let result = (|| {
        fill(&mut file)?;
        check(&tmp)?;
        file.sync_data()?;
        drop(file);
        fs::rename(&tmp, dst)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_folder(dst);
    Ok(())
}

/// Opens the first free name of `temp_name(0..ATTEMPTS)` as a new file, never through a link.
fn create_new(temp_name: impl Fn(u32) -> PathBuf) -> io::Result<(File, PathBuf)> {
    let mut last = None;
    for attempt in 0..ATTEMPTS {
        let path = temp_name(attempt);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    let taken = last.map_or_else(String::new, |e| format!(": {e}"));
    Err(io::Error::other(format!(
        "every temporary name tried was taken (is something planting files in the output folder?){taken}"
    )))
}

/// Makes the rename into `dst`'s folder durable. Best effort: a file system that cannot sync a
/// folder (some network mounts) still has the complete file, which is what the run promises.
fn sync_folder(dst: &Path) {
    #[cfg(unix)]
    {
        let folder = match dst.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(folder) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = dst;
}

/// A hidden name beside `path` for its temporary file: `.{name}.{pid}-{random}{suffix}`.
pub(crate) fn temp_beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(
        ".{}-{:08x}{suffix}",
        std::process::id(),
        random_u32()
    ));
    path.with_file_name(name)
}

/// Four bytes from the system's random source, for temporary names another process cannot
/// guess in advance (a guessed name only costs a retry, but a planted one must not stall us).
pub(crate) fn random_u32() -> u32 {
    let mut buf = [0u8; 4];
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrandom writes at most `buf.len()` bytes into the buffer it is given.
        let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n == 4 {
            return u32::from_ne_bytes(buf);
        }
    }
    // Elsewhere (or if getrandom failed): the clock and a counter, mixed.
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    buf = (nanos
        ^ COUNTER
            .fetch_add(0x9e37_79b9, Ordering::Relaxed)
            .rotate_left(7))
    .to_ne_bytes();
    u32::from_ne_bytes(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fanlight-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_failed_check_leaves_neither_the_target_nor_the_temporary_file() {
        let dir = scratch("check");
        let (tmp, dst) = (dir.join(".a.tmp"), dir.join("a.bin"));
        let name = |_| tmp.clone();
        let refused = write_new(&dst, b"abc", name, |_| {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        });
        assert!(refused.is_err());
        assert!(!tmp.exists() && !dst.exists());
        write_new(&dst, b"abc", name, |t| {
            assert_eq!(fs::read(t)?, b"abc", "the check sees the whole file");
            Ok(())
        })
        .unwrap();
        assert_eq!(fs::read(&dst).unwrap(), b"abc");
        assert!(!tmp.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_temporary_name_is_never_written_through() {
        let dir = scratch("link");
        let outside = dir.join("outside.txt");
        fs::write(&outside, b"keep me").unwrap();
        let (planted, free, dst) = (dir.join(".t0"), dir.join(".t1"), dir.join("a.bin"));
        std::os::unix::fs::symlink(&outside, &planted).unwrap();
        let name = |attempt: u32| dir.join(format!(".t{attempt}"));
        write_new(&dst, b"new", name, |t| {
            assert_eq!(t, free, "the planted name is passed over");
            Ok(())
        })
        .unwrap();
        assert_eq!(fs::read(&outside).unwrap(), b"keep me");
        assert_eq!(fs::read(&dst).unwrap(), b"new");
        assert!(fs::symlink_metadata(&dst).unwrap().file_type().is_file());
        // Every name taken: refused, nothing written anywhere.
        let stuck = |_| planted.clone();
        assert!(write_new(&dir.join("b.bin"), b"x", stuck, |_| Ok(())).is_err());
        assert_eq!(fs::read(&outside).unwrap(), b"keep me");
        fs::remove_dir_all(&dir).unwrap();
    }
}
