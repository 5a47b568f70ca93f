//! The note editor's state machine as plain Rust: no signals, no IO, no clock, so every path
//! (autosave, retry, conflict, restore, amend) is unit-tested natively. The page holds one
//! [`Editor`] in a signal, calls its methods on each event and runs the [`Command`]s they
//! return (storage, timers, requests).
//!
//! The rules it keeps: nothing typed is lost (every change is kept locally until the server has
//! exactly that text); a save names the revision it was typed on, and a refusal because someone
//! else saved first shows both texts for the user to choose ([`Resolution`]) — never a silent
//! overwrite; a save never starts while another is in flight or while a conflict is open.

use crate::offline::drafts::LocalDraft;
use shared::api::chart::{FinalizeNote, NoteDetail, NoteDraft, NoteVersion, SaveDraft};
use shared::domain::chart::Soap;

/// How long after the last keystroke the draft is saved, and how often a failed save is retried.
const AUTOSAVE_MS: u64 = 1200;
const RETRY_MS: u64 = 4000;

/// What the status line says about the text on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SaveState {
    #[default]
    Idle,
    Typing,
    Restored,
    Saving,
    /// Saved at this instant (RFC 3339, the server's clock).
    Saved(String),
    Offline,
    WaitingForSignIn,
    Conflict,
    Failed(String),
}

impl SaveState {
    pub fn label(&self) -> String {
        match self {
            Self::Idle => String::new(),
            Self::Typing => "入力中（まもなく自動保存）".into(),
            Self::Restored => "前回保存できなかった入力を復元しました。保存しています…".into(),
            Self::Saving => "保存中…".into(),
            Self::Saved(at) => format!("下書き保存済み {}", crate::format::jst(at).get(11..16).unwrap_or("")),
            Self::Offline => "未送信：サーバーに接続できません。入力はこの端末に保存されています。接続が戻ると自動で保存します".into(),
            Self::WaitingForSignIn => "未送信：再ログインすると保存します（入力はこの端末に保存されています）".into(),
            Self::Conflict => "他の人の保存と競合しました。下の両方の内容を確認してください".into(),
            Self::Failed(message) => format!("保存できません：{message}"),
        }
    }

    /// Whether the status line warns (the text is not on the server).
    pub fn warns(&self) -> bool {
        matches!(
            self,
            Self::Offline | Self::WaitingForSignIn | Self::Conflict | Self::Failed(_)
        )
    }
}

/// What the editor asks the page to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Keep this text in the browser ([`crate::offline::drafts`]).
    KeepLocally(LocalDraft),
    /// The server has exactly what is on screen: forget the local copy.
    ForgetLocally,
    /// Save after this many milliseconds (replacing any save already scheduled).
    SaveAfter(u64),
    /// Save now.
    SaveNow,
    /// Someone else saved first: fetch the note, then [`Editor::conflict_loaded`].
    FetchConflict,
    /// A draft came into being or went away: the timeline shows it.
    RefreshTimeline,
}

/// Why a save did not reach the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveFailure {
    /// Someone else saved (or finalised) first.
    Conflict,
    /// No answer: retried until the network is back.
    Network,
    /// The session ended: retried once the user has signed in again.
    SignedOut,
    /// Refused for another reason (the server's message).
    Refused(String),
}

/// The user's answer to a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Save what is on screen on top of the other save.
    Mine,
    /// Take the saved text; what was typed here is dropped.
    Theirs,
    /// Join both, section by section (theirs first).
    Both,
}

/// The open note's editable state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editor {
    pub soap: Soap,
    /// The server draft revision the text is typed on (0: no draft yet).
    pub base_revision: i64,
    /// The version it amends (0: none yet).
    pub base_version: i32,
    /// 代行入力: the doctor chosen (a user id), or empty.
    pub on_behalf: String,
    /// The text is being written (a draft, or an amendment under way).
    pub editing: bool,
    /// What is on screen differs from what the server has.
    pub dirty: bool,
    pub saving: bool,
    /// A finalisation is under way: the text is read-only meanwhile.
    pub finalizing: bool,
    pub state: SaveState,
    /// An open conflict: the other save's draft, or `None` when the note was finalised.
    pub conflict: Option<Option<NoteDraft>>,
    /// The save in flight, as sent (`None` also when the note was closed or reopened since).
    sent: Option<SaveDraft>,
}

