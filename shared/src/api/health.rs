//! `GET /api/v1/health`: liveness plus configuration management (構成管理) facts.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the server can reach its database, `degraded` otherwise.
    pub status: String,
    /// Product version (Cargo package version).
    pub version: String,
    /// Git commit the server binary was built from (`unknown` outside a git checkout).
    pub commit: String,
    pub database: String,
}
