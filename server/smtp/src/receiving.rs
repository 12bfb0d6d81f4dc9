//! The message while it arrives (DATA or BDAT): in memory, and past `smtp.spool_above_bytes`
//! in a spool file of the store's (`kantor_store::Spool`), so that a client who sends most of a
//! large message and stops holds a file, not the server's memory. Only for sessions without
//! login (port 25): what they send is stored as received, while a submission's header may still
//! be completed in memory (RFC 6409 §8). The spool file becomes the blob: written once.

use kantor_smtp_proto::Reply;
use kantor_store::{BlobRef, Spool, Store};

/// The bytes of a message being received.
pub(crate) struct Received {
    /// What has not gone to the spool yet (all of it when there is none).
    pub memory: Vec<u8>,
    spool: Option<Spool>,
    /// Spool once more than this is in memory; `None`: keep it all in memory.
    spool_above: Option<usize>,
    /// The spool could not be written: the message is refused at its end.
    failed: bool,
}

/// A received message, as delivery takes it.
pub(crate) enum Body {
    Memory(Vec<u8>),
    Spooled(BlobRef),
}

impl Received {
    /// Starts with `memory` (the trace headers); `spool_above` as [`Received::spool_above`].
    pub fn new(memory: Vec<u8>, spool_above: Option<usize>) -> Received {
        Received {
            memory,
            spool: None,
            spool_above,
            failed: false,
        }
    }

    /// Appends bytes, spooling past the threshold.
    pub fn extend(&mut self, store: &Store, bytes: &[u8]) {
        if !self.failed {
            self.memory.extend_from_slice(bytes);
            self.spill(store);
        }
    }

    /// Moves what is in memory to the spool once it is past the threshold. Writes go to the
    /// page cache (the file is synced only when it becomes a blob), so this stays cheap on the
    /// async worker.
    pub fn spill(&mut self, store: &Store) {
        let Some(above) = self.spool_above else {
            return;
        };
        if self.memory.len() <= above {
            return;
        }
        if self.failed {
            // Refused at the end anyway: keep reading, keep nothing.
            self.memory.clear();
            return;
        }
        let written = match &mut self.spool {
            Some(spool) => spool.write(&self.memory),
            None => store
                .spool()
                .map_err(std::io::Error::other)
                .and_then(|mut spool| {
                    spool.write(&self.memory)?;
                    self.spool = Some(spool);
                    Ok(())
                }),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, "cannot spool a message being received");
            self.failed = true;
            self.spool = None;
        }
        self.memory.clear();
        // Keep at most the threshold's worth of buffer.
        self.memory.shrink_to(above.saturating_mul(2));
    }

    /// The whole message: from memory, or the spool finished (read back once, off the async
    /// workers). A spool that failed is `451` (RFC 5321 §4.2.3: try again later).
    pub async fn finish(self) -> Result<Body, Reply> {
        if self.failed {
            return Err(Reply::local_error());
        }
        let Some(mut spool) = self.spool else {
            return Ok(Body::Memory(self.memory));
        };
        let rest = self.memory;
        let finished = tokio::task::spawn_blocking(move || {
            spool.write(&rest)?;
            spool.finish()
        })
        .await;
        match finished {
            Ok(Ok(blob)) => Ok(Body::Spooled(blob)),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot read a spooled message back");
                Err(Reply::local_error())
            }
            Err(e) => {
                tracing::error!(error = %e, "spool task failed");
                Err(Reply::local_error())
            }
        }
    }
}
