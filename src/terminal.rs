//! What the `wildix` command needs to know about its terminal and stock Lua
//! cannot tell it: whether stdout and stderr are terminals, and how wide the
//! terminal is.

use std::io::IsTerminal;

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether standard error is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The terminal's width in columns, asked of stdout, stderr, then stdin
/// (whichever is a terminal); `None` when none is, or it does not say.
#[cfg(unix)]
pub fn columns() -> Option<u16> {
    [libc::STDOUT_FILENO, libc::STDERR_FILENO, libc::STDIN_FILENO]
        .into_iter()
        .find_map(|fd| {
            let mut size = libc::winsize {
                ws_row: 0,
                ws_col: 0,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            // SAFETY: TIOCGWINSZ only writes a `winsize` through the pointer,
            // which points at one; on a non-terminal fd it fails and we skip it.
            let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
            (ok && size.ws_col > 0).then_some(size.ws_col)
        })
}

#[cfg(not(unix))]
pub fn columns() -> Option<u16> {
    None
}
