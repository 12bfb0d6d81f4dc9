//! The process's own open-file limit: thousands of IDLE sessions need as
//! many descriptors, and the soft limit (often 1024) is below what the hard
//! limit allows. std has no setrlimit, hence libc.

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit
/// in force afterwards (`None` if it cannot be read).
#[allow(unsafe_code)]
pub fn raise_nofile() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a pointer to a live,
    // properly aligned local; setrlimit only reads one. Neither keeps the
    // pointer, and RLIMIT_NOFILE is a valid resource on Linux.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    #[test]
    fn soft_limit_reaches_the_hard_limit() {
        let soft = super::raise_nofile().unwrap();
        assert!(soft >= 64, "{soft}");
        assert_eq!(super::raise_nofile(), Some(soft));
    }
}
