//! The accept loop: one port speaks both HTTPS (what kubeconfig clients use) and plain HTTP
//! (handy for curl and the control API), told apart by the first byte of the connection.

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// The first byte of a TLS handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

/// Serves `app` on `listener` until `shutdown` fires, then drops every open connection
/// (watches and log follows included).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    acceptor: TlsAcceptor,
    shutdown: oneshot::Receiver<()>,
) {
    let acceptor = Arc::new(acceptor);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // As a real API server (Go sets it on every connection): without it, Nagle's
                // algorithm holds a followed log's small writes back until the client's
                // delayed ACK, 20-30 ms at a time.
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    let mut first = [0u8; 1];
                    let tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == TLS_HANDSHAKE);
                    let service = TowerToHyperService::new(app);
                    let builder = auto::Builder::new(TokioExecutor::new());
                    if tls {
                        match acceptor.accept(stream).await {
                            Ok(tls_stream) => {
                                let _ = builder.serve_connection(TokioIo::new(tls_stream), service).await;
                            }
                            Err(e) => tracing::debug!("TLS handshake failed: {e}"),
                        }
                    } else {
                        let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                    }
                });
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}
