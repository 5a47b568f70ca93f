//! The API under `/api/v1`, one module per resource. Each module lists its routes in a
//! [`Routes`], which builds the router and keeps every path template, so that
//! [`api_paths`] names every route the day it is added (the hostile-input suite walks it).

mod attachments;
pub mod auth;
mod billing;
mod bills;
mod chart;
mod claims;
mod devices;
mod documents;
mod health;
mod insurance;
mod logs;
mod patients;
mod prints;
mod reception;
mod security;
mod users;

use crate::http::{api_method_not_allowed, api_not_found};
use crate::state::AppState;
use axum::routing::MethodRouter;
use axum::Router;

/// A router that remembers its path templates (`/patients/{patient_id}`).
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    pub fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, methods);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

fn all_routes() -> Routes {
    Routes::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(security::router())
        .merge(devices::router())
        .merge(logs::router())
        .merge(patients::router())
        .merge(insurance::router())
        .merge(reception::router())
        .merge(billing::router())
        .merge(bills::router())
        .merge(chart::router())
        .merge(claims::router())
        .merge(attachments::router())
        .merge(documents::router())
        .merge(prints::router())
}

pub fn api_router() -> Router<AppState> {
    all_routes()
        .router
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

/// Every API path template, under [`shared::api::PREFIX`], in the order the modules list them.
pub fn api_paths() -> Vec<&'static str> {
    all_routes().paths
}