impl Editor {
    /// What the browser keeps of the text on screen.
    fn local(&self) -> LocalDraft {
        LocalDraft {
            soap: self.soap.clone(),
            base_revision: self.base_revision,
            base_version: self.base_version,
            on_behalf_of: self.on_behalf.clone(),
        }
    }

    fn request(&self) -> SaveDraft {
        SaveDraft {
            base_revision: self.base_revision,
            base_version: self.base_version,
            soap: self.soap.clone(),
            on_behalf_of: Some(self.on_behalf.clone()).filter(|s| !s.is_empty()),
        }
    }

    /// The text changed here: keep it locally and save soon (not while a conflict is open).
    fn changed(&mut self) -> Vec<Command> {
        self.dirty = true;
        let mut commands = vec![Command::KeepLocally(self.local())];
        if self.conflict.is_none() {
            commands.push(Command::SaveAfter(AUTOSAVE_MS));
        }
        commands
    }

    /// Another note opens (or the same one again): nothing of the text on screen is carried
    /// over. The doctor chosen for 代行入力 stays, and so does a save or finalisation still in
    /// flight (one at a time), until it ends.
    pub fn close(&mut self) {
        *self = Self {
            on_behalf: std::mem::take(&mut self.on_behalf),
            saving: self.saving,
            finalizing: self.finalizing,
            ..Self::default()
        };
    }

    /// The note as the server has it, and the local copy of its text if one was kept (typed
    /// here and never saved: a reload, a lost connection, a timeout). A local copy that differs
    /// from the server's draft is put back and saved.
    pub fn open(&mut self, detail: &NoteDetail, local: Option<LocalDraft>) -> Vec<Command> {
        self.conflict = None;
        match (&detail.draft, detail.versions.is_empty()) {
            (Some(draft), _) => {
                self.soap = draft.soap.clone();
                self.base_revision = draft.revision;
                self.base_version = draft.base_version;
                self.on_behalf = doctor_of(draft);
                self.editing = true;
            }
            (None, true) => {
                self.soap = Soap::default();
                self.base_revision = 0;
                self.base_version = 0;
                self.editing = true;
            }
            (None, false) => {
                self.base_revision = 0;
                self.base_version = detail.current_version();
                self.editing = false;
            }
        }
        self.dirty = false;
        self.state = SaveState::Idle;
        let Some(local) = local else {
            return Vec::new();
        };
        if detail
            .draft
            .as_ref()
            .is_some_and(|d| d.soap == local.soap && doctor_of(d) == local.on_behalf_of)
        {
            return vec![Command::ForgetLocally];
        }
        self.soap = local.soap;
        self.base_revision = local.base_revision;
        self.base_version = local.base_version;
        self.on_behalf = local.on_behalf_of;
        self.editing = true;
        self.dirty = true;
        self.state = SaveState::Restored;
        vec![Command::SaveNow]
    }

    /// A section (`subjective`, `objective`, `assessment`, `plan`) typed.
    pub fn type_text(&mut self, field: &str, value: String) -> Vec<Command> {
        if let Some(section) = self.soap.section_mut(field) {
            *section = value;
        }
        if matches!(self.state, SaveState::Saved(_) | SaveState::Idle) {
            self.state = SaveState::Typing;
        }
        self.changed()
    }

    /// 代行入力: the doctor the clerk enters for.
    pub fn choose_doctor(&mut self, user_id: String) -> Vec<Command> {
        self.on_behalf = user_id;
        self.changed()
    }

    /// Adds text to each section: after what is there, on a new line (templates).
    pub fn insert(&mut self, texts: [&str; 4]) -> Vec<Command> {
        for (field, text) in ["subjective", "objective", "assessment", "plan"]
            .into_iter()
            .zip(texts)
        {
            if let Some(target) = self.soap.section_mut(field) {
                if !target.is_empty() && !target.ends_with('\n') {
                    target.push('\n');
                }
                target.push_str(text);
            }
        }
        self.changed()
    }

