//! Where the indexer's CPU goes per message (docs/benchmarks.md, session 21): builds messages
//! like `kantor-bench smtp`'s (10 KiB of lines from a 48-word vocabulary) or of English prose
//! (a text file, e.g. /usr/share/common-licenses/GPL-3), then times each step of indexing them
//! alone: extracting the texts, language detection, the words, the trigram tokenizer alone, and
//! tantivy's indexing of whole documents (one indexing thread, as the server's, a commit every
//! `--commit` messages, into a directory on disk), with the process's CPU.
//!
//!     cargo run --release -p kantor-search --example index_cost -- \
//!         [--messages 5000] [--size 10240] [--prose FILE] [--commit 1000] [--no-stemming]
//!         [--all-ngrams] (every trigram occurrence, the tokenizer before session 21)

use kantor_search::document::document;
use kantor_search::extract::{IndexLimits, Texts};
use kantor_search::language::{self, Analyzers};
use kantor_search::schema::{self, Fields};
use std::time::Instant;
use tantivy::Index;
use tantivy::tokenizer::TokenStream;

const WORDS: [&str; 48] = [
    "the",
    "mail",
    "server",
    "queue",
    "message",
    "delivery",
    "mailbox",
    "local",
    "network",
    "transfer",
    "agent",
    "report",
    "status",
    "weekly",
    "meeting",
    "notes",
    "project",
    "release",
    "update",
    "please",
    "review",
    "attached",
    "draft",
    "before",
    "friday",
    "thanks",
    "regards",
    "question",
    "about",
    "budget",
    "schedule",
    "team",
    "client",
    "invoice",
    "order",
    "shipping",
    "account",
    "password",
    "reset",
    "welcome",
    "newsletter",
    "summary",
    "of",
    "and",
    "to",
    "in",
    "for",
    "with",
];

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// Body lines: the bench's word salad, or the prose file's lines.
fn lines(prose: Option<&str>) -> Vec<String> {
    if let Some(path) = prose {
        let text = std::fs::read_to_string(path).expect("the prose file");
        return text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('.'))
            .map(str::to_string)
            .collect();
    }
    let mut rng = 0x9e37_79b9_7f4a_7c15;
    (0..1021)
        .map(|_| {
            let target = 30 + (xorshift(&mut rng) % 48) as usize;
            let mut line = String::new();
            loop {
                let w = WORDS[(xorshift(&mut rng) % 48) as usize];
                if line.len() + w.len() + 1 > target && !line.is_empty() {
                    break;
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(w);
            }
            line + "."
        })
        .collect()
}

fn message(i: usize, size: usize, pool: &[String]) -> Vec<u8> {
    let mut out = format!(
        "Message-ID: <run.{i}@bench.test>\r\nDate: Sun, 06 Dec 2026 20:00:00 +0000\r\n\
         From: Kantor Bench <sender@remote.example>\r\nTo: <u{}@bench.test>\r\n\
         Subject: Bench message {i}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
         This is bench message {i}.\r\n",
        i % 50 + 1
    )
    .into_bytes();
    let mut line = i.wrapping_mul(31) % pool.len();
    while out.len() < size {
        out.extend_from_slice(pool[line].as_bytes());
        out.extend_from_slice(b"\r\n");
        line = (line + 1) % pool.len();
    }
    out
}

