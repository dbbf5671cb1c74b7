//! Progress of a verification: a live line (indicatif) at a terminal, one plain line per phase
//! otherwise (no terminal, NO_COLOR or --quiet).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::Phase;

pub enum Progress {
    Live(ProgressBar),
    /// One line per phase, on stderr.
    Plain,
}

impl Progress {
    /// Live only when stderr is a terminal, colour is not turned off and --quiet is not given.
    pub fn detect(quiet: bool) -> Self {
        if !quiet && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            Progress::Live(bar)
        } else {
            Progress::Plain
        }
    }

    pub fn start(&self, label: &str, phase: Phase) {
        match self {
            Progress::Live(bar) => {
                bar.set_prefix(format!("{label} {}", phase.name()));
                bar.set_message("");
            }
            Progress::Plain => eprintln!("[{label}] {} ...", phase.name()),
        }
    }

    pub fn compiled(&self, done: usize, total: Option<usize>) {
        if let Progress::Live(bar) = self {
            match total {
                Some(total) => bar.set_message(format!("{done}/{total} crates compiled")),
                None => bar.set_message(format!("{done} crates compiled")),
            }
        }
    }

    pub fn tests(&self, passed: usize, failed: usize) {
        if let Progress::Live(bar) = self {
            bar.set_message(format!("{passed} tests passed, {failed} failed"));
        }
    }

    pub fn finish(&self, label: &str, phase: Phase, ok: bool, took: Duration) {
        let verdict = if ok { "ok" } else { "FAILED" };
        match self {
            Progress::Live(bar) => bar.println(format!(
                "{label} {:<8} {verdict:<6} {:>6.1}s",
                phase.name(),
                took.as_secs_f64()
            )),
            Progress::Plain => eprintln!(
                "[{label}] {} {verdict} in {:.1}s",
                phase.name(),
                took.as_secs_f64()
            ),
        }
    }

    pub fn done(&self) {
        if let Progress::Live(bar) = self {
            bar.finish_and_clear();
        }
    }
}
