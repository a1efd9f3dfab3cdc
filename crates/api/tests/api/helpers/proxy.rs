//! A TCP proxy in front of a real dependency (PostgreSQL, the S3 server) that a test can
//! cut and restore. Cut, it drops every open connection and closes new ones at once, as a
//! stopped server would look; black-holed, it keeps every connection open and silent, as a
//! lost network would look.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const UP: u8 = 0;
const CLOSED: u8 = 1;
const SILENT: u8 = 2;

pub struct Proxy {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    /// Bumped on every cut; open connections end when it changes.
    cuts: watch::Sender<u64>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let mode = Arc::new(AtomicU8::new(UP));
        let (cuts, _) = watch::channel(0u64);
        let accept = tokio::spawn({
            let mode = Arc::clone(&mode);
            let cuts = cuts.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let mut cut = cuts.subscribe();
                    let mode = Arc::clone(&mode);
                    tokio::spawn(async move {
                        match mode.load(Ordering::SeqCst) {
                            CLOSED => return,
                            SILENT => return hold(client, cut).await,
                            _ => {}
                        }
                        let Ok(mut server) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let mut client = client;
                        let silenced = tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
                            _ = cut.changed() => mode.load(Ordering::SeqCst) == SILENT,
                        };
                        if silenced {
                            let _server = server;
                            hold(client, cut).await;
                        }
                    });
                }
            }
        });
        Self {
            addr,
            mode,
            cuts,
            accept,
        }
    }

    /// The dependency "stops": open connections are dropped, new ones closed at once.
    pub fn cut(&self) {
        self.mode.store(CLOSED, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The network is lost: every connection stays open and nothing more gets through.
    pub fn black_hole(&self) {
        self.mode.store(SILENT, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The dependency is back; silent connections are closed.
    pub fn restore(&self) {
        self.mode.store(UP, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Keeps `socket` open without reading or writing until the next change of the proxy's mode.
async fn hold(socket: TcpStream, mut cut: watch::Receiver<u64>) {
    let _ = cut.changed().await;
    drop(socket);
}
