//! The connections of `jeton server`: accepting them, the timeouts and the cap that keep idle
//! or half-sent connections from taking the server off the air, and the file-descriptor
//! limit they live in.
//!
//! Each connection is served by hyper's HTTP/1.1 on its own task, watched through a small
//! record of what it is doing (`Activity`): reads and writes on its socket, and the
//! requests between the moment hyper has their whole head and the moment their response
//! body is dropped, with whether their body has all arrived. From that record come its
//! deadline (header-read timeout from the connection's start and from the first byte of each
//! later request, idle timeout after a response or while the client does not read one; a
//! request being answered has the router's time limit) and whether it may be closed to make
//! room: at the cap, the oldest connection that has not sent a complete request (no whole
//! head, or a body still arriving) or sits idle is closed, as nginx reuses connections under
//! pressure, so real requests keep being answered.
//!
//! What it is not: the routes and their limits (the `http` module).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long requests in flight may take to finish once shutdown is asked for: SIGTERM ends
/// the server within a second.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(400);

/// Connections asked to close whose task has not run yet, at most: each still holds its
/// descriptor, which must stay within the reserve.
const EVICTING_MAX: usize = 32;

/// The pause after an accept error, so that running out of descriptors does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// At most one "out of file descriptors" line in this time.
const DESCRIPTOR_WARNING_EVERY: Duration = Duration::from_secs(10);

/// Descriptors left for what is not a client connection: the database, CRL files, logs.
fn reserve(limit: u64) -> u64 {
    (limit / 8).max(64)
}

/// The timeouts and the cap of every connection.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// A request's head must be complete within this time of the connection's start or of
    /// its first byte.
    pub header_read_timeout: Duration,
    /// A connection with no request in progress (after a response, or while the client does
    /// not read its response) is closed after this long.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_grace: Duration,
}

/// The soft file-descriptor limit, raised to the hard limit the first time it is asked for
/// (and logged then): each connection is a descriptor, and 1 024 is a common soft default.
pub fn descriptor_limit() -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    *LIMIT.get_or_init(raise_descriptor_limit)
}

fn raise_descriptor_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    // None is "unlimited": counted as a large figure, never as a reason to refuse.
    let figure = |v: Option<u64>| v.unwrap_or(1 << 20);
    let limit = getrlimit(Resource::Nofile);
    let mut soft = limit.current;
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => soft = limit.maximum,
            Err(e) => tracing::warn!(
                soft = figure(limit.current),
                hard = figure(limit.maximum),
                error = %e,
                "cannot raise the file-descriptor limit to the hard limit"
            ),
        }
    }
    tracing::info!(
        descriptors = figure(soft),
        hard = figure(limit.maximum),
        "file-descriptor limit"
    );
    figure(soft)
}

/// The most connections that fit in `limit` descriptors with the reserve kept.
pub fn connections_fitting(limit: u64) -> usize {
    usize::try_from(limit.saturating_sub(reserve(limit)).max(16)).unwrap_or(usize::MAX)
}

/// A listening socket on `address` with a backlog of `backlog` (the kernel may lower it to
/// its own maximum, `net.core.somaxconn`).
pub fn bind(address: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // A restarted server binds while its old connections are in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(backlog)
}

/// Serves `router` on `listener` until `shutdown` completes; then closes the connections
/// with no request in progress, lets the others finish within `limits.shutdown_grace` and
/// returns. Accept errors never end it.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Arc::new(Registry::default());
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    let mut next_id = 0u64;
    let mut at_cap = false;
    let mut warned_descriptors: Option<Instant> = None;
    loop {
        while tasks.try_join_next().is_some() {}
        if registry.evicting() >= EVICTING_MAX {
            tokio::select! {
                _ = registry.closed.notified() => {}
                _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                _ = &mut shutdown => break,
            }
            continue;
        }
        let open = registry.open();
        if open >= limits.max_connections {
            if !at_cap {
                at_cap = true;
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection cap reached: closing the oldest connections that have not sent a complete request, to make room"
                );
            }
            if !registry.evict_oldest_idle() {
                // Every connection is in a request: newcomers wait in the listen backlog.
                tokio::select! {
                    _ = registry.closed.notified() => {}
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    _ = &mut shutdown => break,
                }
                continue;
            }
        } else if at_cap && open < limits.max_connections / 4 * 3 {
            at_cap = false;
            tracing::info!(open, "back under the connection cap");
        }
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, _)) => {
                // Small responses go out at once.
                let _ = stream.set_nodelay(true);
                next_id += 1;
                let conn = Arc::new(Conn::new(next_id));
                registry.insert(Arc::clone(&conn));
                tasks.spawn(connection(
                    stream,
                    conn,
                    router.clone(),
                    limits,
                    stopped.clone(),
                    Arc::clone(&registry),
                ));
            }
            Err(e) => {
                #[cfg(test)]
                tests::ACCEPT_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if out_of_descriptors(&e) {
                    let now = Instant::now();
                    if warned_descriptors
                        .is_none_or(|at| now.duration_since(at) >= DESCRIPTOR_WARNING_EVERY)
                    {
                        warned_descriptors = Some(now);
                        tracing::warn!(
                            open = registry.open(),
                            limit = descriptor_limit(),
                            error = %e,
                            "out of file descriptors: closing idle connections and retrying"
                        );
                    }
                    registry.evict_oldest_idle();
                }
                // Otherwise a client that gave up before being accepted (ECONNABORTED): go
                // on, after a pause in case the error is not the client's.
                tokio::select! {
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    _ = &mut shutdown => break,
                }
            }
        }
    }
    // New connections are refused from here; the open ones close once their request is done.
    drop(listener);
    let _ = stop.send(true);
    let finished = tokio::time::timeout(limits.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::info!(
            open = tasks.len(),
            "closing the connections whose requests did not finish in time"
        );
    }
    tasks.abort_all();
}

