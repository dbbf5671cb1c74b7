//! Passwords: the policy (length in characters, common-password list), and argon2id hashing on
//! threads of its own, off the async runtime.
//!
//! `MAX_CONCURRENT_HASHES` threads do every hash and verification. Each keeps one argon2
//! memory buffer for its lifetime, so memory stays at most that many times the argon2 memory
//! whatever the load: allocating the buffer per hash fragments the allocator's arenas, and a
//! flood of 16 concurrent logins grew a process to over 700 MiB that way. The default number
//! of threads leaves one core to the async runtime, so a login flood does not starve the rest
//! of the API (docs/SECURITY.md).
//!
//! The queue in front of those threads is shared by every login, so it is guarded: a job holds
//! a slot of its client IP and account while queued or running (`hash_slots`), and a job that
//! no thread has picked up within `HASH_QUEUE_TIMEOUT_MS` is withdrawn and answered
//! `service_busy` (503, Retry-After) instead of queueing for seconds. A thread that picks up a
//! job whose requester has gone (disconnected, timed out, withdrawn) drops it uncomputed.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash, Version};
use tokio::sync::{mpsc, oneshot};

use crate::config::{Config, PASSWORD_MAX_LENGTH};
use crate::error::Error;
use crate::hash_slots::{Client, HashSlots, Slot};

/// Common passwords refused at registration (lower-case), shipped with the project.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Checks length (Unicode characters, no truncation, no case folding), the common list, and
/// refuses passwords that are only whitespace or one repeated character (length without any
/// variety). No composition rules.
pub fn check_policy(password: &str, min: usize) -> Result<(), Error> {
    let chars = password.chars().count();
    let weak = Error::WeakPassword {
        min,
        max: PASSWORD_MAX_LENGTH,
    };
    if chars < min || chars > PASSWORD_MAX_LENGTH {
        return Err(weak);
    }
    let mut all = password.chars();
    let first = all.next();
    if password.trim().is_empty() || all.all(|c| Some(c) == first) {
        return Err(weak);
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        return Err(weak);
    }
    Ok(())
}

/// Jobs queued or running at most: beyond this, requests are refused at once.
const QUEUE: usize = 1024;

/// Work for a hashing thread, given that thread's argon2 buffer; `false` when it was dropped
/// uncomputed (its requester had gone).
type Job = Box<dyn FnOnce(&mut Vec<Block>, &Load) -> bool + Send>;

/// A job's state, shared by its requester and the thread that picks it up: whichever moves it
/// out of `QUEUED` first decides whether it is computed or withdrawn.
const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const WITHDRAWN: u8 = 2;

#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    params: Params,
    load: Arc<Load>,
    slots: Arc<HashSlots>,
    queue_timeout: Duration,
    /// A hash of a random password with the live parameters: unknown emails are verified
    /// against it so that they take as long as wrong passwords.
    dummy_hash: Arc<String>,
}

/// How many hashes run now, the most that ever ran at once, and what became of the jobs.
#[derive(Default)]
struct Load {
    running: AtomicUsize,
    peak: AtomicUsize,
    computed: AtomicU64,
    dropped: AtomicU64,
}

/// Counters of the hashing threads, for monitoring and for the tests that prove the limits
/// (the one place such accessors live).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingStats {
    /// The most hashes that ever ran at once: never above `MAX_CONCURRENT_HASHES`.
    pub peak_concurrency: usize,
    /// Jobs computed for requests (the start-up dummy hash is not counted).
    pub computed: u64,
    /// Jobs dropped uncomputed because their requester had gone or withdrawn.
    pub dropped: u64,
    /// Hashes running now.
    pub running: usize,
    /// Requests holding a hashing slot now: running, or queued for a thread.
    pub admitted: usize,
}

