//! Work that must not shape a response's timing. Whether an account exists decides what an
//! enumeration-safe endpoint does next (look it up, issue its token, queue its mail); done
//! inline, that work would make the 202 slower for a real address than for an unknown one. It
//! runs after the answer instead, here. Failures are logged: nobody is waiting for them.
//!
//! `settled` waits for the work in flight: graceful shutdown calls it (so a requested reset is
//! queued before the process ends), and the tests call it before reading the outbox.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;
use tracing::Instrument;

use crate::error::Error;

#[derive(Default)]
pub struct Deferred {
    in_flight: AtomicUsize,
    idle: Notify,
}

/// Counts one piece of work until it is dropped: finished, failed or panicked alike.
struct InFlight(Arc<Deferred>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Deferred {
    /// Runs `work` in the background; `what` names it in the log if it fails.
    pub fn spawn<F>(self: &Arc<Self>, what: &'static str, work: F)
    where
        F: Future<Output = Result<(), Error>> + Send + 'static,
    {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.clone());
        // The request's span goes along: its security events keep the request id and client IP.
        let span = crate::http::request_scope::current();
        tokio::spawn(
            async move {
                let _guard = guard;
                if let Err(e) = work.await {
                    tracing::error!(error = ?e, work = what, "deferred account work failed");
                }
            }
            .instrument(span),
        );
    }

    /// Returns once no deferred work is in flight.
    pub async fn settled(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            // Registered before the count is read, so a finish in between is not missed.
            notified.as_mut().enable();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settled_waits_for_work_in_flight_and_survives_failures_and_panics() {
        let deferred = Arc::new(Deferred::default());
        let done = Arc::new(AtomicUsize::new(0));
        for i in 0..8 {
            let done = done.clone();
            deferred.spawn("test", async move {
                tokio::time::sleep(std::time::Duration::from_millis(20 + i * 5)).await;
                done.fetch_add(1, Ordering::SeqCst);
                match i {
                    0 => Err(Error::Internal("failed on purpose".into())),
                    1 => panic!("panicked on purpose"),
                    _ => Ok(()),
                }
            });
        }
        tokio::time::timeout(std::time::Duration::from_secs(5), deferred.settled())
            .await
            .expect("settled returns once every piece of work has ended");
        assert_eq!(done.load(Ordering::SeqCst), 8);
        // Nothing in flight: returns at once.
        tokio::time::timeout(std::time::Duration::from_millis(100), deferred.settled())
            .await
            .unwrap();
    }
}
