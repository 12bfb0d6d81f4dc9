//! Process-level tuning, done first thing in `main`.
//!
//! Open files: a mail server holds a socket per client (thousands of IMAP IDLE sessions), so the
//! soft RLIMIT_NOFILE is raised to the hard limit, as Dovecot and nginx do.
//!
//! Allocator: glibc raises its mmap threshold each time a large block is freed (up to
//! 32 MiB), after which large buffers (argon2's 19 MiB working memory, big messages) come from
//! per-thread arenas, fragment them and are never returned: measured here, 20 sequential POP3
//! logins left 187 MB resident, and 5,000 SMTP deliveries 2 GB. A fixed threshold (glibc's own
//! default of 128 KiB) keeps large blocks in mmap, returned on free: 12 MB for the same logins.
//!
//! Pinning the mmap threshold also pins glibc's trim threshold at 128 KiB: every free that left
//! that much at the top of a thread's heap gave it back (madvise), and the next batch faulted it
//! in again. Under 50 IMAP clients flagging messages, the store's writer thread spent 13% of its
//! time in those madvise calls' TLB flushes and 5% in the page faults after them, and `UID
//! STORE` took 8.1 ms at the median instead of 5.8. A 4 MiB trim threshold keeps that much free
//! memory per heap (32 MiB resident in that run, as before).

/// Pins glibc's mmap threshold and sets its trim threshold; a no-op on other platforms.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn tune_allocator() {
    const MMAP_THRESHOLD: libc::c_int = 128 * 1024;
    const TRIM_THRESHOLD: libc::c_int = 4 << 20;
    // SAFETY: mallopt only changes malloc parameters; it is called first thing in main, before
    // any other thread exists, with a documented parameter and value.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune_allocator() {}

/// Raises the soft open-file limit to the hard limit; a failure is logged by the caller's
/// listeners later (EMFILE), not fatal here.
#[cfg(unix)]
#[allow(unsafe_code)]
pub fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we own; called before any thread.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(not(unix))]
pub fn raise_open_file_limit() {}
