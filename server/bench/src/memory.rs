//! Server memory, read from `/proc/PID/status` (Linux): VmRSS (resident
//! now) and VmHWM (resident peak), summed over the given processes.

/// Resident memory of a set of processes, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Memory {
    /// Sum of VmRSS.
    pub rss_kib: u64,
    /// Sum of VmHWM.
    pub hwm_kib: u64,
    /// How many of the processes could be read.
    pub processes: usize,
}

/// Samples every pid; processes that are gone are skipped (and not counted
/// in [`Memory::processes`]). `None` when no pid could be read.
pub fn sample(pids: &[u32]) -> Option<Memory> {
    let mut total = Memory::default();
    for pid in pids {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        total.rss_kib += field_kib(&status, "VmRSS:").unwrap_or(0);
        total.hwm_kib += field_kib(&status, "VmHWM:").unwrap_or(0);
        total.processes += 1;
    }
    (total.processes > 0).then_some(total)
}

/// `VmRSS:	  123456 kB` -> 123456.
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
    fn samples_this_process() {
        let me = sample(&[std::process::id(), u32::MAX]).unwrap();
        assert_eq!(me.processes, 1);
        assert!(me.rss_kib > 0 && me.hwm_kib >= me.rss_kib);
        assert_eq!(sample(&[u32::MAX]), None);
    }
}