impl Hasher {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let params = Params::new(
            config.argon2_memory_kib,
            config.argon2_iterations,
            config.argon2_parallelism,
            None,
        )
        .map_err(|e| Error::Internal(format!("argon2 parameters: {e}")))?;
        let dummy_hash = hash_into(
            &params,
            &crate::random::bytes::<32>()?,
            &mut vec![Block::new(); params.block_count()],
        )?;
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        let load = Arc::new(Load::default());
        for n in 0..config.max_concurrent_hashes.max(1) {
            let (queue, load) = (queue.clone(), load.clone());
            let blocks = params.block_count();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hashing_thread(&queue, blocks, &load))
                .map_err(|e| Error::Internal(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(Self {
            jobs,
            params,
            load,
            slots: Arc::new(HashSlots::new(
                config.max_hash_jobs_per_ip,
                config.max_hash_jobs_per_account,
                QUEUE,
            )),
            queue_timeout: config.hash_queue_timeout,
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    /// A hashing slot for `client`, taken before any other work of the request (a database
    /// lookup), so that a client over its cap is refused at once and cheaply: `service_busy`
    /// when it, or the whole queue, is at its cap.
    pub fn admit(&self, client: &Client) -> Result<Slot, Error> {
        self.slots.acquire(client)
    }

    pub async fn hash(&self, password: String, slot: Slot) -> Result<String, Error> {
        let params = self.params.clone();
        self.run(slot, move |memory| {
            hash_into(&params, password.as_bytes(), memory)
        })
        .await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no user,
    /// so both paths cost one argon2 computation.
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
        slot: Slot,
    ) -> Result<bool, Error> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_str().to_string());
        let matched = self
            .run(slot, move |memory| {
                verify_into(password.as_bytes(), &hash, memory)
            })
            .await?;
        Ok(known && matched)
    }

    pub fn stats(&self) -> HashingStats {
        HashingStats {
            peak_concurrency: self.load.peak.load(Ordering::Relaxed),
            computed: self.load.computed.load(Ordering::Relaxed),
            dropped: self.load.dropped.load(Ordering::Relaxed),
            running: self.load.running.load(Ordering::Relaxed),
            admitted: self.slots.held(),
        }
    }

    /// Runs `job` on a hashing thread and waits for its result, or refuses with
    /// `service_busy` when the queue is full or no thread picks the job up within the queue
    /// timeout.
    async fn run<T: Send + 'static>(
        &self,
        slot: Slot,
        job: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, Error> {
        // Held until the result is in (or this future is dropped).
        let _slot = slot;
        let deadline = tokio::time::Instant::now() + self.queue_timeout;
        let state = Arc::new(AtomicU8::new(QUEUED));
        let (reply, mut result) = oneshot::channel();
        let taken = state.clone();
        let job: Job = Box::new(move |memory, load| {
            // Nobody waits for it (the client went away, or it was withdrawn): not computed.
            if reply.is_closed()
                || taken
                    .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
            {
                return false;
            }
            let outcome = job(memory);
            // Counted before the reply, so a caller that has its answer sees its job counted.
            load.computed.fetch_add(1, Ordering::Relaxed);
            let _ = reply.send(outcome);
            true
        });
        self.jobs.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                crate::security_event!(WARN, "hashing_overloaded", reason = "queue_full");
                Error::ServiceBusy { retry_after: 1 }
            }
            mpsc::error::TrySendError::Closed(_) => {
                Error::Internal("the hashing threads are gone".into())
            }
        })?;
        let gone = |_| Error::Internal("a hashing thread dropped its job".into());
        match tokio::time::timeout_at(deadline, &mut result).await {
            Ok(outcome) => outcome.map_err(gone),
            Err(_) => {
                if state
                    .compare_exchange(QUEUED, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    crate::security_event!(WARN, "hashing_overloaded", reason = "queue_timeout");
                    return Err(Error::ServiceBusy { retry_after: 1 });
                }
                // A thread took it just in time: the work is being done, so use it.
                result.await.map_err(gone)
            }
        }
    }
}

