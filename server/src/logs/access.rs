//! The access log: every API request, written off the request path.
//!
//! The middleware hands each entry to a writer task through a bounded channel; the writer
//! appends them in batches (one transaction per batch, per institution one head lock), so
//! logging costs a request a channel send, not a database round trip. When the channel is full
//! requests wait: nothing is dropped. On shutdown the writer drains the channel. A crash can
//! lose what was sent but not yet written (milliseconds' worth).

use crate::chain::{self, AccessEntry, NO_TENANT};
use crate::db::{self, Db};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use shared::ids::{SessionId, TenantId, UserId};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Entries waiting to be written before requests start to wait.
const CHANNEL: usize = 10_000;
/// Most entries one transaction writes.
const BATCH: usize = 1_000;

enum Message {
    Entry(Box<AccessEntry>),
    Flush(oneshot::Sender<()>),
}

/// Handle to the access-log writer. Cheap to clone.
#[derive(Clone)]
pub struct AccessLog {
    sender: mpsc::Sender<Message>,
}

impl AccessLog {
    /// Starts the writer task. It ends when every handle is dropped and the channel is empty.
    pub fn start(db: Db) -> (Self, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(CHANNEL);
        let task = tokio::spawn(write_loop(db, receiver));
        (Self { sender }, task)
    }

    pub async fn record(&self, entry: AccessEntry) {
        if self
            .sender
            .send(Message::Entry(Box::new(entry)))
            .await
            .is_err()
        {
            tracing::error!("access log writer has stopped; entry not recorded");
        }
    }

    /// Waits until everything recorded before this call is in the database (for viewers,
    /// which must see the requests that came before them).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.sender.send(Message::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(db: Db, mut receiver: mpsc::Receiver<Message>) {
    let mut batch: Vec<AccessEntry> = Vec::with_capacity(BATCH);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Entry(entry) => batch.push(*entry),
                Message::Flush(done) => waiting.push(done),
            }
            if batch.len() < BATCH {
                next = receiver.try_recv().ok();
            }
        }
        write_with_retry(&db, &batch).await;
        batch.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Retries until the batch is written: a database outage delays logging (and, once the
/// channel is full, requests) rather than losing entries.
async fn write_with_retry(db: &Db, batch: &[AccessEntry]) {
    let mut delay = Duration::from_millis(100);
    loop {
        match db::system::append_access(db, batch).await {
            Ok(()) => return,
            Err(err) => {
                tracing::error!(
                    error = %crate::error::redacted(&err.into()),
                    entries = batch.len(),
                    "writing the access log failed; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// What a request's handlers learn about it, for its access-log entry: the extractors fill in
/// who (after authentication), the route layer the route template, handlers the patient.
#[derive(Clone, Default)]
pub struct AccessNote(Arc<Mutex<Note>>);

#[derive(Default, Clone)]
struct Note {
    tenant_id: Option<TenantId>,
    user_id: Option<UserId>,
    session_id: Option<SessionId>,
    route: Option<String>,
    patient_id: Option<uuid::Uuid>,
}

impl AccessNote {
    fn with(&self, f: impl FnOnce(&mut Note)) {
        if let Ok(mut note) = self.0.lock() {
            f(&mut note);
        }
    }

    /// The request is by this user of this institution.
    pub fn set_actor(
        &self,
        tenant_id: TenantId,
        user_id: Option<UserId>,
        session_id: Option<SessionId>,
    ) {
        self.with(|n| {
            n.tenant_id = Some(tenant_id);
            n.user_id = user_id;
            n.session_id = session_id;
        });
    }

    /// The request concerns this patient (chart reads count).
    pub fn set_patient(&self, patient_id: shared::ids::PatientId) {
        self.with(|n| n.patient_id = Some(patient_id.as_uuid()));
    }

    fn snapshot(&self) -> Note {
        self.0.lock().map(|n| n.clone()).unwrap_or_default()
    }
}

/// Handlers take the request's note as an extractor (a detached one outside `/api/v1`).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AccessNote {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<AccessNote>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The client's address as the server saw it (no proxy headers are trusted).
pub fn client_ip(req_extensions: &axum::http::Extensions) -> Option<String> {
    req_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
}

/// Outer middleware on `/api/v1`: times the request and records its entry, whatever the
/// outcome (also 401, 404, 413 and panics turned into 500).
pub async fn record_access(State(log): State<AccessLog>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let logged_at = chain::truncate_to_micros(time::OffsetDateTime::now_utc());
    let note = AccessNote::default();
    req.extensions_mut().insert(note.clone());
    let method = req.method().to_string();
    let client_ip = client_ip(req.extensions());
    let client_cert_sha256 = crate::tls::connection_fingerprint(req.extensions());
    let response = next.run(req).await;
    let n = note.snapshot();
    let entry = AccessEntry {
        tenant_id: n.tenant_id.unwrap_or(NO_TENANT),
        logged_at,
        user_id: n.user_id,
        session_id: n.session_id,
        client_ip,
        client_cert_sha256,
        method,
        route: n.route.unwrap_or_else(|| "(unmatched)".into()),
        patient_id: n.patient_id,
        status: i16::try_from(response.status().as_u16()).unwrap_or(i16::MAX),
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
    };
    log.record(entry).await;
    response
}

/// Route layer: notes the matched route template (only routes that matched get here).
pub async fn note_route(req: Request, next: Next) -> Response {
    if let (Some(path), Some(note)) = (
        req.extensions().get::<MatchedPath>(),
        req.extensions().get::<AccessNote>(),
    ) {
        let route = path.as_str().to_string();
        note.with(|n| n.route = Some(route));
    }
    next.run(req).await
}
