//! Account emails: verification, password reset, email change.
//!
//! Requests never talk to a mail server. A handler renders the message in the user's language
//! (`messages`) and writes it to the outbox in the same transaction as the token it carries
//! (`store`); the outbox worker (`outbox`) delivers it over SMTP or to files (`transport`),
//! with retries. Tokens (`tokens`) are random, hashed at rest, single use and purpose-bound.

mod catalogues;
pub mod config;
pub mod deferred;
pub mod messages;
pub mod outbox;
pub mod store;
pub mod tokens;
pub mod transport;

pub use config::MailConfig;
