//! Logs: JSON or pretty, level from RUST_LOG (default info). Handlers log ids and outcomes,
//! never passwords, tokens or the secret.
//!
//! Every line this crate logs inside a request carries the request span's fields (method,
//! path, request id, client IP; made on first use, see `http::request_scope`): the pretty
//! format prints the span before the message, the JSON format puts them under `span`. The
//! target is printed, so security events (target `security`) can be picked out. Client-supplied text reaches a line only validated (the request id) or escaped (the
//! path, Debug-formatted errors); JSON escapes the rest itself.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal: a log file or collector gets no escape codes, and each
    // request's span fields are formatted without them.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(std::io::stdout().is_terminal());
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
