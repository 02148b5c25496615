//! Password hashing with Argon2id at OWASP's minimum cost (m = 19 MiB, t = 2, p = 1),
//! always on one of a few dedicated threads, so a slow hash never stalls other requests
//! and never more run at once than the machine has cores: each hash takes 19 MiB, and a
//! burst of logins must queue, not take gigabytes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads: one per core, for the whole process. Hashing is CPU- and
/// memory-bound work whatever the caller, so its bound belongs to the process; and a
/// fixed set of threads keeps the allocator's per-thread arenas, each of which would
/// otherwise keep its own 19 MiB blocks, to one per core.
fn workers() -> &'static Mutex<mpsc::Sender<Job>> {
    static WORKERS: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    WORKERS.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let cores = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2);
        for n in 0..cores {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("ecrin-hash-{n}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
        }
        Mutex::new(tx)
    })
}

/// Runs `f` on a hashing thread and waits for it without blocking the runtime.
async fn on_hash_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    workers().lock().ok()?.send(job).ok()?;
    rx.await.ok()
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: String) -> Result<String, crate::AppError> {
    on_hash_thread(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .ok_or_else(|| crate::AppError::Internal("hashing threads unavailable".into()))?
    .map_err(|e| crate::AppError::Internal(format!("hashing: {e}")))
}

/// Whether `password` matches `phc`. A malformed hash never matches.
pub async fn verify(password: String, phc: String) -> bool {
    on_hash_thread(move || {
        hasher()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}
