//! The library from async code (feature `tokio`): [`connect`], then `sync`, `upgrade`,
//! `downgrade`, `status` and `db_version` as async methods that never block the runtime's
//! threads.
//!
//! The drivers are blocking, so each connection lives on a thread of tokio's blocking pool
//! (`spawn_blocking`) for as long as it is open, and every call is sent to it and awaited.
//! There is one implementation of every command, the blocking one, and a migration runs
//! once per application start-up, so a pool thread costs nothing that matters. The
//! connection never moves between threads, and a call whose future is dropped still runs
//! to its end on that thread (a migration is never cut off half-way by a cancelled future):
//! the next call waits for it.
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> Result<(), migrate::Error> {
//!     let repo = migrate::embed_repository!("../../examples/books/migrate_repo")?;
//!     let mut conn = migrate::tokio::connect("postgresql://app@db/app").await?;
//!     let outcome = conn.sync(&repo, Default::default()).await?;
//!     println!("at version {}", outcome.plan.to);
//!     Ok(())
//! }
//! ```

use std::sync::mpsc;

use ::tokio::sync::oneshot;

use migrate_core::executor::Silent;
use migrate_core::ops::{self, RunOptions, Status, SyncOptions, SyncOutcome};
use migrate_core::plan::Plan;
use migrate_core::{Connection, DbError, Error, Repository, Version};

type Job = Box<dyn FnOnce(&mut dyn Connection) + Send>;

/// Connects to the database `url` names (as [`crate::connect`]), on a thread of tokio's
/// blocking pool that keeps the connection until the returned handle is dropped.
///
/// # Errors
/// As [`crate::connect`]; also when called outside a tokio runtime.
pub async fn connect(url: &str) -> Result<AsyncConnection, Error> {
    let handle = ::tokio::runtime::Handle::try_current()
        .map_err(|_| DbError::new("migrate::tokio::connect was called outside a tokio runtime"))?;
    let url = url.to_string();
    let (jobs, inbox) = mpsc::channel::<Job>();
    let (ready, connected) = oneshot::channel::<Result<(), Error>>();
    handle.spawn_blocking(move || {
        let mut conn = match crate::connect(&url) {
            Ok(conn) => {
                let _ = ready.send(Ok(()));
                conn
            }
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        // Ends when the handle, and with it the sender, is dropped.
        for job in inbox {
            job(conn.as_mut());
        }
    });
    connected.await.map_err(|_| gone())??;
    Ok(AsyncConnection { jobs })
}

/// A connection living on a blocking-pool thread; dropping it closes the connection there.
#[derive(Debug)]
pub struct AsyncConnection {
    jobs: mpsc::Sender<Job>,
}

impl AsyncConnection {
    /// Runs `work` with the connection on its thread and awaits the result: for anything
    /// the async methods do not cover (any function of [`crate::ops`], a query).
    ///
    /// # Errors
    /// [`Error::Db`] when the connection's thread has ended (its runtime is shutting down,
    /// or a previous call panicked); otherwise whatever `work` returns.
    pub async fn run<R: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut dyn Connection) -> Result<R, Error> + Send + 'static,
    ) -> Result<R, Error> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Box::new(move |conn: &mut dyn Connection| {
                let _ = reply.send(work(conn));
            }))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// [`ops::sync`]: version-controls the database if needed and walks it to the target.
    ///
    /// # Errors
    /// As [`ops::sync`].
    pub async fn sync(
        &mut self,
        repo: &Repository,
        options: SyncOptions,
    ) -> Result<SyncOutcome, Error> {
        let repo = repo.clone();
        self.run(move |conn| ops::sync(conn, &repo, &options, &mut Silent))
            .await
    }

    /// [`ops::upgrade`] to `target` (the latest when `None`).
    ///
    /// # Errors
    /// As [`ops::upgrade`].
    pub async fn upgrade(
        &mut self,
        repo: &Repository,
        target: Option<Version>,
        options: RunOptions,
    ) -> Result<Plan, Error> {
        let repo = repo.clone();
        self.run(move |conn| ops::upgrade(conn, &repo, target, options, &mut Silent))
            .await
    }

    /// [`ops::downgrade`] to `target`.
    ///
    /// # Errors
    /// As [`ops::downgrade`].
    pub async fn downgrade(
        &mut self,
        repo: &Repository,
        target: Version,
        options: RunOptions,
    ) -> Result<Plan, Error> {
        let repo = repo.clone();
        self.run(move |conn| ops::downgrade(conn, &repo, target, options, &mut Silent))
            .await
    }

    /// [`ops::status`]: version, pending versions, dirty step, changed scripts, journal.
    ///
    /// # Errors
    /// As [`ops::status`].
    pub async fn status(&mut self, repo: &Repository) -> Result<Status, Error> {
        let repo = repo.clone();
        self.run(move |conn| ops::status(conn, &repo)).await
    }

    /// [`ops::db_version`]: the database's version.
    ///
    /// # Errors
    /// As [`ops::db_version`].
    pub async fn db_version(&mut self, repo: &Repository) -> Result<Version, Error> {
        let config = repo.config().clone();
        self.run(move |conn| ops::db_version(conn, &config)).await
    }
}

fn gone() -> Error {
    DbError::new(
        "the connection's thread has ended (its runtime is shutting down, or a call on it panicked)",
    )
    .into()
}
