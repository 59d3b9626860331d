//! Per-photo records kept off the heap: an append-only list that holds its first 256 KiB in
//! memory and spills the rest to an unlinked temporary file, so a run of a million photos keeps
//! its plan and its outputs without a million allocations (see DESIGN.md, Memory).
//!
//! A [`Spool`] is written once by a [`SpoolWriter`], then read as often as wanted, by any
//! number of readers at once (positional reads of a file nobody else can open). A record is
//! encoded by its [`Record`] impl between a length prefix and the next record.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::marker::PhantomData;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How many bytes a reader reads from a spool's file at a time.
const READ_CHUNK: usize = 64 << 10;

/// Bytes kept in memory before the records spill to a temporary file.
const SPILL_AT: usize = 256 << 10;

/// A value that can be written to and read back from a spool.
pub trait Record: Sized {
    /// Appends the value's encoding to `out`.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads back a value [`Record::put`] wrote, advancing `input` past it.
    fn take(input: &mut &[u8]) -> Option<Self>;
}

/// Where the records are: the first `len` bytes in an unlinked temporary file (none for a
/// small spool), the rest in memory. Records never straddle the two.
#[derive(Debug)]
struct Store {
    file: Option<File>,
    len: u64,
    tail: Vec<u8>,
}

impl Store {
    /// The bytes from `offset` on, `want` of them when there are (up to the end of the file's
    /// part); empty at the end.
    fn read(&self, offset: u64, want: usize) -> Vec<u8> {
        if offset >= self.len {
            let start = usize::try_from(offset - self.len).unwrap_or(usize::MAX);
            let end = start.saturating_add(want).min(self.tail.len());
            return self.tail.get(start..end).unwrap_or_default().to_vec();
        }
        let n = (want as u64).min(self.len - offset) as usize;
        let mut bytes = vec![0; n];
        if let Some(file) = &self.file {
            file.read_exact_at(&mut bytes, offset)
                .expect("a spool's own file reads back");
        }
        bytes
    }
}

/// An immutable list of records: cheap to clone, read front to back.
pub struct Spool<T> {
    store: Arc<Store>,
    len: usize,
    _of: PhantomData<fn() -> T>,
}

impl<T> Clone for Spool<T> {
    fn clone(&self) -> Self {
        Spool {
            store: self.store.clone(),
            len: self.len,
            _of: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Spool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on_disk = self.store.file.is_some();
        f.debug_struct("Spool")
            .field("len", &self.len)
            .field("on_disk", &on_disk)
            .finish()
    }
}

impl<T> Default for Spool<T> {
    fn default() -> Self {
        Spool {
            store: Arc::new(Store {
                file: None,
                len: 0,
                tail: Vec::new(),
            }),
            len: 0,
            _of: PhantomData,
        }
    }
}

impl<T: Record> Spool<T> {
    /// How many records it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The records in the order they were written.
    #[must_use]
    pub fn iter(&self) -> Iter<T> {
        Iter {
            store: self.store.clone(),
            buf: Vec::new(),
            pos: 0,
            offset: 0,
            left: self.len,
            _of: PhantomData,
        }
    }

    /// Where each record starts, in order, for [`Spool::get_at`]: 8 bytes a record, for
    /// lookups by position in a large spool.
    #[must_use]
    pub fn offsets(&self) -> Vec<u64> {
        self.with_offsets().map(|(offset, _)| offset).collect()
    }

    /// The records in order, each with where it starts (see [`Spool::get_at`]).
    pub fn with_offsets(&self) -> impl Iterator<Item = (u64, T)> {
        let mut iter = self.iter();
        std::iter::from_fn(move || {
            let offset = iter.position();
            Some((offset, iter.next()?))
        })
    }

    /// The record starting at `offset` (one of [`Spool::offsets`]), and where the next one
    /// starts.
    #[must_use]
    pub fn get_at(&self, offset: u64) -> Option<(T, u64)> {
        // Most records are short: one read of a few hundred bytes usually holds one whole.
        let head = self.store.read(offset, 512);
        let len = u32::from_le_bytes(head.get(..4)?.try_into().ok()?) as usize;
        let bytes = if head.len() >= 4 + len {
            head
        } else {
            self.store.read(offset, 4 + len)
        };
        let (body, next) = frame(&bytes, 0)?;
        let mut input = body;
        Some((T::take(&mut input)?, offset + next as u64))
    }

    /// The records, collected.
    #[must_use]
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().collect()
    }

    /// A spool of `items`, in their order.
    pub fn from_items(items: impl IntoIterator<Item = T>) -> Self {
        let mut writer = SpoolWriter::new();
        for item in items {
            writer.push(&item);
        }
        writer.finish()
    }
}

impl<T: Record> IntoIterator for &Spool<T> {
    type Item = T;
    type IntoIter = Iter<T>;
    fn into_iter(self) -> Iter<T> {
        self.iter()
    }
}

