//! Child processes that do not outlive the test that started them.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Makes the child receive SIGKILL when the thread that spawned it ends.
///
/// Linux ties the parent-death signal to the spawning *thread*, so a child must be spawned
/// from the thread that lives as long as the child should (the test's own thread).
#[allow(unsafe_code, reason = "pre_exec runs prctl between fork and exec")]
pub(crate) fn kill_when_parent_dies(cmd: &mut Command) -> &mut Command {
    // SAFETY: the closure only calls prctl, which is async-signal-safe, and touches no
    // memory shared with the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        })
    }
}
