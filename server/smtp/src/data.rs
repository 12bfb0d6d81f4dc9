//! Receiving the message: DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030).
//!
//! The message is built once, in one buffer that starts with the trace headers: the decoder
//! (or the BDAT reader) appends the client's bytes after them, and that buffer becomes the
//! stored blob; without login, past `smtp.spool_above_bytes` it goes on in a spool file instead
//! (`receiving`). A message that is refused (bare CR or LF, line too long, too big) is dropped
//! whole, the transaction is reset and the session goes on.

use crate::deliver::Layout;
use crate::receiving::Received;
use crate::replies;
use crate::session::{End, Session};
use kantor_smtp_proto::{Body, DataDecoder, DataError, Reply};

/// A BDAT transfer in progress (RFC 3030 §2): the message so far and its checks.
pub(crate) struct Chunks {
    message: Received,
    layout: Layout,
    id: String,
    /// Octets received in chunks so far (the size limit applies to their sum).
    received: u64,
    /// The last byte of the previous chunk was CR.
    prev_cr: bool,
    /// A bare CR or LF was seen (never for BODY=BINARYMIME).
    bare: bool,
}

impl Session {
    /// `DATA`: 354, then the message up to `<CRLF>.<CRLF>`, then delivery. With no recipient
    /// the answer is 554 instead of 354 (RFC 2920 §3.1), and the body, if the client sent it
    /// anyway, is read as commands and refused.
    pub(crate) async fn data(&mut self) -> Result<(), End> {
        let Some(tx) = &self.tx else {
            self.reply(replies::mail_first());
            return Ok(());
        };
        // RFC 3030 §3: a BINARYMIME body can only be sent with BDAT.
        if tx.params.body == Some(Body::BinaryMime) {
            self.reply(replies::binarymime_needs_bdat());
            return Ok(());
        }
        if !tx.has_recipients() {
            self.reply(Reply::no_valid_recipients());
            return Ok(());
        }
        let id = crate::ids::new_id();
        let (message, layout) = self.start_message(tx, &id);
        let mut message = Received::new(message, self.spool_above());
        self.reply(Reply::start_data());
        self.flush().await?;
        let max_line = self.ctx.config.max_data_line;
        let mut decoder = DataDecoder::new(self.max_size(), max_line);
        let store = self.ctx.directory.store().clone();
        loop {
            let progress = decoder.feed(&self.conn.buf[self.pos..], &mut message.memory);
            message.spill(&store);
            self.pos += progress.consumed;
            if progress.done {
                break;
            }
            self.fill(self.data_timeout()).await?;
        }
        let Some(tx) = self.tx.take() else {
            return Ok(());
        };
        let reply = match decoder.error() {
            Some(error) => {
                let rcpts = tx.rcpts.join(",");
                tracing::warn!(id, from = %tx.from, rcpts, size = decoder.size(), %error, "message refused");
                kantor_metrics::metrics().messages_refused.inc();
                error.reply()
            }
            None => self.deliver(tx, message, layout, &id).await,
        };
        self.reply(reply);
        Ok(())
    }

    /// `BDAT size [LAST]`: reads exactly `size` octets, taken raw. Whatever the verdict, the
    /// chunk is read first so the session stays in step (RFC 3030 §2); a refused chunk ends the
    /// transaction. Bare CR or LF are refused unless BODY=BINARYMIME (RFC 3030 §3).
    pub(crate) async fn bdat(&mut self, size: u64, last: bool) -> Result<(), End> {
        let refusal = match &self.tx {
            None => Some(replies::mail_first()),
            Some(tx) if !tx.has_recipients() => Some(Reply::no_valid_recipients()),
            Some(tx) => {
                let received = tx.chunks.as_ref().map_or(0, |c| c.received);
                (received.saturating_add(size) > self.max_size()).then(Reply::message_too_big)
            }
        };
        if let Some(reply) = refusal {
            self.discard(size).await?;
            if let Some(tx) = self.tx.take() {
                tracing::warn!(from = %tx.from, rcpts = tx.rcpts.join(","), %reply, "BDAT refused");
            }
            self.reply(reply);
            return Ok(());
        }
        self.begin_chunks();
        self.read_chunk(size).await?;
        let Some(mut tx) = self.tx.take() else {
            return Ok(());
        };
        let Some(chunks) = tx.chunks.as_mut() else {
            return Ok(());
        };
        if chunks.bare || (last && chunks.prev_cr) {
            tracing::warn!(from = %tx.from, rcpts = tx.rcpts.join(","), "message refused: bare CR or LF");
            self.reply(DataError::BareLineEnding.reply());
            return Ok(());
        }
        if !last {
            self.tx = Some(tx);
            self.reply(Reply::chunk_ok(size));
            return Ok(());
        }
        let Some(chunks) = tx.chunks.take() else {
            return Ok(());
        };
        let reply = self
            .deliver(tx, chunks.message, chunks.layout, &chunks.id)
            .await;
        self.reply(reply);
        Ok(())
    }