fn out_of_descriptors(e: &io::Error) -> bool {
    use rustix::io::Errno;
    Errno::from_io_error(e)
        .is_some_and(|n| [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM].contains(&n))
}

/// The open connections, oldest first.
#[derive(Default)]
struct Registry {
    connections: Mutex<Connections>,
    /// A connection closed.
    closed: Notify,
}

#[derive(Default)]
struct Connections {
    /// Open and not asked to close.
    by_id: BTreeMap<u64, Arc<Conn>>,
    /// Asked to close and not closed yet (their task has not run): not counted as open, so
    /// that one newcomer closes one connection and not more.
    evicting: usize,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Connections> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn open(&self) -> usize {
        self.lock().by_id.len()
    }

    fn evicting(&self) -> usize {
        self.lock().evicting
    }

    fn insert(&self, conn: Arc<Conn>) {
        self.lock().by_id.insert(conn.id, conn);
    }

    fn remove(&self, conn: &Conn) {
        let mut c = self.lock();
        if c.by_id.remove(&conn.id).is_none() {
            c.evicting = c.evicting.saturating_sub(1);
        }
        drop(c);
        self.closed.notify_one();
    }

    /// Asks the oldest connection with no complete request to close. False if there is none.
    fn evict_oldest_idle(&self) -> bool {
        let mut c = self.lock();
        let chosen = c
            .by_id
            .iter()
            .find(|(_, conn)| conn.activity().evictable())
            .map(|(id, _)| *id);
        match chosen.and_then(|id| c.by_id.remove(&id)) {
            Some(conn) => {
                c.evicting += 1;
                conn.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// One connection, as the accept loop and its own task see it.
struct Conn {
    id: u64,
    activity: Mutex<Activity>,
    /// Its deadline may have moved.
    changed: Notify,
    /// The accept loop wants its descriptor.
    evict: Notify,
}

/// What a connection is doing.
struct Activity {
    opened: Instant,
    /// Requests whose head is complete and whose response body is not yet dropped.
    in_flight: usize,
    /// Of those, the ones whose body has not all arrived.
    receiving: usize,
    /// Requests begun so far.
    requests: u64,
    /// The first byte of the next request, read while none was in flight.
    request_started: Option<Instant>,
    /// The last byte read or written, or the end of the last response.
    last_progress: Instant,
    /// The socket's send buffer is full: the client does not read its response.
    write_blocked: bool,
}

impl Activity {
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        if self.write_blocked {
            // A client that does not read its response, streamed or not.
            return Some(self.last_progress + limits.idle_timeout);
        }
        if self.in_flight > 0 {
            // The request's own time limit applies (see `http::router`).
            return None;
        }
        Some(if self.requests == 0 {
            self.opened + limits.header_read_timeout
        } else if let Some(started) = self.request_started {
            started + limits.header_read_timeout
        } else {
            self.last_progress + limits.idle_timeout
        })
    }

    /// Nothing is lost by closing it: it has not sent a complete request (no head, or a
    /// body still arriving) or it is idle after its responses.
    fn evictable(&self) -> bool {
        self.in_flight == self.receiving && !self.write_blocked
    }
}

impl Conn {
    fn new(id: u64) -> Self {
        let now = Instant::now();
        Conn {
            id,
            activity: Mutex::new(Activity {
                opened: now,
                in_flight: 0,
                receiving: 0,
                requests: 0,
                request_started: None,
                last_progress: now,
                write_blocked: false,
            }),
            changed: Notify::new(),
            evict: Notify::new(),
        }
    }

    fn activity(&self) -> MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_some(&self) {
        let mut a = self.activity();
        let now = Instant::now();
        a.last_progress = now;
        if a.in_flight == 0 && a.requests > 0 && a.request_started.is_none() {
            a.request_started = Some(now);
            drop(a);
            self.changed.notify_one();
        }
    }

    fn wrote(&self, blocked: bool) {
        let mut a = self.activity();
        if !blocked {
            a.last_progress = Instant::now();
        }
        if a.write_blocked != blocked {
            a.write_blocked = blocked;
            drop(a);
            self.changed.notify_one();
        }
    }
}

/// A request in flight, from its complete head until its response body is dropped (by hyper,
/// once the body is written).
struct InFlight(Arc<Conn>);

impl InFlight {
    fn begin(conn: &Arc<Conn>) -> Self {
        let mut a = conn.activity();
        a.in_flight += 1;
        a.requests += 1;
        a.request_started = None;
        InFlight(Arc::clone(conn))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut a = self.0.activity();
        a.in_flight = a.in_flight.saturating_sub(1);
        a.last_progress = Instant::now();
        let idle = a.in_flight == 0;
        drop(a);
        if idle {
            self.0.changed.notify_one();
        }
    }
}

/// A request body that counts its request as still arriving until its end is read (or it is
/// dropped unread: the handler has answered without it).
struct Arriving {
    body: Incoming,
    conn: Option<Arc<Conn>>,
}

impl Arriving {
    fn new(body: Incoming, conn: &Arc<Conn>) -> Self {
        use http_body::Body as _;
        if body.is_end_stream() {
            return Arriving { body, conn: None };
        }
        conn.activity().receiving += 1;
        Arriving {
            body,
            conn: Some(Arc::clone(conn)),
        }
    }

    fn arrived(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut a = conn.activity();
            a.receiving = a.receiving.saturating_sub(1);
        }
    }
}

impl Drop for Arriving {
    fn drop(&mut self) {
        self.arrived();
    }
}

impl http_body::Body for Arriving {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let frame = Pin::new(&mut this.body).poll_frame(cx);
        if matches!(frame, Poll::Ready(None | Some(Err(_)))) || this.body.is_end_stream() {
            this.arrived();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A response body that keeps its request in flight until it is dropped.
struct Tracked {
    body: Body,
    _request: InFlight,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket, with its reads and writes noted in the connection's [`Activity`].
struct Watched {
    stream: TcpStream,
    conn: Arc<Conn>,
}

impl Watched {
    fn wrote(&self, result: &Poll<io::Result<usize>>) {
        match result {
            Poll::Pending => self.conn.wrote(true),
            Poll::Ready(Ok(n)) if *n > 0 => self.conn.wrote(false),
            Poll::Ready(_) => {}
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.conn.read_some();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.wrote(&result);
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.wrote(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Leaves the registry when the connection's task ends, however it ends.
struct Registered(Arc<Registry>, Arc<Conn>);

impl Drop for Registered {
    fn drop(&mut self) {
        self.0.remove(&self.1);
    }
}

/// Serves one connection until the client closes it, a deadline passes, it is evicted while
/// no request is in flight, or the server stops.
async fn connection(
    stream: TcpStream,
    conn: Arc<Conn>,
    router: Router,
    limits: ConnectionLimits,
    mut stopped: watch::Receiver<bool>,
    registry: Arc<Registry>,
) {
    let _registered = Registered(registry, Arc::clone(&conn));
    let io = TokioIo::new(Watched {
        stream,
        conn: Arc::clone(&conn),
    });
    let tower = TowerToHyperService::new(router);
    let for_requests = Arc::clone(&conn);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let request_in_flight = InFlight::begin(&for_requests);
        let request = request.map(|body| Arriving::new(body, &for_requests));
        let response = hyper::service::Service::call(&tower, request);
        async move {
            let response = response.await?;
            Ok::<_, Infallible>(response.map(|body| Tracked {
                body,
                _request: request_in_flight,
            }))
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    // The deadlines are this module's (header read and idle), not hyper's.
    http.header_read_timeout(None).keep_alive(true);
    let mut http = pin!(http.serve_connection(io, service));
    let mut stopping = false;
    loop {
        let deadline = conn.activity().deadline(&limits);
        let expiry = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // Errors are the client's (a reset, a malformed head): nothing to do but close.
            _ = http.as_mut() => return,
            _ = expiry => {
                let now = Instant::now();
                if conn.activity().deadline(&limits).is_some_and(|at| at <= now) {
                    return;
                }
            }
            _ = conn.changed.notified() => {}
            _ = conn.evict.notified() => {
                if conn.activity().evictable() {
                    return;
                }
                http.as_mut().graceful_shutdown();
            }
            _ = stopped.changed(), if !stopping => {
                stopping = true;
                if conn.activity().evictable() {
                    return;
                }
                // Finishes the request in flight, then closes.
                http.as_mut().graceful_shutdown();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Failed accepts, counted by the accept loop: how fast it retries.
    pub(super) static ACCEPT_ERRORS: AtomicU64 = AtomicU64::new(0);

    const SHORT: Duration = Duration::from_millis(400);
    const BIG: usize = 32 << 20;

    async fn start(
        max_connections: usize,
    ) -> (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = bind("127.0.0.1:0".parse().unwrap(), 128).unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new()
            .route(
                "/",
                get(|| async { "ok" }).post(|body: Bytes| async move { body.len().to_string() }),
            )
            .route("/big", get(|| async { vec![b'x'; BIG] }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "late"
                }),
            );
        let limits = ConnectionLimits {
            header_read_timeout: SHORT,
            idle_timeout: SHORT * 2,
            max_connections,
            shutdown_grace: Duration::from_millis(200),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        (address, stop, server)
    }

    /// Reads until the server closes; the time it took.
    async fn closed_after(stream: &mut TcpStream) -> Duration {
        let start = Instant::now();
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
                Ok(Ok(_)) => {}
                Err(_) => panic!("the server never closed the connection"),
            }
        }
    }

    async fn get_root(address: SocketAddr) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut text = String::new();
        tokio::time::timeout(Duration::from_secs(2), stream.read_to_string(&mut text))
            .await
            .expect("an answer in time")
            .unwrap();
        text
    }

    #[tokio::test]
    async fn idle_and_half_sent_connections_are_closed_at_the_header_timeout() {
        let (address, _stop, _server) = start(64).await;
        let mut idle = TcpStream::connect(address).await.unwrap();
        let mut half = TcpStream::connect(address).await.unwrap();
        half.write_all(b"GET / HTTP/1.1\r\nHost:").await.unwrap();
        for stream in [&mut idle, &mut half] {
            let after = closed_after(stream).await;
            assert!(after < SHORT * 3, "closed after {after:?}");
        }
    }

    #[tokio::test]
    async fn a_kept_alive_connection_is_closed_when_idle_too_long() {
        let (address, _stop, _server) = start(64).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        let after = closed_after(&mut stream).await;
        assert!(
            after >= SHORT && after < SHORT * 4,
            "closed after {after:?}"
        );
    }

    #[tokio::test]
    async fn a_client_that_does_not_read_its_response_is_closed_when_idle_too_long() {
        let (address, _stop, _server) = start(64).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        // Nothing read until well past the idle timeout: the server's writes block.
        tokio::time::sleep(SHORT * 5).await;
        let mut received = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received));
        let _ = read.await.expect("the server closed the connection");
        assert!(
            received.len() < BIG,
            "the whole response came: {}",
            received.len()
        );
    }

    #[tokio::test]
    async fn at_the_cap_idle_connections_make_room_for_requests() {
        let (address, _stop, _server) = start(16).await;
        let mut held = Vec::new();
        for i in 0..40 {
            let mut s = TcpStream::connect(address).await.unwrap();
            // A head not finished, or a body that does not all come.
            let sent: &[u8] = if i % 2 == 0 {
                b"GET / HTTP/1.1\r\nHost:"
            } else {
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"
            };
            s.write_all(sent).await.unwrap();
            held.push(s);
        }
        for _ in 0..5 {
            assert!(get_root(address).await.starts_with("HTTP/1.1 200"));
        }
    }

    #[tokio::test]
    async fn shutdown_waits_for_requests_in_flight_no_longer_than_the_grace() {
        let (address, stop, server) = start(64).await;
        let _idle = TcpStream::connect(address).await.unwrap();
        let mut slow = TcpStream::connect(address).await.unwrap();
        slow.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let start = Instant::now();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(1), server)
            .await
            .expect("served stops within a second")
            .unwrap();
        assert!(start.elapsed() < Duration::from_millis(700));
        assert!(
            TcpStream::connect(address).await.is_err(),
            "still listening"
        );
    }

    /// Set in the process this test re-runs itself in.
    const OWN_PROCESS: &str = "JETON_TEST_OWN_PROCESS";

    /// Runs test `name` of this binary again in a process of its own (where `body` runs):
    /// it lowers the process's descriptor limit and installs a global log subscriber, which
    /// must not touch the other tests (`cargo test` runs them as threads of one process;
    /// nextest gives each test a process, and then this costs one more).
    fn in_own_process(name: &str, body: fn()) {
        if std::env::var_os(OWN_PROCESS).is_some() {
            return body();
        }
        // libtest names a test by its path inside the crate.
        let name = name.split_once("::").map_or(name, |(_crate, path)| path);
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(OWN_PROCESS, "1")
            .output()
            .expect("the test binary runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && text.contains("1 passed"),
            "{name} in its own process: {}\n{text}",
            output.status
        );
    }

    /// Counts the warnings whose message contains `needle`, whatever thread logs them.
    struct CountWarnings {
        needle: &'static str,
        seen: Arc<AtomicUsize>,
    }

    impl tracing::Subscriber for CountWarnings {
        fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
            *metadata.level() <= tracing::Level::WARN
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            if message.0.contains(self.needle) {
                self.seen.fetch_add(1, Ordering::Relaxed);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    /// This process's CPU time (user and system), from `/proc/self/stat` (opened before the
    /// descriptors run out) in clock ticks of 10 ms (Linux's USER_HZ).
    fn cpu_time(file: &mut std::fs::File) -> Duration {
        use std::io::{Read, Seek};
        let mut stat = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut stat).unwrap();
        // Fields 14 and 15 (utime, stime), counted after the command name's ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 10)
    }

    #[test]
    fn out_of_descriptors_the_accept_loop_backs_off_warns_once_and_serves_again() {
        in_own_process(
            concat!(
                module_path!(),
                "::out_of_descriptors_the_accept_loop_backs_off_warns_once_and_serves_again"
            ),
            out_of_descriptors_body,
        );
    }

    fn out_of_descriptors_body() {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        use std::io::{Read, Write};
        let warnings = Arc::new(AtomicUsize::new(0));
        tracing::subscriber::set_global_default(CountWarnings {
            needle: "out of file descriptors",
            seen: Arc::clone(&warnings),
        })
        .unwrap();
        // As `jeton server` starts: the limit raised once (and remembered), then lowered
        // here to what a small `ulimit -n` gives, so that the test can fill it.
        descriptor_limit();
        let hard = getrlimit(Resource::Nofile).maximum;
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(128),
                maximum: hard,
            },
        )
        .unwrap();

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(async { bind("127.0.0.1:0".parse().unwrap(), 128) })
            .unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new().route("/healthz", get(|| async { "ok" }));
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(5),
            max_connections: 1000,
            shutdown_grace: Duration::from_millis(200),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));

        let mut stat = std::fs::File::open("/proc/self/stat").unwrap();
        // Every descriptor taken, but the one the client's socket then takes: the server
        // cannot accept it.
        let mut fillers = Vec::new();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(file) => fillers.push(file),
                Err(e) if out_of_descriptors(&e) => break,
                Err(e) => panic!("{e}"),
            }
        }
        fillers.pop();
        let mut client = std::net::TcpStream::connect(address).expect("queued by the kernel");
        let (errors, cpu) = (ACCEPT_ERRORS.load(Ordering::Relaxed), cpu_time(&mut stat));
        std::thread::sleep(Duration::from_secs(1));
        let errors = ACCEPT_ERRORS.load(Ordering::Relaxed) - errors;
        let cpu = cpu_time(&mut stat) - cpu;
        // One try per back-off (20 ms) is 50 a second; a loop without one makes hundreds
        // of thousands and burns a core.
        assert!(
            errors >= 5,
            "the accept never failed ({errors}): nothing was tested"
        );
        assert!(
            errors <= 100,
            "{errors} failed accepts in one second: it spins"
        );
        assert!(
            cpu < Duration::from_millis(300),
            "{cpu:?} of CPU in one second"
        );
        assert_eq!(
            warnings.load(Ordering::Relaxed),
            1,
            "warned once, not per accept"
        );

        // Descriptors free again: the queued client is accepted and answered.
        drop(fillers);
        let started = std::time::Instant::now();
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        client
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).expect("answered");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "answered after {:?}",
            started.elapsed()
        );
        assert_eq!(warnings.load(Ordering::Relaxed), 1);
        stop.send(()).unwrap();
        runtime.block_on(server).unwrap();
    }
}
