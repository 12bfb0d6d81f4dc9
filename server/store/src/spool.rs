//! Messages that outgrow memory while they arrive: a [`Spool`] is a file of the blob store's,
//! appended to as the client sends, so that an unfinished 50 MB DATA costs a file, not 50 MB of
//! memory. Finished, it becomes a [`BlobRef`] whose file is the blob's own: storing it syncs and
//! renames that file into place instead of writing the bytes a second time.

use crate::blob::BlobRef;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A message being written to a file as it arrives.
pub struct Spool {
    file: BufWriter<File>,
    path: Arc<SpoolFile>,
    len: u64,
}

impl Spool {
    /// A new, empty spool at `path` (a file name the blob store chose).
    pub(crate) fn create(path: PathBuf) -> io::Result<Spool> {
        let file = File::create(&path)?;
        Ok(Spool {
            file: BufWriter::with_capacity(64 * 1024, file),
            path: Arc::new(SpoolFile(path)),
            len: 0,
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole message, read back once (delivery parses it) and named by its hash, with the
    /// file kept to become the blob. Blocking: call it off the async workers.
    pub fn finish(self) -> io::Result<BlobRef> {
        let file = self.file.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        let data = std::fs::read(&self.path.0)?;
        Ok(BlobRef::with_spool(data, self.path))
    }
}

/// The spool's file; removed when the last [`BlobRef`] holding it goes, unless it became a blob
/// (renamed away) by then.
#[derive(Debug)]
pub(crate) struct SpoolFile(PathBuf);

impl SpoolFile {
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
