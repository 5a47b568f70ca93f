//! What this browser keeps for work that has not reached the server yet. Today: the text of
//! clinical notes as typed ([`drafts`]); the ward's outbox and cached records build on it.

pub mod drafts;
