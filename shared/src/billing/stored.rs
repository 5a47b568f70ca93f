//! A finalised bill as stored: the visit as entered and the priced result, as JSON, with a
//! format number. The server writes [`BILL_FORMAT`] and reads every stored bill back through
//! [`StoredBill::read`] (never by field names in SQL), so that a change to [`Visit`] or
//! [`PricedVisit`] that would read an old bill differently is caught by a test, not by a clinic.
//!
//! When such a change is needed: bump [`BILL_FORMAT`], keep a reader for the old format here,
//! and keep `shared/tests/fixtures/bill-format-N.json` (a bill exactly as format N stored it)
//! read by `shared/tests/stored_bills.rs`.

use super::{PricedVisit, Visit};
use serde_json::Value;

/// The format a bill is stored in today. 1: `Visit` and `PricedVisit` as serde writes them
/// (the format of every bill since finalising began, migration 8).
pub const BILL_FORMAT: i16 = 1;

/// A stored bill, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBill {
    pub visit: Visit,
    pub priced: PricedVisit,
}

/// A stored bill that cannot be read: a format this build does not know, or JSON that is not
/// that format (the message names which part, never its content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredBillError {
    #[error("bill format {0} is not known to this build")]
    UnknownFormat(i16),
    #[error("the stored {part} of a format-{format} bill does not read: {reason}")]
    Unreadable {
        format: i16,
        part: &'static str,
        reason: String,
    },
}

impl StoredBill {
    /// Reads the `visit` and `priced` columns of a bill stored in `format`.
    pub fn read(format: i16, visit: Value, priced: Value) -> Result<Self, StoredBillError> {
        Ok(Self {
            visit: Self::read_visit(format, visit)?,
            priced: Self::read_priced(format, priced)?,
        })
    }

    /// Only the `visit` column (for a reader that needs no more).
    pub fn read_visit(format: i16, visit: Value) -> Result<Visit, StoredBillError> {
        match format {
            1 => part(format, "visit", visit),
            other => Err(StoredBillError::UnknownFormat(other)),
        }
    }

    /// Only the `priced` column.
    pub fn read_priced(format: i16, priced: Value) -> Result<PricedVisit, StoredBillError> {
        match format {
            1 => part(format, "priced", priced),
            other => Err(StoredBillError::UnknownFormat(other)),
        }
    }

    /// The 公費 payer numbers the bill applied (第一公費 first).
    pub fn public_payers(&self) -> impl Iterator<Item = &str> {
        public_payers(&self.visit)
    }
}

/// The 公費 payer numbers a stored visit applied (第一公費 first): what a 公費's monthly cap
/// counts by.
pub fn public_payers(visit: &Visit) -> impl Iterator<Item = &str> {
    visit
        .public_expenses()
        .into_iter()
        .filter_map(|p| p.payer_number.as_ref().map(|n| n.as_str()))
}

fn part<T: serde::de::DeserializeOwned>(
    format: i16,
    part: &'static str,
    value: Value,
) -> Result<T, StoredBillError> {
    serde_json::from_value(value).map_err(|e| StoredBillError::Unreadable {
        format,
        part,
        // serde's category and position only: the message could quote stored values.
        reason: format!(
            "{:?} at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}
