//! COMPRESS=DEFLATE (RFC 4978) on a real socket: each flushed response arrives whole, and what
//! the client compresses arrives decompressed, across several exchanges.

use async_compression::tokio::bufread::DeflateDecoder;
use async_compression::tokio::write::DeflateEncoder;
use kantor_net::{Connection, Stream};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn responses_flush_whole_and_requests_decompress() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, peer) = listener.accept().await.unwrap();
        let mut conn = Connection::new(Stream::Plain(tcp), peer);
        conn.start_compression().unwrap();
        assert!(conn.is_compressed() && !conn.is_tls());
        for i in 0..3 {
            conn.write(format!("* OK response {i}\r\n").as_bytes())
                .await
                .unwrap();
            while !conn.buf.ends_with(b"\r\n") {
                conn.fill(Duration::from_secs(5)).await.unwrap();
            }
            let line = String::from_utf8(std::mem::take(&mut conn.buf)).unwrap();
            assert_eq!(line, format!("a{i} NOOP\r\n"));
        }
    });
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (read, write) = tcp.into_split();
    let mut reader = DeflateDecoder::new(BufReader::new(read));
    reader.multiple_members(true);
    let mut writer = DeflateEncoder::new(write);
    for i in 0..3 {
        let expected = format!("* OK response {i}\r\n");
        let mut got = vec![0u8; expected.len()];
        tokio::time::timeout(Duration::from_secs(5), reader.read_exact(&mut got))
            .await
            .expect("a flushed response arrives without waiting for more data")
            .unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), expected);
        writer
            .write_all(format!("a{i} NOOP\r\n").as_bytes())
            .await
            .unwrap();
        writer.flush().await.unwrap();
    }
    server.await.unwrap();
}

/// The client closes its side (as a TLS client's close_notify does) in the middle of its
/// DEFLATE stream: the server reads the end of the connection (not an error), and closing the
/// session writes nothing more, as without COMPRESS (no final deflate block after the client's
/// close).
#[tokio::test]
async fn a_client_that_closes_ends_the_session_quietly() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, peer) = listener.accept().await.unwrap();
        let mut conn = Connection::new(Stream::Plain(tcp), peer);
        conn.start_compression().unwrap();
        conn.write(b"* OK ready\r\n").await.unwrap();
        let mut reads = Vec::new();
        loop {
            match conn.fill(Duration::from_secs(5)).await {
                Ok(_) => continue,
                Err(e) => {
                    reads.push(format!("{e:?}"));
                    break;
                }
            }
        }
        conn.shutdown().await;
        (reads, std::mem::take(&mut conn.buf))
    });
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut read, write) = tcp.into_split();
    let mut writer = DeflateEncoder::new(write);
    writer.write_all(b"a1 NOOP\r\n").await.unwrap();
    writer.flush().await.unwrap();
    // Read the server's greeting block, then close our side without ending the DEFLATE stream.
    let mut greeting = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), read.read(&mut greeting))
        .await
        .unwrap()
        .unwrap();
    assert!(n > 0);
    let mut raw_write = writer.into_inner();
    raw_write.shutdown().await.unwrap();
    let mut after = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), read.read_to_end(&mut after))
        .await
        .unwrap()
        .unwrap();
    let (reads, buf) = server.await.unwrap();
    assert_eq!(buf, b"a1 NOOP\r\n", "what came before the close was read");
    assert_eq!(reads, ["Closed"], "the end of the connection, not an error");
    assert!(
        after.is_empty(),
        "nothing written after the client closed: {after:?}"
    );
}
