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

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
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
    /// One order (オーダ) of a visit; its versions and draft share the id.
    OrderId
);
id_type!(
    /// One allergy (アレルギー・禁忌) of a patient; its versions share the id.
    AllergyId
);
id_type!(
    /// One vital-signs entry (a correction is a new entry naming the one it replaces).
    VitalId
);
id_type!(
    /// One lab result (検査結果) entry.
    LabId
);
id_type!(
    /// One health insurance (医療保険) of a patient; its versions share the id.
    InsuranceId
);
id_type!(
    /// One 公費 (public payment) of a patient; its versions share the id.
    PublicPaymentId
);
id_type!(
    /// One check-in (受付) of a patient on a day.
    ReceptionId
);
id_type!(
    /// A bill (会計) of one reception; its finalised versions share the id.
    BillId
);
id_type!(
    /// A named set of items (セット) of the institution.
    ItemSetId
);
id_type!(
    /// A registered device (client certificate) of the institution.
    DeviceId
);
id_type!(
    /// A user's second factor (TOTP or passkey).
    FactorId
);
id_type!(
    /// A pending passkey (WebAuthn) ceremony.
    ChallengeId
);
id_type!(
    /// One filing (請求) of a month's claims; a re-filing of the same month is a new one.
    FilingId
);
id_type!(
    /// A claim returned (返戻) by the 審査支払機関, recorded with its reason and 検索番号.
    ReturnId
);
id_type!(
    /// A 症状詳記 or a コメント written for a patient's claim of a month (versioned).
    ClaimNoteId
);
id_type!(
    /// One stored file (its bytes in both file stores, its SHA-256 in the database); never
    /// overwritten or deleted.
    FileId
);
id_type!(
    /// One attachment (画像・文書) of a patient: a stored file with versioned metadata.
    AttachmentId
);
id_type!(
    /// A document Karte writes for a patient (診療情報提供書): a draft, then finalised versions,
    /// each kept as a PDF.
    DocumentId
);
id_type!(
    /// A generated print (領収証, 明細書, 処方箋, the chart print) kept as a PDF in both file
    /// stores; every output of it numbered and audited.
    PrintId
);
