//! Where mail goes: an SMTP server (lettre, STARTTLS or implicit TLS with rustls), or, in
//! development, `.eml` files in MAIL_DIR that a developer can open to follow a link.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::TransportConfig;
use super::outbox::Queued;
use crate::error::Error;

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: the server is down, busy, or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// The server refused the message for good (5xx), or it cannot be built.
    #[error("{0}")]
    Permanent(String),
}

impl Transport {
    pub fn new(config: &TransportConfig) -> Result<Self, Error> {
        match config {
            TransportConfig::Smtp(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
                    // The error would quote the URL, which may carry a password.
                    .map_err(|_| Error::Internal("SMTP_URL cannot be used".into()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Self::Smtp(transport))
            }
            TransportConfig::Files(dir) => Ok(Self::Files(dir.clone())),
        }
    }

    pub async fn send(&self, from: &str, mail: &Queued) -> Result<(), SendError> {
        let message = build(from, mail)?;
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            Self::Files(dir) => write_eml(dir, &mail.id, &message.formatted())
                .await
                .map_err(|e| SendError::Transient(format!("writing to {}: {e}", dir.display()))),
        }
    }
}

fn build(from: &str, mail: &Queued) -> Result<Message, SendError> {
    let permanent =
        |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let from: Mailbox = from.parse().map_err(|e| permanent("MAIL_FROM", &e))?;
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| permanent("recipient", &e))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| permanent("building the message", &e))
}

/// Writes `<id>.eml` whole or not at all (a temporary file renamed into place), so a reader
/// never sees half a message and a retry overwrites rather than duplicates.
async fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let part = dir.join([".", id, ".part"].concat());
    tokio::fs::write(&part, bytes).await?;
    tokio::fs::rename(&part, dir.join([id, ".eml"].concat())).await
}
