//! The HTTP server loop: accept, limit, serve HTTP/1.1 with upgrades, shut down gracefully.
//!
//! It is axum's `serve` plus what a public service needs: a deadline for a request's headers
//! (a client that opens connections and sends nothing holds them for seconds, not forever), a
//! cap on open connections per peer address, and surviving a full file-descriptor table (the
//! accept error is logged once in a while, the loop goes on, and the sockets already open
//! keep working).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::http::client::TrustedProxies;

/// How the loop limits connections.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub per_peer: u32,
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Kernel send buffer per connection (Linux doubles it): enough for a burst of events and
/// for the statistics download, small enough that a ping never waits long behind them.
const SEND_BUFFER: usize = 32 * 1024;

#[derive(Default)]
struct PerPeer(Mutex<HashMap<IpAddr, u32>>);

struct PeerSlot {
    peers: Arc<PerPeer>,
    peer: IpAddr,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut peers = self.peers.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = peers.get_mut(&self.peer) {
            *count -= 1;
            if *count == 0 {
                peers.remove(&self.peer);
            }
        }
    }
}

impl PerPeer {
    fn take(self: &Arc<Self>, peer: IpAddr, max: u32) -> Option<PeerSlot> {
        let mut peers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = peers.entry(peer).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(PeerSlot {
            peers: self.clone(),
            peer,
        })
    }
}

/// Whether an accept error means the process ran out of descriptors (or the system did).
fn out_of_descriptors(error: &std::io::Error) -> bool {
    // EMFILE (24) and ENFILE (23) on Linux and the BSDs.
    matches!(error.raw_os_error(), Some(23) | Some(24))
}

/// Serve `router` on `listener` until `shutdown` is cancelled, then let open requests finish
/// (at most `drain`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
    drain: Duration,
) {
    let connections = TaskTracker::new();
    let per_peer = Arc::new(PerPeer::default());
    loop {
        let (tcp, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if out_of_descriptors(&error) => {
                    crate::app::warn_throttled(
                        "accept_emfile",
                        "cannot accept connections: out of file descriptors; open sockets keep working",
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    continue;
                }
            },
        };
        let trusted = TrustedProxies::new(&limits.trusted_proxies).trusts(peer.ip());
        let slot = if trusted {
            None
        } else {
            match per_peer.take(peer.ip(), limits.per_peer) {
                Some(slot) => Some(slot),
                None => {
                    crate::app::warn_throttled(
                        "per_peer",
                        "refused connections from an address that holds too many",
                    );
                    continue;
                }
            }
        };
        let _ = tcp.set_nodelay(true);
        // A small kernel send buffer: what is queued for a slow reader waits in the socket's
        // own queue, where request events are coalesced and pings go first, instead of
        // megabytes of kernel buffer that would hold the heartbeat back for seconds.
        let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(SEND_BUFFER);
        let service = hyper::service::service_fn(with_peer(router.clone(), peer));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = shutdown.cancelled() => {
                    // Finish the request in flight, take no new one on this connection.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(drain, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("some HTTP requests did not finish in time");
    }
}

type Answer = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<axum::response::Response, Infallible>> + Send>,
>;

/// The router as a hyper service that knows the peer (for `ConnectInfo`).
fn with_peer(router: Router, peer: SocketAddr) -> impl Fn(Request<Incoming>) -> Answer + Clone {
    move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        Box::pin(async move { router.oneshot(request).await })
    }
}
