//! The middle floor: what a request or a command does, in terms of the database and the logs,
//! with the HTTP taken off. Route handlers call these and translate their results; the command
//! line calls [`operator`]. A service may use `db`, `logs`, `auth` and `state`, never a route.

pub mod attachments;
pub mod chart;
pub mod coverage;
pub mod demo;
pub mod documents;
pub mod export;
pub mod operator;
pub mod prints;
pub mod signin;