    /// Sets up the message buffer at the first chunk of a transaction.
    fn begin_chunks(&mut self) {
        let Some(tx) = &self.tx else { return };
        if tx.chunks.is_some() {
            return;
        }
        let id = crate::ids::new_id();
        let (message, layout) = self.start_message(tx, &id);
        let message = Received::new(message, self.spool_above());
        if let Some(tx) = self.tx.as_mut() {
            tx.chunks = Some(Chunks {
                message,
                layout,
                id,
                received: 0,
                prev_cr: false,
                bare: false,
            });
        }
    }

    /// Appends the next `size` octets to the transfer, checking line endings as they pass.
    async fn read_chunk(&mut self, size: u64) -> Result<(), End> {
        let mut remaining = size;
        loop {
            let available = &self.conn.buf[self.pos..];
            let take = available
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            let bytes = &available[..take];
            let Some(tx) = self.tx.as_mut() else {
                return Ok(());
            };
            let binary = tx.params.body == Some(Body::BinaryMime);
            if let Some(chunks) = tx.chunks.as_mut() {
                if !binary && !chunks.bare && !crlf_only(&mut chunks.prev_cr, bytes) {
                    chunks.bare = true;
                }
                if !chunks.bare {
                    chunks.message.extend(self.ctx.directory.store(), bytes);
                }
                chunks.received += take as u64;
            }
            self.pos += take;
            remaining -= take as u64;
            if remaining == 0 {
                return Ok(());
            }
            self.fill(self.data_timeout()).await?;
        }
    }

    /// Where this session's messages go to a spool file: past `smtp.spool_above_bytes`, for a
    /// session without login (a submission's header may still be completed in memory).
    fn spool_above(&self) -> Option<usize> {
        let above = usize::try_from(self.ctx.config.spool_above_bytes).unwrap_or(usize::MAX);
        self.account.is_none().then_some(above)
    }

    /// Reads and drops `size` octets: the chunk of a refused BDAT.
    async fn discard(&mut self, size: u64) -> Result<(), End> {
        let mut remaining = size;
        loop {
            let available = self.conn.buf.len() - self.pos;
            let take = available.min(usize::try_from(remaining).unwrap_or(usize::MAX));
            self.pos += take;
            remaining -= take as u64;
            if remaining == 0 {
                return Ok(());
            }
            self.fill(self.data_timeout()).await?;
        }
    }
}

/// True when every CR in `bytes` is followed by LF and every LF follows a CR (RFC 5321
/// §2.3.8), `prev_cr` carrying a CR at the end of one chunk over to the next.
fn crlf_only(prev_cr: &mut bool, bytes: &[u8]) -> bool {
    let mut rest = bytes;
    if *prev_cr {
        match rest.first() {
            None => return true,
            Some(b'\n') => rest = &rest[1..],
            Some(_) => return false,
        }
        *prev_cr = false;
    }
    while let Some(i) = rest.iter().position(|&b| b == b'\r' || b == b'\n') {
        if rest[i] == b'\n' {
            return false;
        }
        match rest.get(i + 1) {
            Some(b'\n') => rest = &rest[i + 2..],
            Some(_) => return false,
            None => {
                *prev_cr = true;
                return true;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::crlf_only;

    #[test]
    fn crlf_only_table() {
        let cases: &[(&[&[u8]], bool, bool)] = &[
            (&[b"a\r\nb\r\n"], true, false),
            (&[b""], true, false),
            (&[b"a\nb"], false, false),
            (&[b"a\rb"], false, false),
            (&[b"a\r"], true, true),
            (&[b"a\r", b"\nb"], true, false),
            (&[b"a\r", b"b"], false, true),
            (&[b"a\r", b"", b"\n"], true, false),
            (&[b"\r\n.\n"], false, false),
        ];
        for (chunks, ok, prev_cr) in cases {
            let mut cr = false;
            let got = chunks.iter().all(|c| crlf_only(&mut cr, c));
            assert_eq!((got, cr), (*ok, *prev_cr), "{chunks:?}");
        }
    }
}
