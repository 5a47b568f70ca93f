//! `Application`: binds the listener, builds the router, serves over TLS until stopped.

use crate::config::Settings;
use crate::db::Db;
use crate::http;
use crate::logs::AccessLog;
use crate::state::AppState;
use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use shared::api::PREFIX;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub struct Application {
    listener: std::net::TcpListener,
    router: Router,
    tls: RustlsConfig,
    handle: Handle<SocketAddr>,
    log_writer: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Connects to the database (refusing a role that bypasses RLS), loads the certificate
    /// and binds the listener. Port 0 picks a free port; see [`Application::port`].
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(settings.database.clone(), settings.db_max_connections).await?;
        let tls = RustlsConfig::from_config(crate::tls::server_config(
            &settings.tls,
            &settings.client_certs,
        )?);
        let [store_a, store_b] = &settings.file_stores;
        let files = Arc::new(crate::files::FileStores::open(store_a, store_b)?);
        let fonts = match crate::pdf::Fonts::load(&settings.pdf_fonts) {
            Ok(fonts) => Some(Arc::new(fonts)),
            Err(err) => {
                tracing::warn!(error = %err, "documents cannot be finalised: the PDF fonts did not load");
                None
            }
        };
        let (access_log, log_writer) = AccessLog::start(db.clone());
        let state = AppState {
            db,
            config: Arc::new(crate::config::RuntimeConfig {
                client_cert_mode: settings.client_certs.mode,
                ..settings.runtime.clone()
            }),
            access_log,
            login_limiter: Arc::new(crate::throttle::IpLimiter::new(
                settings.runtime.login_attempts_per_ip_per_minute,
            )),
            catalogs: Arc::default(),
            files,
            fonts,
        };
        let router = router(state, &settings);
        let listener = std::net::TcpListener::bind(settings.listen)
            .with_context(|| format!("binding {}", settings.listen))?;
        listener.set_nonblocking(true)?;
        Ok(Self {
            listener,
            router,
            tls,
            handle: Handle::new(),
            log_writer,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// A handle to stop the server: `graceful_shutdown` lets requests in flight finish.
    pub fn handle(&self) -> Handle<SocketAddr> {
        self.handle.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        axum_server::from_tcp_rustls(self.listener, self.tls)?
            .handle(self.handle)
            .serve(
                self.router
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .context("serving")?;
        // The router and its log handles are gone: the writer drains what is left and ends.
        if tokio::time::timeout(Duration::from_secs(30), self.log_writer)
            .await
            .is_err()
        {
            tracing::error!("the access log writer did not finish within 30 s");
        }
        Ok(())
    }
}

/// The whole HTTP surface: `/api/v1/*` and, for every other path, the built app.
pub fn router(state: AppState, settings: &Settings) -> Router {
    let access_log = state.access_log.clone();
    let mut api = crate::routes::api_router()
        .route_layer(axum::middleware::from_fn(http::check_path_and_query))
        .route_layer(axum::middleware::from_fn(crate::logs::access::note_route))
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        // Inside the access log, so a panic is logged as the 500 it becomes.
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn(http::json_errors_only));
    if !settings.benchmark_without_access_log {
        api = api.layer(axum::middleware::from_fn_with_state(
            access_log,
            crate::logs::access::record_access,
        ));
    }
    let api = api.with_state(state);
    let mut app = Router::new().nest(PREFIX, api);
    match settings
        .dist_dir
        .as_ref()
        .filter(|d| d.join("index.html").is_file())
    {
        Some(dist) => {
            // Client-side routes (/users, /password …) get index.html; the app routes them.
            let index = ServeFile::new(dist.join("index.html"))
                .precompressed_br()
                .precompressed_gzip();
            // For the first-load budget: the build's precompressed files (brotli, gzip; see
            // scripts/precompress.js) as they are, else gzip on the fly. The API is not
            // compressed, so no secret in a JSON answer sits next to reflected input.
            let files = ServeDir::new(dist)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index);
            app = app.fallback_service(
                tower::ServiceBuilder::new()
                    // The answer depends on Accept-Encoding whether it was compressed here or
                    // precompressed: say so, so that no shared cache hands brotli to a browser
                    // that did not ask for it (CompressionLayer only says it when it compresses).
                    .layer(SetResponseHeaderLayer::if_not_present(
                        axum::http::header::VARY,
                        axum::http::HeaderValue::from_static("accept-encoding"),
                    ))
                    .layer(CompressionLayer::new())
                    .service(files),
            );
        }
        None => {
            tracing::warn!("no built app (dist/index.html) found: serving the API only");
            app = app.fallback(http::api_not_found);
        }
    }
    let hsts = settings.hsts_max_age_seconds;
    app.layer(axum::middleware::from_fn(http::same_origin_only))
        .layer(axum::middleware::from_fn(move |req, next| http::security_headers(hsts, req, next)))
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(
            // Log the path only: a query string can carry search terms (patient names).
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
}

/// Waits for Ctrl-C or SIGTERM, then asks the server to finish requests in flight (10 s).
pub async fn shutdown_on_signal(handle: Handle<SocketAddr>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}
