//! The real SMTP server of a generated project's mail tests. Those tests start their own
//! aiosmtpd (`PYTHON -m aiosmtpd ...`) with the Python named by `SMTP_TEST_PYTHON`, and skip,
//! saying why, when none can; `STARTER_REQUIRE_SMTP=1` turns that skip into a failure. Verify
//! names the Python it was given to the tests, and requires them to run: whoever names a
//! server wants its tests run, not skipped. The Python is checked first, so that a wrong one
//! is reported at once as bad input rather than as a failed test after the build.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::InputError;

/// The variable naming the Python that runs aiosmtpd in the generated tests.
pub const PYTHON_VAR: &str = "SMTP_TEST_PYTHON";
/// The variable that makes the generated SMTP tests fail instead of skipping.
pub const REQUIRE_VAR: &str = "STARTER_REQUIRE_SMTP";

/// Checks that `python` runs and can import aiosmtpd.
pub fn check_python(python: &Path) -> Result<(), InputError> {
    let fix = format!(
        "install aiosmtpd for it (`{} -m pip install aiosmtpd`; on Debian, apt-get install python3-aiosmtpd serves /usr/bin/python3), or name another Python with --smtp-python PATH (or SMTP_TEST_PYTHON)",
        python.display()
    );
    let output = Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            InputError::new(
                format!("cannot run the SMTP test Python {}: {e}", python.display()),
                fix.clone(),
            )
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let why = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("it exited with an error");
    Err(InputError::new(
        format!(
            "the SMTP test Python {} cannot import aiosmtpd: {}",
            python.display(),
            why.trim()
        ),
        fix,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_without_aiosmtpd_or_no_python_at_all_is_refused_naming_it() {
        let err = check_python(Path::new("/nonexistent/python3")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/python3"), "{err}");
        // `false` runs and fails, as a Python without the module does.
        let err = check_python(Path::new("false")).unwrap_err();
        assert!(err.to_string().contains("cannot import aiosmtpd"), "{err}");
    }
}
