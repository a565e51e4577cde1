//! `migrate::tokio` (issue 16): the commands as async methods, from current-thread and
//! multi-thread runtimes, on every database; a call whose future is dropped still completes,
//! before the next call runs.

use std::future::Future;
use std::task::Poll;

use migrate_core::ops::RunOptions;
use migrate_core::{Repository, Version};

use crate::support::BOOKS_REPO;

fn runtimes() -> [tokio::runtime::Runtime; 2] {
    [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    ]
}

matrix!(the_async_api_works_in_both_kinds_of_runtime, |db| {
    let repo = Repository::open(BOOKS_REPO).expect("open");
    let latest = repo.latest();
    for (i, runtime) in runtimes().iter().enumerate() {
        runtime.block_on(async {
            let mut conn = migrate::tokio::connect(&db.url).await.expect("connect");
            let outcome = conn.sync(&repo, Default::default()).await.expect("sync");
            assert_eq!(outcome.placed_under_control, i == 0, "runtime {i}");
            assert_eq!(outcome.plan.to, latest);
            let status = conn.status(&repo).await.expect("status");
            assert!(
                status.pending.is_empty(),
                "runtime {i}: {:?}",
                status.pending
            );
            conn.downgrade(&repo, Version::new(1), RunOptions::default())
                .await
                .expect("downgrade");
            assert_eq!(
                conn.db_version(&repo).await.expect("version"),
                Version::new(1)
            );
            conn.upgrade(&repo, None, RunOptions::default())
                .await
                .expect("upgrade");
            let columns = conn
                .run(|c| Ok(c.query("SELECT isbn FROM books", &[])?.len()))
                .await
                .expect("a query on the connection's thread");
            assert_eq!(columns, 0);
        });
    }
    assert_eq!(db.version_rows("migrate_version")[0].2, 2);
});

// A future dropped after its first poll (a `select!` or a timeout taking another branch) has
// already handed its call to the connection's thread: the call runs to its end, and the next
// one sees what it did.
matrix!(a_dropped_call_completes_before_the_next, |db| {
    let repo = Repository::open(BOOKS_REPO).expect("open");
    let [runtime, _] = runtimes();
    runtime.block_on(async {
        let mut conn = migrate::tokio::connect(&db.url).await.expect("connect");
        let mut sync = Box::pin(conn.sync(&repo, Default::default()));
        std::future::poll_fn(|cx| {
            // Pending in practice (the sync takes milliseconds); either way the call is sent.
            let _ = sync.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        drop(sync);
        assert_eq!(
            conn.db_version(&repo).await.expect("version"),
            repo.latest()
        );
    });
});
