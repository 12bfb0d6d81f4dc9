//! Content-addressed message bodies. A blob is named by the BLAKE3 hash of its bytes, so one
//! message delivered to many recipients is stored once. Blobs are written and fsynced before the
//! transaction that references them commits.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::spool::{Spool, SpoolFile};

/// Files under `tmp/` older than this at start are leftovers of a crash (a spool of a DATA in
/// progress is younger): younger ones may belong to a server running beside `kantor admin`.
const STALE_TMP: Duration = Duration::from_secs(24 * 3600);

/// The hex BLAKE3 hash of a blob's bytes, kept inline (no allocation: every message summary
/// holds one).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobHash([u8; 64]);

impl BlobHash {
    /// Hashes `data`.
    pub fn of(data: &[u8]) -> BlobHash {
        let hex = blake3::hash(data).to_hex();
        BlobHash::parse(hex.as_str()).expect("BLAKE3 hex is 64 lowercase hex digits")
    }

    /// Accepts a stored hash (64 lowercase hex digits) and nothing else, so it is safe in a path.
    pub fn parse(s: &str) -> Option<BlobHash> {
        let digits: [u8; 64] = s.as_bytes().try_into().ok()?;
        let valid = digits
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then_some(BlobHash(digits))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits ever get in (`parse`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobHash({})", self.as_str())
    }
}

impl std::fmt::Display for BlobHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A blob in memory together with its hash, as handed to delivery and queueing; when it
/// arrived through a [`crate::Spool`], also the file that already holds its bytes.
#[derive(Debug, Clone)]
pub struct BlobRef {
    pub hash: BlobHash,
    pub data: Arc<[u8]>,
    spool: Option<Arc<SpoolFile>>,
}

impl BlobRef {
    pub fn new(data: impl Into<Arc<[u8]>>) -> BlobRef {
        let data = data.into();
        BlobRef {
            hash: BlobHash::of(&data),
            data,
            spool: None,
        }
    }

    pub(crate) fn with_spool(data: Vec<u8>, spool: Arc<SpoolFile>) -> BlobRef {
        BlobRef {
            spool: Some(spool),
            ..BlobRef::new(data)
        }
    }

    /// The file already holding the bytes, if the blob was spooled.
    pub(crate) fn spooled(&self) -> Option<&Path> {
        self.spool.as_deref().map(SpoolFile::path)
    }

    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }
}

/// Where blob bytes live. Implementations must make `put` durable before returning.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `data` under `hash` durably; a blob that is already there is left alone.
    fn put(&self, hash: &BlobHash, data: &[u8]) -> io::Result<()>;
    /// A file to receive a message as it arrives ([`crate::Spool`]).
    fn spool(&self) -> io::Result<Spool>;
    /// [`BlobStore::put`] for bytes a spool file (`file`) already holds: a store that keeps
    /// blobs as files takes the file itself.
    fn put_spooled(&self, hash: &BlobHash, data: &[u8], file: &Path) -> io::Result<()> {
        let _ = file;
        self.put(hash, data)
    }
    /// Reads a whole blob.
    fn get(&self, hash: &BlobHash) -> io::Result<Vec<u8>>;
    /// Reads the start of a blob holding a message, up to and including the blank line that
    /// ends its header (the whole blob if there is none): what header-only reads need.
    fn get_header(&self, hash: &BlobHash) -> io::Result<Vec<u8>>;
    /// Whether the blob is present.
    fn exists(&self, hash: &BlobHash) -> bool;
    /// Removes a blob; a missing blob is not an error.
    fn delete(&self, hash: &BlobHash) -> io::Result<()>;
    /// The blobs last written before `cutoff` (with unfinished writes that old, which are
    /// removed): what the garbage collector checks for blobs no row references.
    fn list_older_than(&self, cutoff: SystemTime) -> io::Result<Vec<BlobHash>>;
}

/// Bytes read at a time while looking for the end of a message header.
const HEADER_CHUNK: usize = 4096;

/// Where the header of `data` ends (after its blank line, CRLF or bare LF), searching from
/// `from`.
fn header_end(data: &[u8], from: usize) -> Option<usize> {
    let rest = data.get(from..)?;
    let crlf = rest
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = rest.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    Some(from + end)
}

/// Blobs as files under one directory, fanned out by the first two hex digits of the hash.
pub struct LocalBlobStore {
    root: PathBuf,
    tmp_counter: AtomicU64,
}