/// One hashing thread: takes jobs until every `Hasher` is dropped. Its buffer of `blocks`
/// argon2 blocks is allocated on its first job and wiped after each one, so no
/// password-derived state outlives a job.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>, blocks: usize, load: &Load) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        // One thread waits on the queue at a time; the others wait for the lock.
        let job = match queue.lock() {
            Ok(mut queue) => queue.blocking_recv(),
            Err(poisoned) => poisoned.into_inner().blocking_recv(),
        };
        let Some(job) = job else { return };
        if memory.is_empty() {
            memory = vec![Block::new(); blocks];
        }
        let running = load.running.fetch_add(1, Ordering::Relaxed) + 1;
        load.peak.fetch_max(running, Ordering::Relaxed);
        if job(&mut memory, load) {
            memory.fill(Block::new());
        } else {
            load.dropped.fetch_add(1, Ordering::Relaxed);
        }
        load.running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// argon2id of `password` with a fresh salt, as a PHC string, computed in `memory`.
fn hash_into(params: &Params, password: &[u8], memory: &mut [Block]) -> Result<String, Error> {
    let err = |e: &dyn std::fmt::Display| Error::Internal(format!("argon2: {e}"));
    let salt = crate::random::bytes::<16>()?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    argon2
        .hash_password_into_with_memory(password, &salt, &mut out, memory)
        .map_err(|e| err(&e))?;
    let hash = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| err(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| err(&e))?),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`, with the parameters that the hash
/// records (older hashes keep verifying after the parameters are raised). The comparison is
/// constant-time. A malformed hash matches nothing.
fn verify_into(password: &[u8], hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm.as_str()),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    if memory.len() < params.block_count() {
        // A hash made with more memory than the live parameters: grow for good.
        memory.resize(params.block_count(), Block::new());
    }
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2
        .hash_password_into_with_memory(password, &salt, &mut out, &mut memory[..])
        .is_err()
    {
        return false;
    }
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(check_policy("éàéàéàéàéàé", 12).is_err());
        assert!(check_policy("éàéàéàéàéàéà", 12).is_ok());
        assert!(check_policy(&"ab".repeat(65), 12).is_err());
        assert!(check_policy(&"🔒🔑".repeat(64), 12).is_ok());
    }

    #[test]
    fn whitespace_only_and_single_character_passwords_are_refused() {
        assert!(check_policy(&" ".repeat(12), 12).is_err());
        assert!(check_policy("\t \u{3000}\n         ", 12).is_err());
        assert!(check_policy(&"z".repeat(20), 12).is_err());
        assert!(check_policy(&"🔒".repeat(12), 12).is_err());
        assert!(check_policy("zzzzzzzzzzzy", 12).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(check_policy("password1234", 12).is_err());
        assert!(check_policy("PassWord1234", 12).is_err());
        assert!(check_policy("violet tractor umbrella", 12).is_ok());
    }

    fn small_params() -> Params {
        Params::new(19456, 2, 1, None).unwrap()
    }

    #[test]
    fn hashes_are_standard_phc_strings_that_the_argon2_crate_verifies() {
        let params = small_params();
        let mut memory = vec![Block::new(); params.block_count()];
        let hash = hash_into(&params, b"violet tractor umbrella", &mut memory).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            argon2
                .verify_password(b"violet tractor umbrella", &parsed)
                .is_ok()
        );
        assert!(
            argon2
                .verify_password(b"violet tractor umbrellA", &parsed)
                .is_err()
        );
    }

    #[test]
    fn verifies_hashes_made_by_the_argon2_crate_with_other_parameters() {
        // Made with more memory than the buffer holds: the buffer grows.
        let stronger = Params::new(32768, 3, 1, None).unwrap();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, stronger);
        let hash = argon2
            .hash_password_with_salt(b"violet tractor umbrella", b"0123456789abcdef")
            .unwrap()
            .to_string();
        let mut memory = vec![Block::new(); small_params().block_count()];
        assert!(verify_into(b"violet tractor umbrella", &hash, &mut memory));
        assert!(!verify_into(b"violet tractor umbrellA", &hash, &mut memory));
        assert!(!verify_into(
            b"violet tractor umbrella",
            "not a hash",
            &mut memory
        ));
        assert!(!verify_into(b"violet tractor umbrella", "", &mut memory));
    }
}