/// CPU seconds of this process so far (user + system, /proc/self/stat).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// Wall and CPU time a message since `t` and `c`.
fn per(t: Instant, c: f64, n: usize) -> String {
    format!(
        "{:7.1} µs CPU ({:7.1} µs wall)",
        (cpu() - c) * 1e6 / n as f64,
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let n: usize = arg("--messages").map_or(5000, |v| v.parse().unwrap());
    let size: usize = arg("--size").map_or(10240, |v| v.parse().unwrap());
    let commit: usize = arg("--commit").map_or(1000, |v| v.parse().unwrap());
    let prose = arg("--prose");
    let limits = IndexLimits {
        stemming: !args.iter().any(|a| a == "--no-stemming"),
        ..IndexLimits::default()
    };
    let pool = lines(prose.as_deref());
    let raws: Vec<Vec<u8>> = (0..n).map(|i| message(i, size, &pool)).collect();
    println!(
        "{n} messages of {size} bytes ({}), stemming {}",
        prose.as_deref().unwrap_or("bench words"),
        limits.stemming
    );

    let (t, c) = (Instant::now(), cpu());
    let texts: Vec<Texts> = raws.iter().map(|r| Texts::of(r, &limits)).collect();
    println!("extract (parse, texts, fold)   {}", per(t, c, n));

    let (t, c) = (Instant::now(), cpu());
    let langs: Vec<_> = texts
        .iter()
        .map(|x| language::detect(&x.body, &x.subject))
        .collect();
    println!("language detection             {}", per(t, c, n));

    let mut analyzers = Analyzers::default();
    let (t, c) = (Instant::now(), cpu());
    let mut word_bytes = 0;
    for (x, lang) in texts.iter().zip(&langs) {
        word_bytes += analyzers.words(*lang, &x.body).len();
    }
    println!(
        "words (split, stem, cache)     {}  ({} bytes of words a message)",
        per(t, c, n),
        word_bytes / n
    );

    let (schema, fields) = Fields::schema();
    let dir = tempfile::tempdir().unwrap();
    let index = Index::builder()
        .schema(schema)
        .settings(kantor_search::index::settings())
        .create_in_dir(dir.path())
        .unwrap();
    schema::register(&index).unwrap();
    let all_ngrams = args.iter().any(|a| a == "--all-ngrams");
    if all_ngrams {
        // The tokenizer before session 21: every trigram occurrence.
        let grams = tantivy::tokenizer::NgramTokenizer::all_ngrams(3, 3).unwrap();
        index.tokenizers().register(
            schema::TRIGRAMS,
            tantivy::tokenizer::TextAnalyzer::builder(grams).build(),
        );
    }
    println!(
        "trigram tokenizer: {}",
        if all_ngrams {
            "all n-grams"
        } else {
            "distinct"
        }
    );
    let mut grams = index.tokenizers().get(schema::TRIGRAMS).unwrap();
    let (t, c) = (Instant::now(), cpu());
    let mut tokens = 0usize;
    for x in &texts {
        for text in [&x.from, &x.to, &x.subject, &x.text] {
            let mut stream = grams.token_stream(text);
            while stream.advance() {
                tokens += 1;
            }
        }
    }
    println!(
        "trigram tokenizer alone        {}  ({} tokens a message)",
        per(t, c, n),
        tokens / n
    );

    let (t, c) = (Instant::now(), cpu());
    let docs: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, x)| document(&fields, &mut analyzers, &limits, 1, i as i64 + 1, x))
        .collect();
    println!("documents (detect + words)     {}", per(t, c, n));

    let mut writer = index
        .writer_with_num_threads::<tantivy::TantivyDocument>(1, 64 << 20)
        .unwrap();
    let (t, c) = (Instant::now(), cpu());
    for (i, doc) in docs.into_iter().enumerate() {
        writer.add_document(doc).unwrap();
        if (i + 1) % commit == 0 {
            writer.commit().unwrap();
        }
    }
    writer.commit().unwrap();
    let (wall, spent) = (t.elapsed(), cpu() - c);
    writer.wait_merging_threads().unwrap();
    let merged = cpu() - c;
    println!(
        "tantivy add + commits          {:7.1} µs CPU ({:7.1} µs wall; {:.1} µs CPU with merges)",
        spent * 1e6 / n as f64,
        wall.as_secs_f64() * 1e6 / n as f64,
        merged * 1e6 / n as f64
    );
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("index: {} KiB", bytes >> 10);
}
