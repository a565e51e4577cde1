//! Where the PostgreSQL client runs. The synchronous `postgres` client drives its own tokio
//! runtime, and starting one inside another panics ("Cannot start a runtime from within a
//! runtime"): called from an async application (`#[tokio::main]`) it would take the
//! application down. There the client lives on a thread of its own, outside any runtime, and
//! each call is sent to it; elsewhere it is used in place, at no cost.

use std::sync::mpsc;
use std::thread::JoinHandle;

use migrate_core::DbError;
use postgres::Client;

type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// The client, used in place or on its own thread.
pub(crate) enum ClientHome {
    Here(Box<Client>),
    Thread(ClientThread),
}

impl ClientHome {
    /// Connects with `connect`, on a thread of its own when the caller is inside a tokio
    /// runtime.
    pub(crate) fn connect<E: Send + 'static>(
        connect: impl FnOnce() -> Result<Client, E> + Send + 'static,
    ) -> Result<ClientHome, E> {
        if tokio::runtime::Handle::try_current().is_err() {
            return connect().map(|c| ClientHome::Here(Box::new(c)));
        }
        ClientThread::start(connect).map(ClientHome::Thread)
    }

    /// Runs `job` with the client.
    pub(crate) fn with<R: Send + 'static>(
        &mut self,
        job: impl FnOnce(&mut Client) -> Result<R, DbError> + Send + 'static,
    ) -> Result<R, DbError> {
        match self {
            ClientHome::Here(client) => job(client),
            ClientHome::Thread(thread) => thread.run(job),
        }
    }
}

/// A thread owning the client, running the jobs sent to it in order.
pub(crate) struct ClientThread {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl ClientThread {
    fn start<E: Send + 'static>(
        connect: impl FnOnce() -> Result<Client, E> + Send + 'static,
    ) -> Result<ClientThread, E> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready, connected) = mpsc::sync_channel::<Result<(), E>>(1);
        let thread = std::thread::Builder::new()
            .name("migrate-postgres".into())
            .spawn(move || {
                let mut client = match connect() {
                    Ok(c) => {
                        let _ = ready.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                for job in inbox {
                    job(&mut client);
                }
            })
            .expect("a thread for the PostgreSQL client");
        match connected.recv() {
            Ok(Ok(())) => Ok(ClientThread {
                jobs: Some(jobs),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => panic!("the PostgreSQL client's thread ended before connecting"),
        }
    }

    fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Client) -> Result<R, DbError> + Send + 'static,
    ) -> Result<R, DbError> {
        let gone = || DbError::new("the PostgreSQL client's thread has ended");
        let (reply, answer) = mpsc::sync_channel(1);
        let jobs = self.jobs.as_ref().ok_or_else(gone)?;
        jobs.send(Box::new(move |client: &mut Client| {
            let _ = reply.send(job(client));
        }))
        .map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

impl Drop for ClientThread {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; the client closes with it.
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
