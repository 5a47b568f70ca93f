//! 患者: search as you type (番号, カナ in any width, 漢字, 生年月日, 電話), register with a
//! duplicate warning, view and edit (each save a new version; a stale edit is refused), history.

use crate::api::ApiFailure;
use crate::components::field::TextField;
use crate::state::{use_current_patient, use_session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::api::patients::{
    PatientDetail, PatientInput, PatientSummary, PatientVersion, RegisterPatient, Sex,
    UpdatePatient,
};
use shared::api::ErrorCode;
use shared::domain::japanese::{parse_date, wareki};
use shared::domain::Permission;
use shared::ids::PatientId;

fn birth_with_wareki(birth: &str) -> String {
    match parse_date(birth) {
        Some(d) => format!("{birth}（{}）", wareki(d)),
        None => birth.to_string(),
    }
}

#[component]
pub fn PatientsPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<PatientSummary>::new());
    let error = RwSignal::new(None::<String>);
    let searched = RwSignal::new(false);
    let generation = StoredValue::new(0u64);
    let can_edit = move || session.can(Permission::EditPatients);

    // Results while typing; a newer keystroke supersedes an older answer.
    Effect::new(move |_| {
        let q = query.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if q.trim().is_empty() {
            results.set(Vec::new());
            searched.set(false);
            return;
        }
        spawn_local(async move {
            let answer = crate::api::patients::search(&q).await;
            if generation.get_value() != mine {
                return;
            }
            match answer {
                Ok(list) => {
                    results.set(list);
                    error.set(None);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
            searched.set(true);
        });
    });

    let open_first = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(first) = results.get_untracked().first() {
            navigate(
                &format!("/patients/{}", first.patient_id),
                Default::default(),
            );
        }
    };

    view! {
        <h1>"患者検索"</h1>
        <form class="search-bar" on:submit=open_first>
            <label for="patient_query" class="visually-hidden">"患者を検索"</label>
            <input id="patient_query" data-testid="patient-query" type="search" autofocus=true autocomplete="off"
                placeholder="患者番号・カナ・氏名・生年月日（YYYY-MM-DD）・電話番号"
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            <Show when=can_edit>
                <A href="/patients/new" attr:class="button" attr:data-testid="new-patient">"新規登録"</A>
            </Show>
        </form>
        <p class="form-error" role="alert">{move || error.get()}</p>
        <table class="patients" data-testid="patient-results">
            <thead><tr><th scope="col">"患者番号"</th><th scope="col">"氏名"</th><th scope="col">"カナ"</th>
                <th scope="col">"性別"</th><th scope="col">"生年月日"</th><th scope="col">"電話"</th></tr></thead>
            <tbody>
                {move || results.get().into_iter().map(|p| {
                    let href = format!("/patients/{}", p.patient_id);
                    view! {
                        <tr data-testid="patient-row">
                            <td>{p.patient_number.clone()}</td>
                            <td><A href=href>{p.name.clone()}</A></td>
                            <td>{p.kana.clone()}</td>
                            <td>{p.sex.label_ja()}</td>
                            <td>{birth_with_wareki(&p.birth_date)}</td>
                            <td>{p.phone.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Show when=move || searched.get() && results.get().is_empty()>
            <p role="status" data-testid="no-patients">"該当する患者はいません"</p>
        </Show>
    }
}

/// The form shared by registration and editing.
#[derive(Clone, Copy)]
struct PatientForm {
    number: RwSignal<String>,
    name: RwSignal<String>,
    kana: RwSignal<String>,
    sex: RwSignal<String>,
    birth: RwSignal<String>,
    address: RwSignal<String>,
    phone: RwSignal<String>,
    notes: RwSignal<String>,
    errors: RwSignal<Vec<(String, String)>>,
}

impl PatientForm {
    fn new() -> Self {
        Self {
            number: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            kana: RwSignal::new(String::new()),
            sex: RwSignal::new(String::new()),
            birth: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            notes: RwSignal::new(String::new()),
            errors: RwSignal::new(Vec::new()),
        }
    }

    fn fill(&self, p: &PatientDetail) {
        self.number.set(p.patient_number.clone());
        self.name.set(p.name.clone());
        self.kana.set(p.kana.clone());
        self.sex.set(p.sex.code().to_string());
        self.birth.set(p.birth_date.clone());
        self.address.set(p.address.clone());
        self.phone.set(p.phone.clone());
        self.notes.set(p.notes.clone());
    }

    fn input(&self) -> PatientInput {
        PatientInput {
            patient_number: self.number.get_untracked(),
            name: self.name.get_untracked(),
            kana: self.kana.get_untracked(),
            sex: Sex::from_code(&self.sex.get_untracked()),
            birth_date: self.birth.get_untracked(),
            address: self.address.get_untracked(),
            phone: self.phone.get_untracked(),
            notes: self.notes.get_untracked(),
        }
    }

    fn error(&self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.errors;
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
        })
    }

    fn show(&self, failure: &ApiFailure) -> bool {
        let fields: Vec<(String, String)> = failure
            .fields()
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect();
        let any = !fields.is_empty();
        self.errors.set(fields);
        any
    }

    fn view(self, numbered: bool) -> impl IntoView {
        let birth = self.birth;
        // 性別 typed as ORCA's code (1 男, 2 女) or the character itself.
        let sex_typed = RwSignal::new(match self.sex.get_untracked().as_str() {
            "male" => "1".to_string(),
            "female" => "2".to_string(),
            other => other.to_string(),
        });
        view! {
            <div class="form-grid">
                <Show when=move || numbered>
                    <TextField id="patient_number" label="患者番号（空欄で自動採番）" value=self.number inputmode="numeric" error=self.error("patient_number")/>
                </Show>
                <TextField id="patient_name" label="氏名（漢字）" value=self.name autofocus=true error=self.error("name")/>
                <TextField id="patient_kana" label="カナ" value=self.kana error=self.error("kana")/>
                <div class="field">
                    <label for="patient_sex">"性別（1 男・2 女）"</label>
                    <input id="patient_sex" name="patient_sex" data-testid="patient_sex" maxlength="2" autocomplete="off"
                        prop:value=move || sex_typed.get()
                        on:input=move |ev| {
                            let typed = event_target_value(&ev);
                            self.sex.set(sex_code(&typed));
                            sex_typed.set(typed);
                        }/>
                    <p class="hint" data-testid="patient_sex_read">{move || Sex::from_code(&self.sex.get()).map(|s| s.label_ja())}</p>
                    <p class="field-error" role="alert">{move || self.error("sex").get()}</p>
                </div>
                <TextField id="patient_birth" label="生年月日（1980-04-01、S55.4.1、昭和55年4月1日、3550401）" value=self.birth error=self.error("birth_date")/>
                <p class="hint" data-testid="birth-wareki">{move || crate::components::field::date_read(&birth.get())}</p>
                <PostalField address=self.address/>
                <TextField id="patient_address" label="住所" value=self.address autocomplete="off" error=self.error("address")/>
                <TextField id="patient_phone" label="電話番号" value=self.phone kind="tel" error=self.error("phone")/>
                <TextField id="patient_notes" label="メモ" value=self.notes error=self.error("notes")/>
            </div>
        }
    }
}

/// 郵便番号: seven digits typed (with or without the hyphen, either width) fill in the address
/// from 日本郵便's data; a code of several 町域 offers them. The address is filled only while it
/// is empty or still what an earlier code filled in, never over what was typed.
#[component]
fn PostalField(address: RwSignal<String>) -> impl IntoView {
    use shared::masters::postal::{normalize_code, PostalAddress};
    let typed = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<PostalAddress>::new());
    let hint = RwSignal::new(String::new());
    let filled = RwSignal::new(String::new());
    let fill = move |a: &PostalAddress| {
        let current = address.get_untracked();
        if current.trim().is_empty() || current == filled.get_untracked() {
            let text = a.address_ja();
            filled.set(text.clone());
            address.set(text);
        }
    };
    Effect::new(move |_| {
        let Some(code) = normalize_code(&typed.get()) else {
            found.set(Vec::new());
            hint.set(String::new());
            return;
        };
        spawn_local(async move {
            let answer = crate::api::patients::postal(&code).await;
            // Only if the field still holds this code.
            if normalize_code(&typed.get_untracked()).as_deref() != Some(code.as_str()) {
                return;
            }
            match answer {
                Ok(list) if list.is_empty() => {
                    found.set(Vec::new());
                    hint.set(
                        "この郵便番号は見つかりません（郵便番号データが未取込のときも）".into(),
                    );
                }
                Ok(list) => {
                    fill(&list[0]);
                    hint.set(list[0].address_ja());
                    found.set(if list.len() > 1 { list } else { Vec::new() });
                }
                Err(_) => hint.set("郵便番号を調べられません".into()),
            }
        });
    });
    view! {
        <div class="field">
            <label for="patient_postal">"郵便番号（住所を補完）"</label>
            <input id="patient_postal" data-testid="patient_postal" inputmode="numeric" autocomplete="off" maxlength="9"
                prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
            <p class="hint" data-testid="patient_postal-read">{move || hint.get()}</p>
            <Show when=move || !found.with(Vec::is_empty)>
                <ul class="master-hits" data-testid="postal-choices">
                    {move || found.get().into_iter().map(|a| {
                        let pick = a.clone();
                        // Chosen on purpose: it replaces the address.
                        view! { <li><button type="button" class="link" data-testid="postal-choice" on:click=move |_| {
                            let text = pick.address_ja();
                            filled.set(text.clone());
                            address.set(text);
                        }>{a.address_ja()}</button></li> }
                    }).collect_view()}
                </ul>
            </Show>
        </div>
    }
}

#[component]
pub fn RegisterPatientPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let form = PatientForm::new();
    let error = RwSignal::new(None::<String>);
    let duplicates = RwSignal::new(None::<Vec<PatientSummary>>);
    let busy = RwSignal::new(false);

    let send = move |confirm: bool| {
        let input = form.input();
        let csrf = session.csrf();
        let navigate = navigate.clone();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let body = RegisterPatient {
                patient: input.clone(),
                confirm_duplicate: confirm,
            };
            match crate::api::patients::register(&csrf, &body).await {
                Ok(p) => navigate(&format!("/patients/{}", p.patient_id), Default::default()),
                Err(f) if f.code() == Some(ErrorCode::DuplicateSuspected) => {
                    error.set(Some(f.message()));
                    duplicates.set(crate::api::patients::duplicates(&csrf, &input).await.ok());
                }
                Err(f) => {
                    session.check(&f);
                    if !form.show(&f) {
                        error.set(Some(f.message()));
                    }
                }
            }
            busy.set(false);
        });
    };
    let send_first = send.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        duplicates.set(None);
        // The same checks the server runs, before sending.
        match form.input().validate(crate::format::today_jst()) {
            Ok(_) => {
                form.errors.set(Vec::new());
                send_first(false);
            }
            Err(fields) => form
                .errors
                .set(fields.into_iter().map(|f| (f.field, f.message)).collect()),
        }
    };

    view! {
        <h1>"患者登録"</h1>
        <form on:submit=submit data-testid="register-patient-form" data-enter="next" novalidate class="wide">
            {form.view(true)}
            <p class="form-error" role="alert" data-testid="register-error">{move || error.get()}</p>
            {move || duplicates.get().map(|list| {
                let send = send.clone();
                view! {
                    <div class="notice" data-testid="duplicate-warning">
                        <p>"次の患者と氏名（カナ）・生年月日が一致します。同じ人ならその患者を開いてください。"</p>
                        <ul>
                            {list.into_iter().map(|p| view! {
                                <li><A href=format!("/patients/{}", p.patient_id)>{format!("{} {}（{}）{}", p.patient_number, p.name, p.kana, p.birth_date)}</A></li>
                            }).collect_view()}
                        </ul>
                        <button type="button" class="secondary" data-testid="register-anyway" on:click=move |_| send(true)>"別の人として登録する"</button>
                    </div>
                }
            })}
            <button type="submit" data-testid="register-submit" disabled=move || busy.get()>"登録"</button>
        </form>
    }
}