/// Reads a spool's records in order.
pub struct Iter<T> {
    store: Arc<Store>,
    /// Bytes read from the file and not yet decoded start at `pos`.
    buf: Vec<u8>,
    pos: usize,
    /// Where the next read from the file starts.
    offset: u64,
    left: usize,
    _of: PhantomData<fn() -> T>,
}

impl<T> Iter<T> {
    /// Where the next record starts in the spool.
    fn position(&self) -> u64 {
        self.offset - (self.buf.len() - self.pos) as u64
    }
}

impl<T: Record> Iterator for Iter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        while frame(&self.buf, self.pos).is_none() {
            // Keep what is left of the last chunk and read the next one after it.
            self.buf.drain(..self.pos);
            self.pos = 0;
            let more = self.store.read(self.offset, READ_CHUNK);
            if more.is_empty() {
                return None;
            }
            self.offset += more.len() as u64;
            self.buf.extend_from_slice(&more);
        }
        let (record, next) = frame(&self.buf, self.pos)?;
        self.pos = next;
        let mut input = record;
        Some(T::take(&mut input).expect("a spool reads back what it wrote"))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// The record starting at `pos` of `buf` and where the next one starts, if it is all there.
fn frame(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let len = u32::from_le_bytes(buf.get(pos..pos + 4)?.try_into().ok()?) as usize;
    let body = buf.get(pos + 4..pos + 4 + len)?;
    Some((body, pos + 4 + len))
}

/// Appends records, then becomes a [`Spool`].
pub struct SpoolWriter<T> {
    /// Records not yet in the file.
    mem: Vec<u8>,
    /// The temporary file once the records passed [`SPILL_AT`], and how much of it holds
    /// records; `None` again after a write to it failed (a full temporary folder): from then
    /// on the records stay in memory, as they did before spools.
    file: Option<(File, u64)>,
    /// The file as it was when a write failed, kept for the records it holds.
    kept: Option<(File, u64)>,
    /// Whether a temporary file was asked for (once: without a temporary folder the records
    /// stay in memory).
    spilled: bool,
    len: usize,
    scratch: Vec<u8>,
    _of: PhantomData<fn() -> T>,
}

impl<T: Record> Default for SpoolWriter<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// How many bytes of records are gathered between writes to the file.
const WRITE_CHUNK: usize = 64 << 10;

impl<T: Record> SpoolWriter<T> {
    /// An empty list, in memory until it passes 256 KiB.
    #[must_use]
    pub fn new() -> Self {
        SpoolWriter {
            mem: Vec::new(),
            file: None,
            kept: None,
            spilled: false,
            len: 0,
            scratch: Vec::new(),
            _of: PhantomData,
        }
    }

    /// How many records were pushed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends `item`.
    pub fn push(&mut self, item: &T) {
        self.scratch.clear();
        self.scratch.extend_from_slice(&[0; 4]);
        item.put(&mut self.scratch);
        let body = u32::try_from(self.scratch.len() - 4).expect("a record under 4 GiB");
        self.scratch[..4].copy_from_slice(&body.to_le_bytes());
        self.mem.extend_from_slice(&self.scratch);
        self.len += 1;
        if !self.spilled && self.mem.len() >= SPILL_AT {
            self.spilled = true;
            self.file = anonymous_file().ok().map(|file| (file, 0));
        }
        if self.mem.len() >= WRITE_CHUNK {
            self.flush();
        }
    }

    /// Moves the records in memory to the file, if there is one that still takes writes.
    fn flush(&mut self) {
        let Some((file, len)) = &mut self.file else {
            return;
        };
        match file.write_all_at(&self.mem, *len) {
            Ok(()) => {
                *len += self.mem.len() as u64;
                self.mem.clear();
            }
            // What the file holds up to `len` stays good; the rest stays here.
            Err(_) => self.kept = self.file.take(),
        }
    }

    /// The records written, to be read.
    #[must_use]
    pub fn finish(mut self) -> Spool<T> {
        self.flush();
        let (file, len) = match self.file.take().or(self.kept.take()) {
            Some((file, len)) => (Some(file), len),
            None => (None, 0),
        };
        Spool {
            store: Arc::new(Store {
                file,
                len,
                tail: std::mem::take(&mut self.mem),
            }),
            len: self.len,
            _of: PhantomData,
        }
    }
}

