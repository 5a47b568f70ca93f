//! Bills stored by earlier releases still read, with the same facts: `fixtures/bill-format-1.json`
//! is a finalised bill exactly as format 1 stores it (written once, by the release that
//! introduced the format, and never regenerated). If a change to `Visit` or `PricedVisit` breaks
//! this test, the change needs a new `BILL_FORMAT` and a reader for the old one
//! (`shared::billing::StoredBill`), not a new fixture.

use serde_json::Value;
use shared::billing::{StoredBill, StoredBillError, BILL_FORMAT};

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/bill-format-1.json")).expect("fixture is JSON")
}

#[test]
fn a_bill_stored_in_format_1_reads_with_its_facts() {
    let stored = fixture();
    assert_eq!(stored["format"], 1);
    let bill = StoredBill::read(1, stored["visit"].clone(), stored["priced"].clone())
        .expect("a format-1 bill reads");
    assert_eq!(bill.visit.service_date.to_string(), "2024-06-10");
    assert_eq!(bill.priced.total_points.0, 264);
    assert_eq!(bill.priced.share.insurance_copay.0, 790);
    assert_eq!(bill.priced.share.patient.0, 0);
    assert_eq!(bill.priced.lines.len(), 7);
    assert_eq!(bill.visit.month_history.len(), 1);
    // What the 公費 monthly cap is counted by: the payer numbers the bill applied, in order.
    assert_eq!(
        bill.public_payers().collect::<Vec<_>>(),
        ["54016027", "12131017"]
    );
}

#[test]
fn every_stored_field_reads_and_writes_back_as_it_was_stored() {
    // Not only the facts above: a renamed field (even one with a default) would come back
    // different, so a format-1 bill must serialise again exactly as it is stored.
    let stored = fixture();
    let bill = StoredBill::read(1, stored["visit"].clone(), stored["priced"].clone()).unwrap();
    assert_eq!(serde_json::to_value(&bill.visit).unwrap(), stored["visit"]);
    assert_eq!(
        serde_json::to_value(&bill.priced).unwrap(),
        stored["priced"]
    );
}

#[test]
fn todays_bills_are_written_in_the_current_format_and_read_back_equal() {
    let stored = fixture();
    let bill = StoredBill::read(1, stored["visit"].clone(), stored["priced"].clone()).unwrap();
    let again = StoredBill::read(
        BILL_FORMAT,
        serde_json::to_value(&bill.visit).unwrap(),
        serde_json::to_value(&bill.priced).unwrap(),
    )
    .unwrap();
    assert_eq!(again, bill);
}

#[test]
fn an_unknown_format_or_a_broken_part_is_an_error_that_quotes_nothing() {
    let stored = fixture();
    assert_eq!(
        StoredBill::read(99, stored["visit"].clone(), stored["priced"].clone()),
        Err(StoredBillError::UnknownFormat(99))
    );
    let mut visit = stored["visit"].clone();
    visit["birth_date"] = Value::String("架空 太郎 1980".into());
    let err = StoredBill::read(1, visit, stored["priced"].clone()).unwrap_err();
    assert!(matches!(
        err,
        StoredBillError::Unreadable { part: "visit", .. }
    ));
    assert!(!err.to_string().contains("架空"), "{err}");
}
