//! The argon2 parameters a server really uses, read from a PHC string it stored in its SQLite
//! file (`$argon2id$v=19$m=19456,t=2,p=1$...`) rather than taken from its documentation.

use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl std::fmt::Display for Argon2Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} m={} KiB t={} p={}",
            self.algorithm, self.memory_kib, self.iterations, self.parallelism
        )
    }
}

/// The parameters of the first PHC string in the database file or its write-ahead log (a
/// fresh row may be only in the log).
pub fn read(db_file: &Path) -> Option<Argon2Params> {
    let mut wal = db_file.as_os_str().to_owned();
    wal.push("-wal");
    [db_file.to_path_buf(), wal.into()]
        .iter()
        .filter_map(|file| std::fs::read(file).ok())
        .find_map(|bytes| {
            let start = bytes.windows(7).position(|w| w == b"$argon2")?;
            let phc: String = bytes[start..]
                .iter()
                .take(256)
                .take_while(|b| b.is_ascii_graphic())
                .map(|&b| char::from(b))
                .collect();
            parse(&phc)
        })
}

fn parse(phc: &str) -> Option<Argon2Params> {
    let mut fields = phc.split('$').skip(1);
    let algorithm = fields.next()?.to_string();
    let mut params = fields.next()?;
    if params.starts_with("v=") {
        params = fields.next()?;
    }
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in params.split(',') {
        let (key, value) = pair.split_once('=')?;
        let slot = match key {
            "m" => &mut m,
            "t" => &mut t,
            "p" => &mut p,
            _ => continue,
        };
        *slot = value.parse().ok();
    }
    Some(Argon2Params {
        algorithm,
        memory_kib: m?,
        iterations: t?,
        parallelism: p?,
    })
}

#[test]
fn phc_parameters_are_read() {
    let p = parse("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA").unwrap();
    assert_eq!(p.to_string(), "argon2id m=19456 KiB t=2 p=1");
    assert_eq!(parse("$argon2id$v=19$t=2,p=1$c2FsdA$aGFzaA"), None);
}
