//! Version and revision numbers as requests carry them: whole numbers from 0 (0: none yet),
//! within PostgreSQL's `integer`/`bigint`. A negative or overflowing number is refused when the
//! body is read, so it never reaches a query (where a check constraint would answer with an
//! internal error).

use serde::de::{Deserialize, Deserializer, Error};

/// A version (`integer` in the database): 0 ..= i32::MAX.
pub fn non_negative_i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let v = u32::deserialize(d)?;
    i32::try_from(v).map_err(|_| D::Error::custom("version out of range"))
}

/// A revision (`bigint` in the database): 0 ..= i64::MAX.
pub fn non_negative_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = u64::deserialize(d)?;
    i64::try_from(v).map_err(|_| D::Error::custom("revision out of range"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::non_negative_i32")]
        base_version: i32,
        #[serde(default, deserialize_with = "super::non_negative_i64")]
        revision: i64,
    }

    #[test]
    fn negative_and_overflowing_versions_are_refused() {
        let read =
            |json: &str| serde_json::from_str::<Body>(json).map(|b| (b.base_version, b.revision));
        assert_eq!(read(r#"{"base_version": 0}"#).unwrap(), (0, 0));
        assert_eq!(
            read(r#"{"base_version": 7, "revision": 12}"#).unwrap(),
            (7, 12)
        );
        for bad in [
            r#"{"base_version": -1}"#,
            r#"{"base_version": 2147483648}"#,
            r#"{"base_version": 1.5}"#,
            r#"{"base_version": "1"}"#,
            r#"{"base_version": 1, "revision": -1}"#,
            r#"{"base_version": 1, "revision": 9223372036854775808}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
