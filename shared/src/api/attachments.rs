//! 画像・文書: uploading a file (`POST /patients/{id}/files`, the bytes as the body), attaching
//! it with its metadata, listing, changing and retracting attachments, and reading a file
//! (`GET /files/{id}`).

pub use crate::domain::attachment::{AttachmentInput, AttachmentKind, RetractAttachment};
use crate::ids::{AttachmentId, FileId};
pub use crate::media::MediaType;
use serde::{Deserialize, Serialize};

/// A stored file as the server recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub file_id: FileId,
    pub media_type: MediaType,
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// Where a DICOM file belongs, as read from its header at upload: the files of one series open
/// together in the viewer, in instance order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DicomSeries {
    /// Series Instance UID (digits and dots; empty when the file has none).
    pub series_uid: String,
    pub series_number: Option<i32>,
    pub instance_number: Option<i32>,
    pub modality: String,
}

/// One version of an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub attachment_id: AttachmentId,
    pub version: i32,
    pub file: StoredFile,
    pub kind: AttachmentKind,
    pub title: String,
    /// YYYY-MM-DD.
    pub taken_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_date: Option<String>,
    pub source: String,
    /// For a DICOM file: its series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<DicomSeries>,
    /// 取消: hidden from the lists, kept and readable by administrators and in exports.
    pub retracted: bool,
    pub reason: String,
    pub author: String,
    /// RFC 3339, the server's clock.
    pub created_at: String,
}

/// The path a file is read from (the app's viewers and downloads).
pub fn file_path(file: FileId) -> String {
    format!("{}/files/{file}", super::PREFIX)
}

/// The DICOM files that open with `open` as one series, in viewing order: those with the same
/// Series Instance UID (whatever day they were filed under), by instance number, then title;
/// for a file without one, the DICOM files of its 撮影日 that have none either, by title.
pub fn series_of<'a>(all: &'a [Attachment], open: &Attachment) -> Vec<&'a Attachment> {
    let uid = |a: &Attachment| {
        a.series
            .as_ref()
            .map(|s| s.series_uid.clone())
            .filter(|u| !u.is_empty())
    };
    let key = uid(open);
    let mut series: Vec<&Attachment> = all
        .iter()
        .filter(|a| a.file.media_type == MediaType::Dicom)
        .filter(|a| match &key {
            Some(k) => uid(a).as_ref() == Some(k),
            None => uid(a).is_none() && a.taken_on == open.taken_on,
        })
        .collect();
    series.sort_by(|a, b| {
        let n = |x: &Attachment| x.series.as_ref().and_then(|s| s.instance_number);
        // Numbered instances first, in order; then the rest by title.
        (n(a).is_none(), n(a), &a.title).cmp(&(n(b).is_none(), n(b), &b.title))
    });
    series
}

#[cfg(test)]
mod series_tests {
    use super::*;

    fn dicom(id: u128, title: &str, day: &str, series: Option<(&str, Option<i32>)>) -> Attachment {
        Attachment {
            attachment_id: AttachmentId(uuid::Uuid::from_u128(id)),
            version: 1,
            file: StoredFile {
                file_id: crate::ids::FileId(uuid::Uuid::from_u128(id)),
                media_type: MediaType::Dicom,
                size: 1,
                sha256: String::new(),
            },
            kind: AttachmentKind::Imaging,
            title: title.into(),
            taken_on: day.into(),
            visit_date: None,
            source: String::new(),
            series: series.map(|(uid, n)| DicomSeries {
                series_uid: uid.into(),
                series_number: Some(1),
                instance_number: n,
                modality: "CT".into(),
            }),
            retracted: false,
            reason: String::new(),
            author: String::new(),
            created_at: String::new(),
        }
    }

    fn titles(v: Vec<&Attachment>) -> Vec<&str> {
        v.into_iter().map(|a| a.title.as_str()).collect()
    }

    #[test]
    fn a_series_is_its_uid_in_instance_order_and_old_files_group_by_day() {
        let all = vec![
            dicom(1, "c", "2026-12-01", Some(("1.2.3", Some(3)))),
            dicom(2, "a", "2026-12-02", Some(("1.2.3", Some(1)))),
            dicom(3, "z", "2026-12-01", Some(("1.2.3", None))),
            dicom(4, "b", "2026-12-01", Some(("1.2.4", Some(2)))),
            dicom(5, "y", "2026-12-01", None),
            dicom(6, "x", "2026-12-01", Some(("", Some(1)))),
            dicom(7, "w", "2026-12-02", None),
        ];
        assert_eq!(titles(series_of(&all, &all[0])), ["a", "c", "z"]);
        assert_eq!(titles(series_of(&all, &all[3])), ["b"]);
        // No UID: that day's files without one, by title.
        assert_eq!(titles(series_of(&all, &all[4])), ["x", "y"]);
    }
}
