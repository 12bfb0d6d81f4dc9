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
