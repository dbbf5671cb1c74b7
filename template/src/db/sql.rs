//! The statements with numbered (`$n`) parameters, shared by SQLite and PostgreSQL (MySQL has
//! its own list with `?` in `mysql.rs`). One dialect, one list: a statement changed here is
//! changed for both.

pub const PING: &str = "SELECT 1";
pub const INSERT_USER: &str =
    "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)";
pub const USER_BY_EMAIL: &str = "SELECT id, password_hash FROM users WHERE email = $1";
pub const USER_BY_ID: &str = "SELECT id, email, password_hash, created_at FROM users WHERE id = $1";
pub const UPDATE_PASSWORD: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
/// What an authenticated request needs: the profile and the session epoch.
pub const SESSION_BY_ID: &str =
    "SELECT id, email, created_at, session_epoch FROM users WHERE id = $1";
/// Locks the user row (a no-op write: SQLite has no `FOR UPDATE`) and reads the epoch, so a
/// session issued in this transaction is ordered against any revocation.
pub const LOCK_USER: &str =
    "UPDATE users SET session_epoch = session_epoch WHERE id = $1 RETURNING session_epoch";
/// The same for the owner of a refresh token; as the first statement of a rotation it also
/// takes SQLite's write lock before anything is read.
pub const LOCK_USER_OF_REFRESH: &str = "UPDATE users SET session_epoch = session_epoch \
    WHERE id = (SELECT user_id FROM refresh_tokens WHERE token_hash = $1) \
    RETURNING id, session_epoch";
pub const BUMP_EPOCH: &str = "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1";
pub const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens \
    (id, user_id, token_hash, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const SPEND_REFRESH: &str = "UPDATE refresh_tokens SET spent_at = $1 \
    WHERE token_hash = $2 AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > $3";
pub const REFRESH_BY_HASH: &str = "SELECT user_id, family_id, expires_at, spent_at, revoked_at \
    FROM refresh_tokens WHERE token_hash = $1";
pub const REVOKE_USER_REFRESH: &str =
    "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";
pub const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL";
pub const PURGE_REFRESH: &str =
    "DELETE FROM refresh_tokens WHERE expires_at <= $1 OR revoked_at IS NOT NULL";

// Used by `test_support` only.
pub const REFRESH_HASHES: &str = "SELECT token_hash FROM refresh_tokens";
pub const DELETE_USER: &str = "DELETE FROM users WHERE id = $1";