impl LocalBlobStore {
    /// Opens (creating if needed) a blob directory.
    pub fn open(root: &Path) -> io::Result<LocalBlobStore> {
        fs::create_dir_all(root.join("tmp"))?;
        for prefix in 0..=255u8 {
            fs::create_dir_all(root.join(format!("{prefix:02x}")))?;
        }
        // Leftovers of writes interrupted by a crash are never referenced: drop them (not
        // younger files: another process, the server beside `kantor admin`, may be writing).
        let stale = SystemTime::now() - STALE_TMP;
        for entry in fs::read_dir(root.join("tmp"))?.flatten() {
            let modified = entry.metadata().and_then(|m| m.modified());
            if modified.is_ok_and(|t| t < stale) {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(LocalBlobStore {
            root: root.to_path_buf(),
            tmp_counter: AtomicU64::new(0),
        })
    }

    fn dir_of(&self, hash: &BlobHash) -> PathBuf {
        self.root.join(&hash.as_str()[..2])
    }

    fn path_of(&self, hash: &BlobHash) -> PathBuf {
        self.dir_of(hash).join(hash.as_str())
    }

    /// A fresh name under `tmp/`.
    fn tmp_path(&self, what: &str) -> PathBuf {
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{what}.{}.{n}", std::process::id()))
    }

    /// Makes the file at `tmp` (fully written) the blob `hash`: synced, renamed into place, and
    /// the directory entry synced.
    fn install(&self, hash: &BlobHash, tmp: &Path) -> io::Result<()> {
        File::open(tmp)?.sync_all()?;
        fs::rename(tmp, self.path_of(hash))?;
        // The rename is durable only once the directory entry is.
        File::open(self.dir_of(hash))?.sync_all()
    }
}

impl BlobStore for LocalBlobStore {
    fn put(&self, hash: &BlobHash, data: &[u8]) -> io::Result<()> {
        let path = self.path_of(hash);
        if path.exists() {
            return Ok(());
        }
        let tmp = self.tmp_path(hash.as_str());
        let mut file = File::create(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &path)?;
        // The rename is durable only once the directory entry is.
        File::open(self.dir_of(hash))?.sync_all()
    }

    fn spool(&self) -> io::Result<Spool> {
        Spool::create(self.tmp_path("spool"))
    }

    fn put_spooled(&self, hash: &BlobHash, data: &[u8], file: &Path) -> io::Result<()> {
        if self.path_of(hash).exists() {
            return Ok(());
        }
        match self.install(hash, file) {
            // Someone else took the file (a second delivery of the same blob): write anew.
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.put(hash, data),
            done => done,
        }
    }

    fn get(&self, hash: &BlobHash) -> io::Result<Vec<u8>> {
        fs::read(self.path_of(hash))
    }

    fn get_header(&self, hash: &BlobHash) -> io::Result<Vec<u8>> {
        let mut file = fs::File::open(self.path_of(hash))?;
        let mut data = Vec::with_capacity(HEADER_CHUNK);
        loop {
            let searched_from = data.len().saturating_sub(3);
            let read = Read::by_ref(&mut file)
                .take(HEADER_CHUNK as u64)
                .read_to_end(&mut data)?;
            if let Some(end) = header_end(&data, searched_from) {
                data.truncate(end);
                return Ok(data);
            }
            if read == 0 {
                return Ok(data);
            }
        }
    }

    fn exists(&self, hash: &BlobHash) -> bool {
        self.path_of(hash).exists()
    }

    fn delete(&self, hash: &BlobHash) -> io::Result<()> {
        match fs::remove_file(self.path_of(hash)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn list_older_than(&self, cutoff: SystemTime) -> io::Result<Vec<BlobHash>> {
        let older = |entry: &fs::DirEntry| {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff)
        };
        for entry in fs::read_dir(self.root.join("tmp"))?.flatten() {
            if older(&entry) {
                let _ = fs::remove_file(entry.path());
            }
        }
        let mut found = Vec::new();
        for prefix in 0..=255u8 {
            let dir = match fs::read_dir(self.root.join(format!("{prefix:02x}"))) {
                Ok(dir) => dir,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in dir.flatten() {
                let name = entry.file_name();
                if let Some(hash) = name.to_str().and_then(BlobHash::parse)
                    && older(&entry)
                {
                    found.push(hash);
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_delete_round_trip() {
        let dir = std::env::temp_dir().join(format!("kantor-blob-test-{}", std::process::id()));
        let store = LocalBlobStore::open(&dir).unwrap();
        let blob = BlobRef::new(b"hello".to_vec());
        assert!(!store.exists(&blob.hash));
        store.put(&blob.hash, &blob.data).unwrap();
        store.put(&blob.hash, &blob.data).unwrap();
        assert_eq!(store.get(&blob.hash).unwrap(), b"hello");
        store.delete(&blob.hash).unwrap();
        store.delete(&blob.hash).unwrap();
        assert!(!store.exists(&blob.hash));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_well_formed_hashes_parse() {
        let h = BlobHash::of(b"x");
        assert_eq!(BlobHash::parse(h.as_str()), Some(h));
        assert_eq!(BlobHash::parse("../../etc/passwd"), None);
        assert_eq!(BlobHash::parse(&"A".repeat(64)), None);
    }

    #[test]
    fn header_reads_stop_after_the_blank_line() {
        let dir = std::env::temp_dir().join(format!("kantor-blob-hdr-{}", std::process::id()));
        let store = LocalBlobStore::open(&dir).unwrap();
        let long = format!("X-Long: {}\r\n", "y".repeat(3 * HEADER_CHUNK));
        let cases: Vec<(Vec<u8>, usize)> = vec![
            (b"Subject: a\r\n\r\nbody\r\n\r\nmore".to_vec(), 14),
            (b"Subject: a\n\nbody".to_vec(), 12),
            (b"Subject: no body, no blank line\r\n".to_vec(), 33),
            (
                format!("{long}Subject: b\r\n\r\n{}", "z".repeat(9000)).into_bytes(),
                long.len() + 14,
            ),
        ];
        for (message, header_len) in cases {
            let blob = BlobRef::new(message.clone());
            store.put(&blob.hash, &blob.data).unwrap();
            assert_eq!(store.get_header(&blob.hash).unwrap(), message[..header_len]);
        }
        // The blank line split across two reads.
        let split = format!("{}\r\n\r\nbody", "h".repeat(HEADER_CHUNK - 2)).into_bytes();
        let blob = BlobRef::new(split.clone());
        store.put(&blob.hash, &blob.data).unwrap();
        assert_eq!(
            store.get_header(&blob.hash).unwrap(),
            split[..HEADER_CHUNK + 2]
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
