//! The database server a PostgreSQL or MySQL project's tests run against: the generated tests
//! create (and drop) a database of their own on the server named by DATABASE_URL, so verify
//! only checks that the URL names a server of the project's kind.

use crate::answers::Database;
use crate::error::InputError;

/// The server URL without credentials, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Checks that `url` names a server of the project's database kind.
pub fn check_url(kind: Database, url: &str) -> Result<(), InputError> {
    let ok = match kind {
        Database::Postgres => url.starts_with("postgres://") || url.starts_with("postgresql://"),
        Database::Mysql => url.starts_with("mysql://") || url.starts_with("mariadb://"),
        Database::Sqlite => true,
    };
    if ok {
        Ok(())
    } else {
        let example = match kind {
            Database::Postgres => "postgres://postgres@127.0.0.1:5432/postgres",
            _ => "mysql://root@127.0.0.1:3306/mysql",
        };
        Err(InputError::new(
            format!("the database URL {} is not a {kind} URL", redact(url)),
            format!("pass a {kind} server, e.g. --database-url {example}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://***@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn url_kind_must_match_the_project() {
        assert!(check_url(Database::Postgres, "postgresql://h/db").is_ok());
        assert!(check_url(Database::Postgres, "mysql://h/db").is_err());
        assert!(check_url(Database::Mysql, "mariadb://h/db").is_ok());
    }
}
