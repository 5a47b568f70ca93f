//! カルテ: the note workflow, diagnoses, observations and the print. Every function runs in the
//! caller's tenant transaction and records its audit events there, so the change and its event
//! commit together.

pub mod diagnoses;
pub mod notes;
pub mod observations;
pub mod print;