    /// Copies an earlier note's text: into empty sections as it is, after the text of others.
    pub fn copy_from(&mut self, earlier: &Soap) -> Vec<Command> {
        for (field, _, text) in earlier.sections() {
            let Some(target) = self.soap.section_mut(field) else {
                continue;
            };
            if target.trim().is_empty() {
                *target = text.to_string();
            } else if !text.is_empty() {
                target.push('\n');
                target.push_str(text);
            }
        }
        self.changed()
    }

    /// The request to send now, if a save is due: the text is not on the server, no save is in
    /// flight and no conflict is open.
    pub fn start_save(&mut self) -> Option<SaveDraft> {
        if self.saving || self.conflict.is_some() || !self.dirty {
            return None;
        }
        self.saving = true;
        self.state = SaveState::Saving;
        let request = self.request();
        self.sent = Some(request.clone());
        Some(request)
    }

    /// The save in flight ended, but the text on screen is no longer the one it was sent for
    /// (another note, or the same one opened again, is on screen): its outcome changes nothing
    /// here, and text waiting meanwhile is saved next.
    pub fn save_abandoned(&mut self) -> Vec<Command> {
        self.saving = false;
        self.sent = None;
        if self.dirty {
            vec![Command::SaveAfter(AUTOSAVE_MS)]
        } else {
            Vec::new()
        }
    }

    /// The server stored the draft sent by [`Self::start_save`] as `draft`.
    pub fn saved(&mut self, draft: &NoteDraft) -> Vec<Command> {
        let Some(sent) = self.sent.take() else {
            return self.save_abandoned();
        };
        self.saving = false;
        self.base_revision = draft.revision;
        let mut commands = Vec::new();
        if sent.base_revision == 0 {
            // A new draft: the timeline marks the visit as being edited.
            commands.push(Command::RefreshTimeline);
        }
        if sent.soap == self.soap && sent.on_behalf_of == self.request().on_behalf_of {
            self.dirty = false;
            self.state = SaveState::Saved(draft.updated_at.clone());
            commands.push(Command::ForgetLocally);
        } else {
            // Typed while the save was in flight: the newer text goes next.
            commands.push(Command::KeepLocally(self.local()));
            commands.push(Command::SaveAfter(AUTOSAVE_MS));
        }
        commands
    }

    /// The save did not reach the server; the text stays kept locally.
    pub fn save_failed(&mut self, failure: SaveFailure) -> Vec<Command> {
        if self.sent.take().is_none() {
            return self.save_abandoned();
        }
        self.saving = false;
        match failure {
            SaveFailure::Conflict => vec![Command::FetchConflict],
            SaveFailure::Network => {
                self.state = SaveState::Offline;
                vec![Command::SaveAfter(RETRY_MS)]
            }
            SaveFailure::SignedOut => {
                self.state = SaveState::WaitingForSignIn;
                vec![Command::SaveAfter(RETRY_MS)]
            }
            SaveFailure::Refused(message) => {
                self.state = SaveState::Failed(message);
                Vec::new()
            }
        }
    }

    /// The other save, fetched after a conflict (`None`: the note was finalised meanwhile).
    /// When it holds exactly the text on screen (this editor's own earlier save, sent as the
    /// chart was left, landed first) there is nothing to choose: it is the saved draft.
    pub fn conflict_loaded(&mut self, theirs: Option<NoteDraft>) -> Vec<Command> {
        match theirs {
            Some(t)
                if t.soap == self.soap
                    && t.base_version == self.base_version
                    && doctor_of(&t) == self.on_behalf =>
            {
                self.base_revision = t.revision;
                self.dirty = false;
                self.state = SaveState::Saved(t.updated_at);
                vec![Command::ForgetLocally]
            }
            theirs => {
                self.conflict = Some(theirs);
                self.state = SaveState::Conflict;
                Vec::new()
            }
        }
    }

