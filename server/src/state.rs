//! `AppState`: what every handler can reach. Its own module so that the layers below start-up
//! (authentication, routes) depend on it without depending on start-up.

use crate::config::RuntimeConfig;
use crate::db::Db;
use crate::logs::AccessLog;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<RuntimeConfig>,
    pub access_log: AccessLog,
    pub login_limiter: Arc<crate::throttle::IpLimiter>,
    /// The masters in memory for the server's search (see `db::masters::CatalogCache`).
    pub catalogs: Arc<crate::db::masters::CatalogCache>,
    /// The two file stores (attachments, generated PDFs).
    pub files: Arc<crate::files::FileStores>,
    /// The fonts generated PDFs embed; `None` when they could not be loaded (finalising a
    /// document then answers 503, and the server said why at start).
    pub fonts: Option<Arc<crate::pdf::Fonts>>,
}
