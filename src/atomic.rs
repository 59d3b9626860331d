//! Files that are either absent or complete: the bytes go to a temporary name beside the target,
//! are synced to disk and renamed into place; a failure at any step removes the temporary file.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// Writes `bytes` to `dst` through the temporary file `tmp` (in the same folder, so the rename is
/// atomic). `check` runs once `tmp` holds the bytes, before the sync: an error it returns is
/// handled like a failed write (the write stage's test seam uses it).
pub(crate) fn write_via(
    tmp: &Path,
    dst: &Path,
    bytes: &[u8],
    check: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let result = (|| {
        let mut file = fs::File::create(tmp)?;
        file.write_all(bytes)?;
        check(tmp)?;
        file.sync_data()?;
        drop(file);
        fs::rename(tmp, dst)
    })();
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_leaves_neither_the_target_nor_the_temporary_file() {
        let dir = std::env::temp_dir().join(format!("fanlight-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (tmp, dst) = (dir.join(".a.tmp"), dir.join("a.bin"));
        let refused = write_via(&tmp, &dst, b"abc", |_| {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        });
        assert!(refused.is_err());
        assert!(!tmp.exists() && !dst.exists());
        write_via(&tmp, &dst, b"abc", |t| {
            assert_eq!(fs::read(t)?, b"abc", "the check sees the whole file");
            Ok(())
        })
        .unwrap();
        assert_eq!(fs::read(&dst).unwrap(), b"abc");
        assert!(!tmp.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
