//! Ctrl-C (or SIGTERM) while `starter new` writes a project: remove what was written, exit 130.

use std::sync::mpsc;
use std::thread::JoinHandle;

use starter::generate;

/// Watches for an interrupt until dropped.
pub struct InterruptWatch {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Starts watching; returns once the signal handlers are installed, so that no interrupt after
/// this call goes unseen. An error (no handler could be installed) leaves the default action.
pub fn watch_new() -> std::io::Result<InterruptWatch> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (armed_tx, armed) = mpsc::channel::<std::io::Result<()>>();
    let thread = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = armed_tx.send(Err(e));
                return;
            }
        };
        runtime.block_on(async move {
            let interrupted = match signals() {
                Ok(s) => s,
                Err(e) => {
                    let _ = armed_tx.send(Err(e));
                    return;
                }
            };
            let _ = armed_tx.send(Ok(()));
            tokio::select! {
                () = interrupted => {
                    if generate::abandon_staging() {
                        eprintln!("interrupted: the partly written project was removed");
                    } else {
                        eprintln!("interrupted");
                    }
                    std::process::exit(130);
                }
                _ = stopped => {}
            }
        });
    });
    let armed = armed
        .recv()
        .unwrap_or_else(|_| Err(std::io::Error::other("the signal thread ended early")));
    let watch = InterruptWatch {
        stop: Some(stop),
        thread: Some(thread),
    };
    armed.map(|()| watch)
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

impl Drop for InterruptWatch {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
