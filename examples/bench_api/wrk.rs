//! Throughput runs through wrk (Debian's package), an established load generator in C: the
//! comparisons with the bare axum baseline must not be bounded by our own client's speed.

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, bail};

pub struct WrkResult {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
}

/// Whether wrk is installed (asked once per run).
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("wrk")
            .arg("--version")
            .output()
            .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
    })
}

/// `wrk -t1 -cCONNS -dSECS --latency` against `url` with optional Bearer token.
pub fn run(
    url: &str,
    connections: usize,
    duration: Duration,
    bearer: Option<&str>,
) -> anyhow::Result<WrkResult> {
    run_request(url, connections, duration, bearer, None)
}

/// As `run`, but `POST`ing `json` (Content-Type: application/json) on every request when
/// given, through a wrk Lua script that only sets the request (no per-response callback, so
/// wrk's own speed is the same as for a GET).
pub fn run_request(
    url: &str,
    connections: usize,
    duration: Duration,
    bearer: Option<&str>,
    json: Option<&str>,
) -> anyhow::Result<WrkResult> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t1", "--latency", "--timeout", "10s"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)));
    if let Some(token) = bearer {
        cmd.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    // Kept until wrk has read it.
    let _script = match json {
        Some(body) => {
            anyhow::ensure!(
                !body.contains("]==]"),
                "a body wrk's Lua long string cannot hold"
            );
            let script = tempfile::Builder::new().suffix(".lua").tempfile()?;
            std::fs::write(
                script.path(),
                format!(
                    "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [==[{body}]==]\n"
                ),
            )?;
            cmd.arg("-s").arg(script.path());
            Some(script)
        }
        None => None,
    };
    let out = cmd.arg(url).output().context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    parse(&text)
}

fn parse(text: &str) -> anyhow::Result<WrkResult> {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix).map(|v| v.trim().to_string()))
    };
    let requests_per_sec = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no Requests/sec in wrk output:\n{text}"))?;
    let p50_ms = field("50%")
        .and_then(|v| duration_ms(&v))
        .with_context(|| format!("no 50% latency in wrk output:\n{text}"))?;
    let p99_ms = field("99%")
        .and_then(|v| duration_ms(&v))
        .with_context(|| format!("no 99% latency in wrk output:\n{text}"))?;
    let non_2xx = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(WrkResult {
        requests_per_sec,
        p50_ms,
        p99_ms,
        non_2xx,
    })
}

/// wrk's "812.00us", "1.23ms", "2.00s" in milliseconds.
fn duration_ms(v: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_output() {
        let out = "  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    2.00ms\n     99%    1.50s\n  954 requests in 1.10s, 1.99MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:    867.39\n";
        let r = parse(out).unwrap();
        assert_eq!(r.requests_per_sec, 867.39);
        assert!((r.p50_ms - 0.812).abs() < 1e-9);
        assert_eq!(r.p99_ms, 1500.0);
        assert_eq!(r.non_2xx, 3);
    }
}
