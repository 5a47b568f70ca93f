//! Typed identifiers. A `UserId` cannot be passed where a `TenantId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// One medical institution (医療機関): the unit of tenancy.
    TenantId
);
id_type!(
    /// A staff member's account; belongs to exactly one tenant.
    UserId
);
id_type!(
    /// A server-side login session.
    SessionId
);
id_type!(
    /// A patient (患者) of one institution.
    PatientId
);
id_type!(
    /// A clinical note (2号用紙) of a visit; its versions and draft share the id.
    NoteId
);
id_type!(
    /// One diagnosis (傷病名) of a patient; its versions share the id.
    DiagnosisId
);
id_type!(
    /// One vital-signs entry (a correction is a new entry naming the one it replaces).
    VitalId
);