#[component]
pub fn PatientDetailPage() -> impl IntoView {
    crate::pages::per_path_id(
        "patient_id",
        |id: PatientId| view! { <PatientDetailOf id=id/> },
    )
}

/// 性別 as typed (`1`/`2` as ORCA writes them, `男`/`女`, `M`/`F`) as its code; anything else
/// as typed, which the validation names.
fn sex_code(typed: &str) -> String {
    match typed.trim() {
        "1" | "１" | "男" | "M" | "m" | "Ｍ" | "ｍ" => "male".into(),
        "2" | "２" | "女" | "F" | "f" | "Ｆ" | "ｆ" => "female".into(),
        other => other.into(),
    }
}

/// One patient's page (mounted afresh for each patient).
#[component]
fn PatientDetailOf(id: PatientId) -> impl IntoView {
    let session = use_session();
    let current = use_current_patient();

    let patient = RwSignal::new(None::<PatientDetail>);
    let history = RwSignal::new(Vec::<PatientVersion>::new());
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let form = PatientForm::new();
    let reason = RwSignal::new(String::new());
    // The insurance panel says when the cards change; the check-in form reads them again.
    let cards_changed = RwSignal::new(0u32);
    let can_edit = move || session.can(Permission::EditPatients);
    let can_check_in = move || session.can(Permission::FrontDesk);

    let load = move || {
        spawn_local(async move {
            match crate::api::patients::get_one(id).await {
                Ok(p) => {
                    // Only while this page stands: a slow answer never names the patient of a
                    // page already left in the banner.
                    if patient.try_set(Some(p.clone())).is_none() {
                        current.0.set(Some(p));
                    }
                }
                Err(f) => {
                    session.check(&f);
                    let _ = error.try_set(Some(f.message()));
                }
            }
            if let Ok(v) = crate::api::patients::versions(id).await {
                let _ = history.try_set(v);
            }
        });
    };
    load();
    on_cleanup(move || current.0.set(None));

    let start_edit = move |_| {
        if let Some(p) = patient.get_untracked() {
            form.fill(&p);
            form.errors.set(Vec::new());
            reason.set(String::new());
            saved.set(false);
            editing.set(true);
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(base) = patient.get_untracked() else {
            return;
        };
        let body = UpdatePatient {
            base_version: base.version,
            patient: form.input(),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();

        spawn_local(async move {
            match crate::api::patients::update(&csrf, id, &body).await {
                Ok(_) => {
                    editing.set(false);
                    saved.set(true);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    if !form.show(&f) {
                        error.set(Some(f.message()));
                    }
                }
            }
        });
    };

    view! {
        <p class="form-error" role="alert">{move || error.get()}</p>
        {move || patient.get().map(|p| view! {
            <h1>{p.name.clone()} <small>{format!("（{}）", p.kana)}</small></h1>
            <dl class="summary" data-testid="patient-detail">
                <dt>"患者番号"</dt><dd>{p.patient_number.clone()}</dd>
                <dt>"性別"</dt><dd>{p.sex.label_ja()}</dd>
                <dt>"生年月日"</dt><dd>{format!("{}（{}）", p.birth_date, p.birth_date_wareki)}</dd>
                <dt>"住所"</dt><dd>{p.address.clone()}</dd>
                <dt>"電話"</dt><dd>{p.phone.clone()}</dd>
                <dt>"メモ"</dt><dd>{p.notes.clone()}</dd>
                <dt>"版"</dt><dd data-testid="patient-version">{format!("第{}版", p.version)}</dd>
            </dl>
        })}
        <Show when=move || saved.get()>
            <p class="success" role="status" data-testid="patient-saved">"保存しました（新しい版として記録）"</p>
        </Show>
        <Show when=move || can_edit() && !editing.get()>
            <button type="button" data-testid="edit-patient" on:click=start_edit>"編集"</button>
        </Show>
        <Show when=move || editing.get()>
            <form on:submit=save data-testid="edit-patient-form" novalidate class="wide">
                {form.view(false)}
                <TextField id="edit_reason" label="変更理由" value=reason/>
                <button type="submit" data-testid="save-patient">"保存"</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(false)>"取消"</button>
            </form>
        </Show>
        <Show when=move || session.can(Permission::ReadChart) || session.can(Permission::ProxyEntry)>
            <p><a class="button" href=format!("/patients/{id}/chart") data-testid="open-chart">"カルテを開く"</a></p>
        </Show>
        <Show when=can_check_in>
            <crate::pages::reception::CheckInForm patient_id=id cards_changed=cards_changed/>
        </Show>
        <crate::components::insurance::InsurancePanel patient_id=id changed=cards_changed/>
        <h2>"変更履歴"</h2>
        <ol class="history" data-testid="patient-history">
            {move || history.get().into_iter().map(|v| view! {
                <li>{format!("第{}版 {} — {}（{}）{} {}", v.version, crate::format::jst_minute(&v.created_at), v.name, v.kana, v.address, if v.reason.is_empty() { String::new() } else { format!("理由: {}", v.reason) })}</li>
            }).collect_view()}
        </ol>
    }
}
