//! Ctrl-C (or SIGTERM) while `starter new` asks or writes a project: show the cursor again,
//! remove what was written, exit 130.

use starter::generate;

/// Watches for an interrupt until dropped (dropping the runtime cancels the watching task).
pub struct InterruptWatch {
    _runtime: tokio::runtime::Runtime,
}

/// Starts watching on a runtime thread of its own; the signal handlers are installed when this
/// returns, so no interrupt after it goes unseen. On an error the default action stays.
pub fn watch_new() -> std::io::Result<InterruptWatch> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_io()
        .build()?;
    let interrupted = {
        let _context = runtime.enter();
        signals()?
    };
    runtime.spawn(async move {
        interrupted.await;
        // A prompt may have hidden the cursor (dialoguer does in a select).
        let term = console::Term::stderr();
        if term.is_term() {
            let _ = term.show_cursor();
        }
        if generate::abandon_staging() {
            eprintln!("interrupted: the partly written project was removed");
        } else {
            eprintln!("interrupted");
        }
        std::process::exit(130);
    });
    Ok(InterruptWatch { _runtime: runtime })
}

/// Resolves on the first SIGINT or SIGTERM; the handlers are installed when this returns.
#[cfg(unix)]
fn signals() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(windows)]
fn signals() -> std::io::Result<impl Future<Output = ()>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        ctrl_c.recv().await;
    })
}
