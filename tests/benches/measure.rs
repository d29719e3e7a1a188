//! Shared by the benchmark harnesses: peak memory of this process.

/// Peak resident memory of this process in KB (VmHWM), for one measurement per child process.
pub fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