/// A file in the temporary folder (`TMPDIR`) that only this handle can reach: it is created
/// exclusively and unlinked at once, so it is gone when the process ends, however it ends.
fn anonymous_file() -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::env::temp_dir().join(format!(
        ".fanlight-spool.{}-{:08x}",
        std::process::id(),
        crate::atomic::random_u32()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// Appends `n` as 8 little-endian bytes.
pub fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Reads what [`put_u64`] wrote.
pub fn take_u64(input: &mut &[u8]) -> Option<u64> {
    let (head, rest) = input.split_at_checked(8)?;
    *input = rest;
    Some(u64::from_le_bytes(head.try_into().ok()?))
}

/// Appends `bytes` with their length.
pub fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads what [`put_bytes`] wrote.
pub fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(take_u64(input)?).ok()?;
    let (head, rest) = input.split_at_checked(len)?;
    *input = rest;
    Some(head)
}

impl Record for PathBuf {
    fn put(&self, out: &mut Vec<u8>) {
        put_bytes(out, self.as_os_str().as_bytes());
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some(Path::new(OsStr::from_bytes(take_bytes(input)?)).to_path_buf())
    }
}

impl Record for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_u64(out, *self);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        take_u64(input)
    }
}

impl<A: Record, B: Record> Record for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some((A::take(input)?, B::take(input)?))
    }
}

impl<A: Record> Record for Option<A> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(a) => {
                out.push(1);
                a.put(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let (&tag, rest) = input.split_first()?;
        *input = rest;
        match tag {
            0 => Some(None),
            _ => Some(Some(A::take(input)?)),
        }
    }
}

impl<A: Record> Record for Vec<A> {
    fn put(&self, out: &mut Vec<u8>) {
        put_u64(out, self.len() as u64);
        for a in self {
            a.put(out);
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let n = usize::try_from(take_u64(input)?).ok()?;
        (0..n).map(|_| A::take(input)).collect()
    }
}

impl Record for SystemTime {
    fn put(&self, out: &mut Vec<u8>) {
        // Times before 1970 are kept as their distance below it, with a sign.
        let (sign, d) = match self.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => (0, d),
            Err(e) => (1, e.duration()),
        };
        out.push(sign);
        put_u64(out, d.as_secs());
        put_u64(out, u64::from(d.subsec_nanos()));
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let (&sign, rest) = input.split_first()?;
        *input = rest;
        let d = Duration::new(take_u64(input)?, u32::try_from(take_u64(input)?).ok()?);
        match sign {
            0 => SystemTime::UNIX_EPOCH.checked_add(d),
            _ => SystemTime::UNIX_EPOCH.checked_sub(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_in_order_from_memory_and_from_the_spilled_file() {
        for n in [0usize, 3, 200_000] {
            let mut writer = SpoolWriter::new();
            let item = |i: usize| {
                let name = format!("folder/{}/p{i}.jpg", "x".repeat(i % 97));
                (PathBuf::from(name), Some(i as u64))
            };
            for i in 0..n {
                writer.push(&item(i));
            }
            let spool = writer.finish();
            assert_eq!(spool.len(), n);
            let on_disk = spool.store.file.is_some();
            assert_eq!(on_disk, n == 200_000, "{n} records");
            let offsets = spool.offsets();
            for i in [0, n / 2, n.saturating_sub(1)]
                .into_iter()
                .filter(|&i| i < n)
            {
                let (record, next) = spool.get_at(offsets[i]).unwrap();
                assert_eq!(record, item(i));
                assert_eq!(offsets.get(i + 1).copied().unwrap_or(next), next);
            }
            // Two readers at once each see every record.
            let (mut a, mut b) = (spool.iter(), spool.iter());
            for i in 0..n {
                assert_eq!(a.next(), Some(item(i)));
                assert_eq!(b.next(), Some(item(i)));
            }
            assert_eq!(a.next(), None);
        }
    }

    #[test]
    fn a_record_larger_than_a_read_chunk_reads_back_whole() {
        let mut writer = SpoolWriter::new();
        let big = vec![PathBuf::from("y".repeat(300_000)); 8];
        for _ in 0..3 {
            writer.push(&big);
        }
        let spool = writer.finish();
        assert!(spool.store.file.is_some());
        assert_eq!(spool.to_vec(), vec![big.clone(), big.clone(), big]);
    }

    #[test]
    fn records_stay_in_memory_when_the_temporary_file_refuses_writes() {
        // A file open only for reading stands for a full temporary folder.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"").unwrap();
        let mut writer = SpoolWriter::new();
        writer.file = Some((File::open(dir.path().join("f")).unwrap(), 0));
        writer.spilled = true;
        let items: Vec<u64> = (0..100_000).collect();
        for i in &items {
            writer.push(i);
        }
        let spool = writer.finish();
        assert_eq!(spool.store.len, 0, "nothing counted as written to the file");
        assert_eq!(spool.to_vec(), items);
    }

    #[test]
    fn times_before_and_after_1970_read_back() {
        let after = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 123);
        let before = SystemTime::UNIX_EPOCH - Duration::new(86_400, 5);
        let spool = Spool::from_items([after, before]);
        assert_eq!(spool.to_vec(), vec![after, before]);
    }
}
