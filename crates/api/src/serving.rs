//! Connections are served by one single-threaded runtime per connection thread, all accepting
//! from the same listening socket (as nginx's worker processes do without `reuseport`): a
//! connection stays on the thread that accepted it.
//!
//! Why not the multi-threaded runtime everything else runs on: a photo GET from memory costs
//! about 10 µs, and waking the other worker thread to steal a task was a measurable part of it
//! (one worker used 14 % less CPU per GET). Image work still goes to a blocking pool, and the
//! limits on it are shared by all threads. One socket rather than one `SO_REUSEPORT` socket per
//! thread, so that a second server started on a port in use still fails to bind.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::extract::Request;
use axum::response::Response;
use axum::ServiceExt;
use tower::Service;

/// One listening socket, shared by the connection threads.
#[derive(Debug)]
pub struct Listeners {
    sockets: Vec<std::net::TcpListener>,
    address: SocketAddr,
}

impl Listeners {
    /// Binds `address` (port 0 picks a free port) for `count` connection threads.
    pub fn bind(address: SocketAddr, count: usize) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let mut sockets = Vec::with_capacity(count.max(1));
        for _ in 1..count.max(1) {
            sockets.push(listener.try_clone()?);
        }
        sockets.push(listener);
        Ok(Self { sockets, address })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

/// Serves `service` on every listener until `shutdown` resolves, then lets every thread finish
/// its in-flight requests.
pub async fn serve<S>(
    listeners: Listeners,
    service: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut threads = Vec::new();
    for (i, socket) in listeners.sockets.into_iter().enumerate() {
        let service = service.clone();
        let mut stopped = stopped.clone();
        let thread = std::thread::Builder::new()
            .name(format!("portrait-http-{i}"))
            .spawn(move || -> io::Result<()> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(socket)?;
                    let stop = async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    };
                    axum::serve(listener, service.into_make_service())
                        .with_graceful_shutdown(stop)
                        .await
                })
            })?;
        threads.push(thread);
    }
    shutdown.await;
    let _ = stop.send(true);
    let joined = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a connection thread panicked")))
            })
            .collect::<io::Result<Vec<()>>>()
    })
    .await
    .map_err(io::Error::other)?;
    joined.map(|_| ())
}
