//! `GET /api/v1/health`: liveness and the version and commit being run (構成管理).

use super::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Json;
use shared::api::health::Health;

pub fn router() -> Routes {
    Routes::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let db_ok = state.db.ping().await;
    Json(Health {
        status: if db_ok { "ok" } else { "degraded" }.into(),
        version: shared::VERSION.into(),
        commit: crate::COMMIT.into(),
        database: if db_ok { "ok" } else { "unreachable" }.into(),
    })
}
