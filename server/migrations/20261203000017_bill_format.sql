-- A finalised bill stores the visit as entered and the priced result as JSON written by the
-- Rust types (shared::billing::StoredBill). The format number says which shape they have, so that
-- a later change to those types keeps reading what is stored (shared::billing::BILL_FORMAT). Every
-- bill stored before this migration is format 1. Adding the column rewrites no row (the
-- append-only trigger is not involved).
alter table bill_version add column format smallint not null default 1 check (format >= 1);