    /// The user's answer to the open conflict; `current_version` is the note's newest version.
    pub fn resolve(&mut self, choice: Resolution, current_version: i32) -> Vec<Command> {
        let Some(theirs) = self.conflict.take() else {
            return Vec::new();
        };
        self.base_revision = theirs.as_ref().map_or(0, |t| t.revision);
        self.base_version = theirs.as_ref().map_or(current_version, |t| t.base_version);
        let their_soap = theirs.map(|t| t.soap);
        match choice {
            Resolution::Theirs => {
                if their_soap.is_none() {
                    self.editing = false;
                }
                self.soap = their_soap.unwrap_or_default();
                self.dirty = false;
                self.state = SaveState::Idle;
                vec![Command::ForgetLocally]
            }
            Resolution::Both => {
                self.soap = join(&their_soap.unwrap_or_default(), &self.soap);
                self.save_now()
            }
            Resolution::Mine => self.save_now(),
        }
    }

    fn save_now(&mut self) -> Vec<Command> {
        self.dirty = true;
        vec![Command::KeepLocally(self.local()), Command::SaveNow]
    }

    /// Starts an amendment of the newest version: its text, as a new draft on it.
    pub fn amend(&mut self, latest: &NoteVersion) -> Vec<Command> {
        self.soap = latest.soap.clone();
        self.base_revision = 0;
        self.base_version = latest.version;
        self.editing = true;
        self.save_now()
    }

    /// What to send for the note on screen as another one opens: its unsaved text, unless a
    /// conflict is open (that text stays kept locally for the user to decide later) or a save
    /// of it is in flight (its answer brings the kept copy up to date; see
    /// [`crate::offline::drafts::saved`]).
    pub fn leave(&self) -> Option<SaveDraft> {
        (self.dirty && !self.saving && self.conflict.is_none()).then(|| self.request())
    }

    /// Whether there is a saved draft to discard.
    pub fn can_discard(&self) -> bool {
        !self.saving && self.base_revision > 0
    }

    /// Whether the draft on the server is what is on screen and may be finalised.
    pub fn can_finalize(&self) -> bool {
        !self.dirty
            && !self.saving
            && !self.finalizing
            && self.conflict.is_none()
            && self.base_revision > 0
    }

    /// Starts finalising the saved draft (the text is read-only until it ends).
    pub fn start_finalize(&mut self, reason: String) -> FinalizeNote {
        self.finalizing = true;
        FinalizeNote {
            revision: self.base_revision,
            reason,
        }
    }

    pub fn finalize_ended(&mut self) {
        self.finalizing = false;
    }
}

