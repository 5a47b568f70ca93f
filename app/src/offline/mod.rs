//! What this browser keeps for work that has not reached the server yet: the text of clinical
//! notes as typed ([`drafts`]).

pub mod drafts;
