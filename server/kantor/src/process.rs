//! Process-level tuning, done first thing in `main`.
//!
//! Files: mail, passwords and keys are nobody else's business, so the umask is 0077 and every
//! file and directory Kantor creates is 0600 / 0700 from its creation (a TLS key is never
//! briefly readable); [`restrict_data_dir`] tightens a data directory made by an older version.
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

/// Runs the calling thread, and the threads it makes from now on, only on a core no other
/// thread wants (Linux `SCHED_IDLE`, sched(7)): for background work such as the full-text
/// indexer, which must never delay a delivery. A lower nice level is not enough: a delivery's
/// thread woken from its fsync still waited for the niced indexer's time slice, where a
/// `SCHED_IDLE` thread is preempted at once (docs/benchmarks.md, session 24). Where
/// `SCHED_IDLE` is refused, nice 19; a failure is only logged.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn run_this_thread_when_idle() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread; the kernel only reads `param`, which we own.
    if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } == 0 {
        return;
    }
    let idle = std::io::Error::last_os_error();
    // SAFETY: gettid cannot fail; setpriority reads and writes no memory of ours.
    let done = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19) };
    if done != 0 {
        let e = std::io::Error::last_os_error();
        tracing::warn!(error = %e, sched_idle = %idle, "cannot lower a background thread's CPU priority");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn run_this_thread_when_idle() {}

/// Makes every file and directory created from now on private to the server's user.
#[cfg(unix)]
#[allow(unsafe_code)]
pub fn private_files() {
    // SAFETY: umask only sets the process's file mode creation mask; called before any thread.
    unsafe {
        libc::umask(0o077);
    }
}

#[cfg(not(unix))]
pub fn private_files() {}

/// Closes a data directory to everyone but its owner (0700), with the database files and the
/// TLS material in it (0600 / 0700): what an older version created with the default umask.
/// Blobs are left as they are, behind the closed directory (there can be millions).
#[cfg(unix)]
pub fn restrict_data_dir(data: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &std::path::Path, mode: u32| match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o777 != mode => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    set(data, 0o700)?;
    for dir in ["blobs", "tls"] {
        set(&data.join(dir), 0o700)?;
    }
    for file in ["kantor.db", "kantor.db-wal", "kantor.db-shm"] {
        set(&data.join(file), 0o600)?;
    }
    if let Ok(entries) = std::fs::read_dir(data.join("tls")) {
        for entry in entries.flatten() {
            set(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn restrict_data_dir(_data: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}