/// The doctor a draft was entered for (代行入力), as the editor holds it: a user id or empty.
fn doctor_of(draft: &NoteDraft) -> String {
    draft
        .on_behalf_of_id
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// Both texts, section by section: one where the other is empty or they are equal, else
/// theirs then mine on the next line.
fn join(theirs: &Soap, mine: &Soap) -> Soap {
    let mut joined = Soap::default();
    for (field, _, mine_text) in mine.sections() {
        let their_text = theirs.section(field).unwrap_or_default().to_string();
        let Some(target) = joined.section_mut(field) else {
            continue;
        };
        *target = match (
            their_text.trim().is_empty(),
            mine_text.trim().is_empty() || mine_text == their_text,
        ) {
            (_, true) => their_text,
            (true, false) => mine_text.to_string(),
            (false, false) => format!("{their_text}\n{mine_text}"),
        };
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::chart::NoteStatus;
    use shared::ids::{NoteId, PatientId, UserId};
    use uuid::Uuid;

    fn soap(s: &str, a: &str) -> Soap {
        Soap {
            subjective: s.into(),
            assessment: a.into(),
            ..Soap::default()
        }
    }

    fn draft(revision: i64, base_version: i32, text: Soap) -> NoteDraft {
        NoteDraft {
            base_version,
            revision,
            soap: text,
            author_id: UserId(Uuid::nil()),
            author: "架空 医師".into(),
            on_behalf_of_id: None,
            updated_at: "2026-12-03T01:02:03Z".into(),
        }
    }

    fn version(n: i32, text: Soap) -> NoteVersion {
        NoteVersion {
            version: n,
            soap: text,
            author_id: UserId(Uuid::nil()),
            author: "架空 医師".into(),
            on_behalf_of_id: None,
            on_behalf_of: None,
            approved_at: None,
            approved_by: None,
            reason: String::new(),
            created_at: "2026-12-03T01:00:00Z".into(),
            hash: String::new(),
        }
    }

    fn note(draft: Option<NoteDraft>, versions: Vec<NoteVersion>) -> NoteDetail {
        NoteDetail {
            note_id: NoteId(Uuid::nil()),
            patient_id: PatientId(Uuid::nil()),
            visit_date: "2026-12-03".into(),
            reception_id: None,
            status: NoteStatus::Draft,
            versions,
            draft,
            chain_intact: true,
        }
    }

    /// A new note opened and "咳" typed.
    fn typing() -> Editor {
        let mut e = Editor::default();
        assert!(e.open(&note(None, vec![]), None).is_empty());
        e.type_text("subjective", "咳".into());
        e
    }

    #[test]
    fn typing_keeps_the_text_locally_and_saves_soon() {
        let mut e = Editor::default();
        e.open(&note(None, vec![]), None);
        assert!(e.editing && !e.dirty);
        let commands = e.type_text("subjective", "咳".into());
        assert_eq!(
            commands,
            vec![
                Command::KeepLocally(LocalDraft {
                    soap: soap("咳", ""),
                    base_revision: 0,
                    base_version: 0,
                    on_behalf_of: String::new(),
                }),
                Command::SaveAfter(AUTOSAVE_MS),
            ]
        );
        assert!(e.dirty);
        assert_eq!(e.state, SaveState::Typing);
        assert!(!e.can_finalize());
    }

    #[test]
    fn a_save_names_its_base_and_only_one_is_in_flight() {
        let mut e = typing();
        let request = e.start_save().expect("a save is due");
        assert_eq!((request.base_revision, request.base_version), (0, 0));
        assert_eq!(request.soap, soap("咳", ""));
        assert_eq!(request.on_behalf_of, None);
        assert_eq!(e.state, SaveState::Saving);
        assert_eq!(
            e.start_save(),
            None,
            "no second save while one is in flight"
        );
    }

    #[test]
    fn a_save_of_what_is_on_screen_makes_it_clean_and_forgets_the_local_copy() {
        let mut e = typing();
        e.start_save();
        let commands = e.saved(&draft(7, 0, soap("咳", "")));
        assert_eq!(
            commands,
            vec![Command::RefreshTimeline, Command::ForgetLocally]
        );
        assert!(!e.dirty && !e.saving);
        assert_eq!(e.base_revision, 7);
        assert_eq!(e.state, SaveState::Saved("2026-12-03T01:02:03Z".into()));
        assert!(e.can_finalize());
        assert_eq!(e.start_save(), None, "nothing new to save");
    }

    #[test]
    fn text_typed_while_saving_is_saved_next_on_the_new_revision() {
        let mut e = typing();
        e.start_save();
        e.type_text("subjective", "咳、痰".into());
        let commands = e.saved(&draft(7, 0, soap("咳", "")));
        assert_eq!(commands[0], Command::RefreshTimeline);
        assert!(
            matches!(&commands[1], Command::KeepLocally(d) if d.base_revision == 7 && d.soap == soap("咳、痰", ""))
        );
        assert_eq!(commands[2], Command::SaveAfter(AUTOSAVE_MS));
        assert!(e.dirty);
        let next = e.start_save().expect("the newer text goes next");
        assert_eq!((next.base_revision, next.soap), (7, soap("咳、痰", "")));
        // Not the first save of the draft any more: the timeline already shows it.
        assert_eq!(
            e.saved(&draft(8, 0, soap("咳、痰", ""))),
            vec![Command::ForgetLocally]
        );
    }

    #[test]
    fn a_lost_connection_or_session_retries_and_keeps_the_text() {
        let mut e = typing();
        e.start_save();
        assert_eq!(
            e.save_failed(SaveFailure::Network),
            vec![Command::SaveAfter(RETRY_MS)]
        );
        assert_eq!(e.state, SaveState::Offline);
        assert!(e.state.warns() && e.dirty && !e.saving);
        assert!(e.start_save().is_some(), "the retry sends again");
        assert_eq!(
            e.save_failed(SaveFailure::SignedOut),
            vec![Command::SaveAfter(RETRY_MS)]
        );
        assert_eq!(e.state, SaveState::WaitingForSignIn);
        e.start_save();
        assert!(e
            .save_failed(SaveFailure::Refused("長すぎます".into()))
            .is_empty());
        assert_eq!(e.state.label(), "保存できません：長すぎます");
    }

    #[test]
    fn a_conflict_stops_saving_until_the_user_chooses() {
        let mut e = typing();
        e.start_save();
        assert_eq!(
            e.save_failed(SaveFailure::Conflict),
            vec![Command::FetchConflict]
        );
        e.conflict_loaded(Some(draft(9, 0, soap("発熱", "かぜ"))));
        assert_eq!(e.state, SaveState::Conflict);
        assert_eq!(e.start_save(), None);
        assert!(!e.can_finalize());
        // Typed meanwhile: kept locally, not scheduled.
        let commands = e.type_text("assessment", "上気道炎".into());
        assert!(matches!(commands.as_slice(), [Command::KeepLocally(_)]));
        assert_eq!(e.leave(), None, "leaving does not overwrite the other save");
    }

    #[test]
    fn the_doctor_chosen_counts_as_much_as_the_text() {
        // Chosen while a save of the same text was in flight: still to be saved.
        let mut e = typing();
        e.start_save();
        e.choose_doctor("d2".into());
        let commands = e.saved(&draft(4, 0, soap("咳", "")));
        assert!(e.dirty);
        assert_eq!(commands.last(), Some(&Command::SaveAfter(AUTOSAVE_MS)));
        assert_eq!(
            e.start_save().and_then(|r| r.on_behalf_of).as_deref(),
            Some("d2")
        );

        // The same text saved first for another doctor is a conflict to show.
        let mut e = typing();
        e.choose_doctor("00000000-0000-0000-0000-000000000000".into());
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        let mut theirs = draft(6, 0, soap("咳", ""));
        theirs.on_behalf_of_id = Some(UserId(Uuid::from_u128(9)));
        assert!(e.conflict_loaded(Some(theirs)).is_empty());
        assert!(e.conflict.is_some());

        // A kept copy that differs only in the doctor is put back.
        let server = note(Some(draft(4, 0, soap("咳", ""))), vec![]);
        let local = LocalDraft {
            soap: soap("咳", ""),
            base_revision: 4,
            base_version: 0,
            on_behalf_of: "d2".into(),
        };
        let mut e = Editor::default();
        assert_eq!(e.open(&server, Some(local)), vec![Command::SaveNow]);
        assert_eq!(e.on_behalf, "d2");
    }

    #[test]
    fn nothing_is_sent_on_leaving_while_a_save_is_in_flight() {
        let mut e = typing();
        e.start_save();
        e.type_text("subjective", "咳、痰".into());
        assert_eq!(
            e.leave(),
            None,
            "the save's answer updates the kept copy instead"
        );
    }

    #[test]
    fn the_same_text_saved_first_is_no_conflict() {
        let mut e = typing();
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        assert_eq!(
            e.conflict_loaded(Some(draft(6, 0, soap("咳", "")))),
            vec![Command::ForgetLocally]
        );
        assert!(e.conflict.is_none() && !e.dirty);
        assert_eq!(e.base_revision, 6);
        assert!(e.can_finalize());
    }

    #[test]
    fn joining_both_puts_theirs_first_section_by_section() {
        let mut e = typing();
        e.type_text("plan", "経過観察".into());
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        e.conflict_loaded(Some(draft(9, 0, soap("発熱", "かぜ"))));
        let commands = e.resolve(Resolution::Both, 0);
        assert!(matches!(&commands[0], Command::KeepLocally(d) if d.soap == e.soap));
        assert_eq!(e.soap.subjective, "発熱\n咳");
        assert_eq!(e.soap.assessment, "かぜ");
        assert_eq!(e.soap.plan, "経過観察");
        assert_eq!(commands[1], Command::SaveNow);
        assert_eq!((e.base_revision, e.conflict.is_none()), (9, true));
        let request = e.start_save().expect("saved on their revision");
        assert_eq!(request.base_revision, 9);
    }

    #[test]
    fn keeping_mine_saves_it_on_their_revision_and_taking_theirs_drops_mine() {
        let mut e = typing();
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        e.conflict_loaded(Some(draft(9, 0, soap("発熱", ""))));
        let commands = e.resolve(Resolution::Mine, 0);
        assert!(
            matches!(commands.as_slice(), [Command::KeepLocally(d), Command::SaveNow] if d.base_revision == 9 && d.soap == soap("咳", ""))
        );
        assert!(e.dirty && e.conflict.is_none());
        let request = e.start_save().expect("mine is saved");
        assert_eq!((request.soap, request.base_revision), (soap("咳", ""), 9));

        let mut e = typing();
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        e.conflict_loaded(Some(draft(9, 0, soap("発熱", ""))));
        assert_eq!(
            e.resolve(Resolution::Theirs, 0),
            vec![Command::ForgetLocally]
        );
        assert_eq!(e.soap, soap("発熱", ""));
        assert!(!e.dirty && e.editing);
    }

    #[test]
    fn taking_theirs_after_someone_finalised_closes_the_editor() {
        let mut e = typing();
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        e.conflict_loaded(None);
        e.resolve(Resolution::Theirs, 1);
        assert!(!e.editing);
        assert_eq!((e.base_revision, e.base_version), (0, 1));

        // Keeping mine after a finalisation amends the newest version.
        let mut e = typing();
        e.start_save();
        e.save_failed(SaveFailure::Conflict);
        e.conflict_loaded(None);
        e.resolve(Resolution::Mine, 1);
        let request = e.start_save().expect("mine is saved as an amendment");
        assert_eq!((request.base_revision, request.base_version), (0, 1));
    }

    #[test]
    fn a_save_that_ends_after_the_note_was_closed_changes_nothing() {
        // Closed and opened again while the save was in flight: the answer must not turn the
        // emptied screen into text to keep or send.
        let mut e = typing();
        e.start_save();
        e.close();
        assert_eq!(e.saved(&draft(5, 0, soap("咳", ""))), Vec::new());
        assert!(!e.saving && !e.dirty);
        let server = note(Some(draft(5, 0, soap("咳", ""))), vec![]);
        assert!(e.open(&server, None).is_empty());
        assert_eq!(e.soap, soap("咳", ""));
        assert_eq!(e.base_revision, 5);

        // A failure of it neither: nothing retried for the closed text.
        let mut e = typing();
        e.start_save();
        e.close();
        assert_eq!(e.save_failed(SaveFailure::Network), Vec::new());
        assert_eq!(e.state, SaveState::Idle);
    }

    #[test]
    fn text_waiting_behind_an_abandoned_save_is_saved_next() {
        let mut e = typing();
        e.start_save();
        e.close();
        // The next note's text, restored from this browser, could not be sent meanwhile.
        let local = LocalDraft {
            soap: soap("頭痛", ""),
            base_revision: 0,
            base_version: 0,
            on_behalf_of: String::new(),
        };
        assert_eq!(
            e.open(&note(None, vec![]), Some(local)),
            vec![Command::SaveNow]
        );
        assert_eq!(e.start_save(), None, "one save at a time");
        assert_eq!(e.save_abandoned(), vec![Command::SaveAfter(AUTOSAVE_MS)]);
        assert_eq!(e.start_save().map(|r| r.soap), Some(soap("頭痛", "")));
    }

    #[test]
    fn a_finalisation_in_flight_stays_read_only_across_notes() {
        let mut e = typing();
        e.start_save();
        e.saved(&draft(3, 0, soap("咳", "")));
        e.start_finalize(String::new());
        e.close();
        e.open(&note(Some(draft(2, 0, soap("頭痛", ""))), vec![]), None);
        assert!(e.finalizing && !e.can_finalize());
        e.finalize_ended();
        assert!(e.can_finalize());
    }

    #[test]
    fn text_kept_here_and_never_saved_is_put_back_and_saved() {
        let server = note(Some(draft(4, 0, soap("咳", ""))), vec![]);
        let local = LocalDraft {
            soap: soap("咳、三日前から", ""),
            base_revision: 4,
            base_version: 0,
            on_behalf_of: String::new(),
        };
        let mut e = Editor::default();
        assert_eq!(e.open(&server, Some(local)), vec![Command::SaveNow]);
        assert_eq!(e.state, SaveState::Restored);
        assert!(e.dirty);
        assert_eq!(e.start_save().unwrap().soap, soap("咳、三日前から", ""));

        // The server already has that text: the copy is forgotten.
        let same = LocalDraft {
            soap: soap("咳", ""),
            base_revision: 4,
            base_version: 0,
            on_behalf_of: String::new(),
        };
        let mut e = Editor::default();
        assert_eq!(e.open(&server, Some(same)), vec![Command::ForgetLocally]);
        assert!(!e.dirty);
    }

    #[test]
    fn a_finalised_note_opens_read_only_and_is_amended_from_its_newest_version() {
        let mut e = Editor::default();
        let finalised = note(
            None,
            vec![version(2, soap("咳", "かぜ")), version(1, soap("咳", ""))],
        );
        e.open(&finalised, None);
        assert!(!e.editing);
        assert_eq!((e.base_revision, e.base_version), (0, 2));
        let commands = e.amend(&finalised.versions[0]);
        assert_eq!(commands.last(), Some(&Command::SaveNow));
        assert!(e.editing && e.dirty);
        let request = e.start_save().unwrap();
        assert_eq!((request.base_revision, request.base_version), (0, 2));
        assert_eq!(request.soap, soap("咳", "かぜ"));
        // The amendment's first save puts a draft on the timeline.
        assert_eq!(
            e.saved(&draft(1, 2, soap("咳", "かぜ"))),
            vec![Command::RefreshTimeline, Command::ForgetLocally]
        );
    }

    #[test]
    fn leaving_a_note_sends_its_unsaved_text_and_nothing_carries_over() {
        let mut e = typing();
        e.choose_doctor("d1".into());
        let request = e.leave().expect("unsaved text is sent");
        assert_eq!(request.on_behalf_of.as_deref(), Some("d1"));
        e.close();
        assert_eq!(e.soap, Soap::default());
        assert!(!e.dirty && !e.editing && e.conflict.is_none());
        assert_eq!(e.on_behalf, "d1", "the doctor chosen for 代行入力 stays");
        assert_eq!(e.leave(), None);
    }

    #[test]
    fn templates_and_copies_add_after_what_is_there() {
        let mut e = typing();
        let commands = e.insert(["発熱：", "", "", "対症療法"]);
        assert!(
            matches!(commands.as_slice(), [Command::KeepLocally(d), Command::SaveAfter(AUTOSAVE_MS)] if d.soap == e.soap)
        );
        assert_eq!(e.soap.subjective, "咳\n発熱：");
        assert_eq!(e.soap.plan, "対症療法");
        e.copy_from(&soap("", "かぜ"));
        assert_eq!(e.soap.assessment, "かぜ");
        e.copy_from(&soap("鼻汁", ""));
        assert_eq!(e.soap.subjective, "咳\n発熱：\n鼻汁");
    }

    #[test]
    fn finalising_is_read_only_until_it_ends() {
        let mut e = typing();
        e.start_save();
        e.saved(&draft(3, 0, soap("咳", "")));
        let request = e.start_finalize("".into());
        assert_eq!(request.revision, 3);
        assert!(!e.can_finalize(), "not twice");
        e.finalize_ended();
        assert!(e.can_finalize());
        assert!(e.can_discard());
        e.type_text("plan", "経過観察".into());
        e.start_save();
        assert!(!e.can_discard(), "not while a save is in flight");
    }
}
