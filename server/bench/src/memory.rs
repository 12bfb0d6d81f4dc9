//! Server memory, read from `/proc/PID/status` (Linux): VmRSS (resident
//! now) and VmHWM (resident peak), and from `/proc/PID/smaps_rollup` Pss
//! (resident, shared pages divided among their sharers), each summed over
//! the given processes. For a server of many processes (Postfix, Dovecot)
//! the sum of VmRSS counts shared pages once per process; Pss does not.

/// Resident memory of a set of processes, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Memory {
    /// Sum of VmRSS.
    pub rss_kib: u64,
    /// Sum of VmHWM.
    pub hwm_kib: u64,
    /// Sum of Pss (0 where smaps_rollup cannot be read).
    pub pss_kib: u64,
    /// How many of the processes could be read.
    pub processes: usize,
}

/// Samples every pid and all of its descendants as they are now (so the
/// children a master process forks during the run are counted, such as
/// Postfix's smtpd or Dovecot's lmtp); processes that are gone are skipped.
/// `None` when no process could be read.
pub fn sample(pids: &[u32]) -> Option<Memory> {
    if pids.is_empty() {
        return None;
    }
    let mut total = Memory::default();
    for pid in with_descendants(pids) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        total.rss_kib += field_kib(&status, "VmRSS:").unwrap_or(0);
        total.hwm_kib += field_kib(&status, "VmHWM:").unwrap_or(0);
        if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            total.pss_kib += field_kib(&rollup, "Pss:").unwrap_or(0);
        }
        total.processes += 1;
    }
    (total.processes > 0).then_some(total)
}

/// CPU time (user + system, seconds) of every pid and all of its descendants as they are now,
/// with the time of the children they have already reaped (`cutime`, `cstime`): a master
/// process's short-lived workers count too. The difference of two samples is what the server
/// spent between them, whatever else shares the machine. `None` when no process could be read.
pub fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    // /proc reports in USER_HZ ticks, 100 a second on Linux.
    const TICKS_PER_SEC: f64 = 100.0;
    let mut ticks = 0u64;
    let mut read = 0;
    for pid in with_descendants(pids) {
        let Some(t) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| cpu_ticks(&stat))
        else {
            continue;
        };
        ticks += t;
        read += 1;
    }
    (read > 0).then(|| ticks as f64 / TICKS_PER_SEC)
}

/// utime + stime + cutime + cstime from `/proc/PID/stat` (fields 14 to 17).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    // After the comm: state is field 3, so utime (14) is the 12th from here.
    after
        .split_ascii_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse::<u64>().ok())
        .sum()
}

/// `roots` and every process below them, each once.
fn with_descendants(roots: &[u32]) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| parent_of(&stat))
            {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found: Vec<u32> = Vec::new();
    for &root in roots {
        if !found.contains(&root) {
            found.push(root);
        }
    }
    // Breadth-first; bounded because each process is added at most once.
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        for &(pid, ppid) in &parents {
            if ppid == parent && !found.contains(&pid) {
                found.push(pid);
            }
        }
        next += 1;
    }
    found
}

/// The parent pid from `/proc/PID/stat`: `pid (comm) state ppid ...`, where
/// comm may itself hold spaces and parentheses.
fn parent_of(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_ascii_whitespace().nth(1)?.parse().ok()
}

/// `VmRSS:   123456 kB` -> 123456.
fn field_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_ascii_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let status = "Name:\tkantor\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(field_kib(status, "VmRSS:"), Some(10240));
        assert_eq!(field_kib(status, "VmHWM:"), Some(20480));
        assert_eq!(field_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn parent_from_stat() {
        assert_eq!(parent_of("42 (a b) c) S 7 42 42 0"), Some(7));
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn cpu_from_stat() {
        let stat = "42 (a b) S 7 42 42 0 -1 4194560 100 0 0 0 250 30 4 6 20 0 1 0";
        assert_eq!(cpu_ticks(stat), Some(290));
        assert_eq!(cpu_ticks("garbage"), None);
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(cpu_seconds(&[std::process::id()]).unwrap() > 0.0);
    }

    #[test]
    fn finds_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let tree = with_descendants(&[std::process::id()]);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(tree[0], std::process::id());
        assert!(tree.contains(&child.id()), "{tree:?}");
    }

    #[test]
    fn samples_this_process() {
        let me = sample(&[std::process::id(), u32::MAX]).unwrap();
        assert!(me.processes >= 1);
        assert!(me.rss_kib > 0 && me.hwm_kib >= me.rss_kib);
        assert!(me.pss_kib > 0 && me.pss_kib <= me.rss_kib);
        assert_eq!(sample(&[u32::MAX]), None);
    }
}
