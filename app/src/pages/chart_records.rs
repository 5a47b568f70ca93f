//! The chart's record tabs: 傷病名 (picked from the master as you type, with 修飾語, or
//! 未コード化), バイタル (checked with the shared rules as typed, drawn on the 温度板) and 検査結果
//! (entered or imported from a CSV file, drawn as a trend per item). Charts and tables show the
//! same period; the period buttons zoom.

use crate::components::trend::{LabTrend, TemperatureSheet};
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::billing::MasterHit;
use shared::api::chart::{
    Diagnosis, DiagnosisInput, LabRecord, Outcome, RecordLabs, RecordVitals, VitalRecord,
};
use shared::domain::chart::{format_tenths, LabInput, VitalsInput};
use shared::domain::diagnosis::compose_name;
use shared::domain::japanese::{format_date, parse_date};
use shared::domain::Role;
use shared::ids::{PatientId, VitalId};
use time::{Date, Duration};

/// The local copy of the master first; the server's search while there is none.
pub(crate) async fn master_search(kind: &str, q: &str, on: &str) -> Vec<MasterHit> {
    if let Some(hits) = crate::masters_cache::search(kind, q, on, 30).await {
        return hits;
    }
    crate::api::get(&format!(
        "/masters/search?q={}&on={on}&kind={kind}",
        crate::api::logs::encode(q)
    ))
    .await
    .unwrap_or_default()
}

#[component]
pub fn DiagnosesPanel(patient_id: Signal<PatientId>) -> impl IntoView {
    let session = use_session();
    let list = RwSignal::new(Vec::<Diagnosis>::new());
    let on = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let is_doctor = move || session.info().map(|i| i.user.role) == Some(Role::Doctor);
    let load = move || {
        let id = patient_id.get_untracked();
        let day = on.get_untracked();
        spawn_local(async move {
            match crate::api::chart::diagnoses(id, Some(day.as_str()).filter(|d| !d.is_empty()))
                .await
            {
                Ok(l) => list.set(l),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = patient_id.get();
        let _ = on.get();
        load();
    });

    // The form: a coded name (with modifiers) or free text.
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<MasterHit>::new());
    let picked = RwSignal::new(None::<MasterHit>);
    let modifier_query = RwSignal::new(String::new());
    let modifier_hits = RwSignal::new(Vec::<MasterHit>::new());
    let modifiers = RwSignal::new(Vec::<MasterHit>::new());
    let free_name = RwSignal::new(String::new());
    // Coded names like the free text typed: the doctor is offered the code.
    let suggestions = RwSignal::new(Vec::<MasterHit>::new());
    let start = RwSignal::new(crate::format::today_jst().to_string());
    let is_main = RwSignal::new(false);
    let suspected = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    // The local copies load in the background when the form opens.
    let disease_status: RwSignal<String> = crate::masters_cache::status("disease").into();
    if is_doctor() {
        leptos::task::spawn_local(async move {
            crate::masters_cache::ensure("disease").await;
            crate::masters_cache::ensure("modifier").await;
        });
    }
    // Hits for what `typed` holds; an answer for text no longer there is dropped.
    let search =
        move |kind: &'static str, typed: RwSignal<String>, out: RwSignal<Vec<MasterHit>>| {
            let day = start.get_untracked();
            let q = typed.get_untracked();
            spawn_local(async move {
                let found = if q.trim().is_empty() {
                    Vec::new()
                } else {
                    master_search(kind, &q, &day).await
                };
                // Only for the text still typed, and only while the panel is there (its
                // signals go with it when the doctor leaves the tab).
                if typed.try_with_untracked(|t| *t == q) == Some(true) {
                    let _ = out.try_set(found);
                }
            });
        };
    // The entry as it would be sent, checked by the same shared rules as the server.
    let entry = move || DiagnosisInput {
        disease_code: picked.get().map(|h| h.code).unwrap_or_default(),
        modifier_codes: modifiers.get().into_iter().map(|m| m.code).collect(),
        free_name: free_name.get(),
        is_main: is_main.get(),
        suspected: suspected.get(),
        start_date: start.get(),
        ..Default::default()
    };
    // The coded name with its 修飾語 (shared::domain::diagnosis), when a name is picked.
    let composed = move || {
        let picked = picked.get()?;
        let mods = modifiers.get();
        let codes: Vec<String> = mods.iter().map(|m| m.code.clone()).collect();
        Some(compose_name(&picked.name, &codes, |code| {
            mods.iter()
                .find(|m| m.code == code)
                .map(|m| m.name.as_str())
        }))
    };
    let preview = move || {
        let name = match composed() {
            Some(name) => name.unwrap_or_default(),
            None => free_name.get(),
        };
        if suspected.get() && !name.is_empty() {
            format!("{name}の疑い")
        } else {
            name
        }
    };
    // What is wrong so far, as the doctor types (nothing before anything is typed).
    let check = move || {
        if picked.get().is_none() && free_name.get().is_empty() {
            return None;
        }
        if let Err(errors) = entry().validate() {
            return errors.into_iter().next().map(|e| e.message);
        }
        // A coded name: its 修飾語 must compose (known, not 歯科部位, within 100 characters).
        composed()?.err().map(|e| e.message)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = untrack(entry);
        if let Err(errors) = body.validate() {
            form_error.set(errors.into_iter().next().map(|e| e.message));
            return;
        }
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        spawn_local(async move {
            match crate::api::chart::record_diagnosis(&csrf, id, &body).await {
                Ok(_) => {
                    picked.set(None);
                    modifiers.set(Vec::new());
                    free_name.set(String::new());
                    suggestions.set(Vec::new());
                    query.set(String::new());
                    hits.set(Vec::new());
                    is_main.set(false);
                    suspected.set(false);
                    form_error.set(None);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    form_error.set(Some(f.first_message()));
                }
            }
        });
    };
    // 転帰: a new version with the outcome, end date and reason.
    let close = move |d: Diagnosis, outcome: Outcome, end: String, reason: String| {
        let body = DiagnosisInput {
            disease_code: d.disease_code.clone().unwrap_or_default(),
            modifier_codes: d.modifier_codes.clone(),
            free_name: if d.disease_code.is_none() {
                d.name.clone()
            } else {
                String::new()
            },
            is_main: d.is_main,
            suspected: d.suspected,
            start_date: d.start_date.clone(),
            outcome: Some(outcome),
            end_date: end,
            base_version: d.version,
            reason,
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::change_diagnosis(&csrf, d.diagnosis_id, &body).await {
                Ok(_) => load(),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };

    view! {
        <section class="diagnoses" data-testid="diagnoses">
            <h2>"傷病名"</h2>
            <div class="filters">
                <label for="dx_on">"この日に有効なもの"</label>
                <input id="dx_on" type="date" data-testid="dx-on" prop:value=move || on.get() on:input=move |ev| on.set(event_target_value(&ev))/>
                <button type="button" class="secondary" on:click=move |_| on.set(String::new())>"すべて"</button>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <table class="records" data-testid="diagnosis-list">
                <thead><tr><th>"主"</th><th>"傷病名"</th><th>"開始日"</th><th>"転帰"</th><th>"終了日"</th><th>"版"</th><th></th></tr></thead>
                <tbody>
                    {move || list.get().into_iter().map(|d| {
                        let open = d.outcome.is_none();
                        let row = d.clone();
                        let outcome = RwSignal::new("cured".to_string());
                        let end = RwSignal::new(crate::format::today_jst().to_string());
                        view! {
                            <tr data-testid="diagnosis-row">
                                <td>{d.is_main.then_some("主")}</td>
                                <td>{d.display_name()}{d.disease_code.is_none().then_some("（未コード化）")}</td>
                                <td>{d.start_date.clone()}</td>
                                <td>{d.outcome.map(|o| o.label_ja())}</td>
                                <td>{d.end_date.clone()}</td>
                                <td>{format!("第{}版", d.version)}</td>
                                <td>{(open && is_doctor()).then(|| view! {
                                    <select aria-label="転帰" on:change=move |ev| outcome.set(event_target_value(&ev))>
                                        {Outcome::ALL.into_iter().map(|o| view! { <option value=o.code()>{o.label_ja()}</option> }).collect_view()}
                                    </select>
                                    <input type="date" aria-label="終了日" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/>
                                    <button type="button" class="secondary" data-testid="close-diagnosis" on:click=move |_| {
                                        let o = Outcome::from_code(&outcome.get_untracked()).unwrap_or(Outcome::Cured);
                                        close(row.clone(), o, end.get_untracked(), format!("転帰：{}", o.label_ja()));
                                    }>"転帰を記録"</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=is_doctor>
                <form class="diagnosis-form" on:submit=submit novalidate data-testid="diagnosis-form">
                    <h3>"傷病名を追加"</h3>
                    <p class="hint" data-testid="master-status">"傷病名マスター："{move || disease_status.get()}</p>
                    <label for="dx_query">"傷病名（名称・カナ・コード・ICD-10）"</label>
                    <input id="dx_query" data-testid="dx-query" autocomplete="off" prop:value=move || query.get()
                        on:input=move |ev| { query.set(event_target_value(&ev)); search("disease", query, hits); }/>
                    <ul class="master-hits" data-testid="dx-hits">
                        {move || hits.get().into_iter().map(|h| {
                            let pick = h.clone();
                            view! { <li><button type="button" class="link" on:click=move |_| { picked.set(Some(pick.clone())); hits.set(Vec::new()); query.set(pick.name.clone()); }>
                                {format!("{} {}", h.code, h.name)}</button></li> }
                        }).collect_view()}
                    </ul>
                    <Show when=move || picked.get().is_some()>
                        <label for="dx_modifier">"修飾語（急性・慢性・左右など）"</label>
                        <input id="dx_modifier" data-testid="dx-modifier" autocomplete="off" prop:value=move || modifier_query.get()
                            on:input=move |ev| { modifier_query.set(event_target_value(&ev)); search("modifier", modifier_query, modifier_hits); }/>
                        <ul class="master-hits">
                            {move || modifier_hits.get().into_iter().map(|h| {
                                let add = h.clone();
                                view! { <li><button type="button" class="link" on:click=move |_| { modifiers.update(|m| m.push(add.clone())); modifier_hits.set(Vec::new()); modifier_query.set(String::new()); }>
                                    {format!("{} {}", h.code, h.name)}</button></li> }
                            }).collect_view()}
                        </ul>
                    </Show>
                    <Show when=move || picked.get().is_none()>
                        <label for="dx_free">"未コード化傷病名（マスターにない場合）"</label>
                        <input id="dx_free" data-testid="dx-free" prop:value=move || free_name.get()
                            on:input=move |ev| { free_name.set(event_target_value(&ev)); search("disease", free_name, suggestions); }/>
                        <Show when=move || !suggestions.with(Vec::is_empty)>
                            <div class="notice" data-testid="dx-suggest">
                                <p>{move || if suggestions.with(|h| h.iter().any(|h| h.name == free_name.get().trim())) {
                                    "マスターにある傷病名です。コード化して登録できます："
                                } else {
                                    "マスターの近い傷病名（選ぶとコード化して登録できます）："
                                }}</p>
                                <ul class="master-hits">
                                    {move || suggestions.get().into_iter().take(3).map(|h| {
                                        let pick = h.clone();
                                        view! { <li><button type="button" class="link" data-testid="dx-suggest-pick"
                                            on:click=move |_| {
                                                picked.set(Some(pick.clone()));
                                                query.set(pick.name.clone());
                                                free_name.set(String::new());
                                                suggestions.set(Vec::new());
                                            }>{format!("{} {}（ICD-10 {}）", h.code, h.name, h.value)}</button></li> }
                                    }).collect_view()}
                                </ul>
                            </div>
                        </Show>
                    </Show>
                    <p class="preview">"登録される傷病名："<strong data-testid="dx-preview">{preview}</strong>
                        <Show when=move || picked.get().is_some() || !modifiers.get().is_empty()>
                            <button type="button" class="link" on:click=move |_| { picked.set(None); modifiers.set(Vec::new()); query.set(String::new()); }>"選び直す"</button>
                        </Show>
                    </p>
                    <label for="dx_start">"開始日"</label>
                    <input id="dx_start" type="date" data-testid="dx-start" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                    <label><input type="checkbox" data-testid="dx-main" prop:checked=move || is_main.get() on:change=move |ev| is_main.set(event_target_checked(&ev))/>"主病名"</label>
                    <label><input type="checkbox" data-testid="dx-suspected" prop:checked=move || suspected.get() on:change=move |ev| suspected.set(event_target_checked(&ev))/>"疑い"</label>
                    <p class="hint" data-testid="dx-check">{check}</p>
                    <p class="form-error" role="alert">{move || form_error.get()}</p>
                    <button type="submit" data-testid="dx-save">"登録"</button>
                </form>
            </Show>
        </section>
    }
}

/// The period the charts and tables show, with zoom buttons (1週・1か月・3か月・1年) and the
/// possibility to type both ends.
#[derive(Clone, Copy)]
pub struct Period {
    pub from: RwSignal<Date>,
    pub to: RwSignal<Date>,
}

impl Period {
    fn new(days: i64) -> Self {
        let today = crate::format::today_jst();
        Self {
            from: RwSignal::new(today - Duration::days(days - 1)),
            to: RwSignal::new(today),
        }
    }

    fn view(self) -> impl IntoView {
        let zoom = move |days: i64| {
            let to = self.to.get_untracked();
            self.from.set(to - Duration::days(days - 1));
        };
        let shift = move |forward: bool| {
            let span = self.to.get_untracked() - self.from.get_untracked() + Duration::days(1);
            let by = if forward { span } else { -span };
            self.from.update(|f| *f += by);
            self.to.update(|t| *t += by);
        };
        view! {
            <div class="period no-print" role="group" aria-label="表示期間">
                <button type="button" class="secondary" data-testid="period-back" on:click=move |_| shift(false)>"◀"</button>
                <button type="button" class="secondary" data-testid="period-7" on:click=move |_| zoom(7)>"1週"</button>
                <button type="button" class="secondary" data-testid="period-31" on:click=move |_| zoom(31)>"1か月"</button>
                <button type="button" class="secondary" data-testid="period-92" on:click=move |_| zoom(92)>"3か月"</button>
                <button type="button" class="secondary" data-testid="period-366" on:click=move |_| zoom(366)>"1年"</button>
                <button type="button" class="secondary" data-testid="period-forward" on:click=move |_| shift(true)>"▶"</button>
                <input type="date" aria-label="開始日" data-testid="period-from" prop:value=move || format_date(self.from.get())
                    on:change=move |ev| if let Some(d) = parse_date(&event_target_value(&ev)) { self.from.set(d) }/>
                "〜"
                <input type="date" aria-label="終了日" data-testid="period-to" prop:value=move || format_date(self.to.get())
                    on:change=move |ev| if let Some(d) = parse_date(&event_target_value(&ev)) { self.to.set(d) }/>
            </div>
        }
    }
}

#[component]
pub fn VitalsPanel(patient_id: Signal<PatientId>) -> impl IntoView {
    let session = use_session();
    let period = Period::new(14);
    let vitals = RwSignal::new(Vec::<VitalRecord>::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        let id = patient_id.get_untracked();
        let (from, to) = (
            format_date(period.from.get_untracked()),
            format_date(period.to.get_untracked()),
        );
        spawn_local(async move {
            match crate::api::chart::vitals(id, &from, &to).await {
                Ok(v) => vitals.set(v),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = (patient_id.get(), period.from.get(), period.to.get());
        load();
    });

    let measured_at = RwSignal::new(crate::format::now_jst_minute());
    let input = RwSignal::new(VitalsInput::default());
    let saved_warnings = RwSignal::new(Vec::<String>::new());
    let server_error = RwSignal::new(None::<String>);
    // Checked as typed with the same rules the server applies.
    let checked = move || input.with(|i| i.validate());
    let field = move |name: &'static str, label: &'static str, unit: &'static str| {
        let get = move |i: &VitalsInput| i.field(name).unwrap_or_default().to_string();
        let set = move |i: &mut VitalsInput, v: String| {
            if let Some(f) = i.field_mut(name) {
                *f = v;
            }
        };
        let problem = move || match checked() {
            Err(errors) => errors
                .into_iter()
                .find(|e| e.field == name)
                .map(|e| e.message),
            Ok((_, warnings)) => warnings
                .into_iter()
                .find(|w| w.field == name)
                .map(|w| w.message),
        };
        let id = format!("vital_{name}");
        view! {
            <div class="vital-field">
                <label for=id.clone()>{label}<small>{unit}</small></label>
                <input id=id data-testid=format!("vital-{name}") inputmode="decimal" size=6
                    prop:value=move || input.with(get) on:input=move |ev| { let v = event_target_value(&ev); input.update(|i| set(i, v)); }/>
                <span class="field-note" data-testid=format!("vital-{name}-note")>{problem}</span>
            </div>
        }
    };
    let bmi = move || match checked() {
        Ok((v, _)) => v.bmi_x10().map(|b| format!("BMI {}", format_tenths(b))),
        Err(_) => None,
    };
    // 訂正: the form takes an entry's values; saving adds a correction with its reason.
    let correcting = RwSignal::new(None::<VitalId>);
    let reason = RwSignal::new(String::new());
    let start_correction = move |v: VitalRecord| {
        let x = v.values;
        let tenths = |t: Option<i32>| t.map(format_tenths).unwrap_or_default();
        let whole = |t: Option<i32>| t.map(|n| n.to_string()).unwrap_or_default();
        input.set(VitalsInput {
            temperature: tenths(x.temperature_x10),
            pulse: whole(x.pulse),
            systolic: whole(x.systolic),
            diastolic: whole(x.diastolic),
            respiration: whole(x.respiration),
            spo2: whole(x.spo2),
            height: tenths(x.height_x10),
            weight: tenths(x.weight_x10),
        });
        measured_at.set(v.measured_at.clone());
        reason.set(String::new());
        correcting.set(Some(v.vital_id));
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if checked().is_err() {
            server_error.set(Some("入力を確認してください".into()));
            return;
        }
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        let correction = correcting.get_untracked();
        let measured = measured_at.get_untracked();
        let values = input.get_untracked();
        let why = reason.get_untracked();
        spawn_local(async move {
            let vitals = RecordVitals {
                measured_at: measured,
                values,
            };
            let result = match correction {
                Some(vital) => {
                    let body = shared::api::chart::CorrectVitals {
                        vitals,
                        reason: why,
                    };
                    crate::api::chart::correct_vitals(&csrf, vital, &body).await
                }
                None => crate::api::chart::record_vitals(&csrf, id, &vitals).await,
            };
            match result {
                Ok(saved) => {
                    saved_warnings.set(saved.warnings.iter().map(|w| w.message.clone()).collect());
                    correcting.set(None);
                    input.set(VitalsInput::default());
                    server_error.set(None);
                    measured_at.set(crate::format::now_jst_minute());
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    server_error.set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <section class="vitals" data-testid="vitals">
            <h2>"バイタルサイン・温度板"</h2>
            <form class="vital-form no-print" on:submit=submit novalidate data-testid="vital-form">
                <div class="vital-field">
                    <label for="vital_measured_at">"測定日時"</label>
                    <input id="vital_measured_at" type="datetime-local" data-testid="vital-measured-at" prop:value=move || measured_at.get()
                        on:input=move |ev| measured_at.set(event_target_value(&ev))/>
                </div>
                {field("temperature", "体温", "℃")}
                {field("pulse", "脈拍", "/分")}
                {field("systolic", "血圧 上", "mmHg")}
                {field("diastolic", "血圧 下", "mmHg")}
                {field("respiration", "呼吸数", "/分")}
                {field("spo2", "SpO2", "%")}
                {field("height", "身長", "cm")}
                {field("weight", "体重", "kg")}
                <span class="bmi" data-testid="vital-bmi">{bmi}</span>
                <Show when=move || correcting.get().is_some()>
                    <div class="vital-field">
                        <label for="vital_reason">"訂正理由"</label>
                        <input id="vital_reason" data-testid="vital-reason" prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))/>
                    </div>
                    <button type="button" class="secondary" on:click=move |_| { correcting.set(None); input.set(VitalsInput::default()); }>"訂正をやめる"</button>
                </Show>
                <button type="submit" data-testid="vital-save">{move || if correcting.get().is_some() { "訂正を記録" } else { "記録" }}</button>
                <p class="form-error" role="alert">{move || server_error.get()}</p>
                <ul class="warnings" data-testid="vital-warnings">{move || saved_warnings.get().into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            </form>
            {period.view()}
            <p class="form-error" role="alert">{move || error.get()}</p>
            <TemperatureSheet vitals=vitals from=period.from to=period.to/>
            <table class="records" data-testid="vital-table">
                <thead><tr><th>"測定日時"</th><th>"体温"</th><th>"脈拍"</th><th>"血圧"</th><th>"呼吸"</th><th>"SpO2"</th><th>"身長"</th><th>"体重"</th><th>"BMI"</th><th>"記録者"</th><th class="no-print"></th></tr></thead>
                <tbody>
                    {move || vitals.get().into_iter().rev().map(|v| {
                        let x = v.values;
                        view! { <tr data-testid="vital-row">
                            <td>{v.measured_at.replace('T', " ")}</td>
                            <td>{x.temperature_x10.map(format_tenths)}</td>
                            <td>{x.pulse}</td>
                            <td>{x.systolic.zip(x.diastolic).map(|(s, d)| format!("{s}/{d}"))}</td>
                            <td>{x.respiration}</td>
                            <td>{x.spo2}</td>
                            <td>{x.height_x10.map(format_tenths)}</td>
                            <td>{x.weight_x10.map(format_tenths)}</td>
                            <td>{x.bmi_x10().map(format_tenths)}</td>
                            <td>{v.author.clone()}{(!v.reason.is_empty()).then(|| format!("（訂正：{}）", v.reason))}</td>
                            <td class="no-print">{
                                let row = v.clone();
                                view! { <button type="button" class="link" data-testid="vital-correct" on:click=move |_| start_correction(row.clone())>"訂正"</button> }
                            }</td>
                        </tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
pub fn LabsPanel(patient_id: Signal<PatientId>) -> impl IntoView {
    let session = use_session();
    let period = Period::new(366);
    let labs = RwSignal::new(Vec::<LabRecord>::new());
    let item = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        let id = patient_id.get_untracked();
        let (from, to) = (
            format_date(period.from.get_untracked()),
            format_date(period.to.get_untracked()),
        );
        spawn_local(async move {
            match crate::api::chart::labs(id, &from, &to).await {
                Ok(l) => {
                    if item.get_untracked().is_empty() {
                        if let Some(first) = l.iter().rev().find(|r| r.numeric_value.is_some()) {
                            item.set(first.item_name.clone());
                        }
                    }
                    labs.set(l);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = (patient_id.get(), period.from.get(), period.to.get());
        load();
    });
    let items = move || {
        let mut names: Vec<String> = labs.get().into_iter().map(|r| r.item_name).collect();
        names.sort();
        names.dedup();
        names
    };
    let of_item = Signal::derive(move || {
        let name = item.get();
        labs.get()
            .into_iter()
            .filter(|r| r.item_name == name)
            .collect::<Vec<_>>()
    });

    let entry = RwSignal::new(LabInput {
        collected_on: crate::format::today_jst().to_string(),
        ..Default::default()
    });
    let form_error = RwSignal::new(None::<String>);
    let imported = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = RecordLabs {
            results: vec![entry.get_untracked()],
        };
        if let Err(errors) = body.results[0].validate() {
            form_error.set(errors.first().map(|e| e.message.clone()));
            return;
        }
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        spawn_local(async move {
            match crate::api::chart::record_labs(&csrf, id, &body).await {
                Ok(_) => {
                    let name = body.results[0].item_name.clone();
                    entry.update(|e| {
                        e.value = String::new();
                    });
                    item.set(name);
                    form_error.set(None);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    form_error.set(Some(f.first_message()));
                }
            }
        });
    };
    let import = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        spawn_local(async move {
            let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else {
                imported.set(Some("ファイルを読み込めません".into()));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            match crate::api::chart::import_labs(&csrf, id, &bytes).await {
                Ok(done) => {
                    imported.set(Some(format!("{}件を取り込みました", done.count)));
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    let lines: Vec<String> = f
                        .fields()
                        .iter()
                        .take(5)
                        .map(|e| e.message.clone())
                        .collect();
                    imported.set(Some(if lines.is_empty() {
                        f.message()
                    } else {
                        format!(
                            "取り込めません（何も登録していません）：{}",
                            lines.join(" / ")
                        )
                    }));
                }
            }
        });
    };
    let text_field = move |name: &'static str, label: &'static str, kind: &'static str| {
        let get = move |e: &LabInput| e.field(name).unwrap_or_default().to_string();
        let set = move |e: &mut LabInput, v: String| {
            if let Some(f) = e.field_mut(name) {
                *f = v;
            }
        };
        let id = format!("lab_{name}");
        view! {
            <div class="vital-field">
                <label for=id.clone()>{label}</label>
                <input id=id type=kind data-testid=format!("lab-{name}") size=8 prop:value=move || entry.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); entry.update(|e| set(e, v)); }/>
            </div>
        }
    };
    view! {
        <section class="labs" data-testid="labs">
            <h2>"検査結果"</h2>
            <form class="vital-form no-print" on:submit=submit novalidate data-testid="lab-form">
                {text_field("collected_on", "採取日", "date")}
                {text_field("item_name", "項目", "text")}
                {text_field("value", "結果", "text")}
                {text_field("unit", "単位", "text")}
                {text_field("reference_low", "基準下限", "text")}
                {text_field("reference_high", "基準上限", "text")}
                <button type="submit" data-testid="lab-save">"登録"</button>
                <p class="form-error" role="alert">{move || form_error.get()}</p>
            </form>
            <div class="no-print">
                <label for="lab_file">"CSVから取り込む（採取日,項目コード,項目名,結果,単位,基準下限,基準上限）"</label>
                <input id="lab_file" type="file" accept=".csv,text/csv" data-testid="lab-file" on:change=import/>
                <p role="status" data-testid="lab-import-result">{move || imported.get()}</p>
            </div>
            {period.view()}
            <p class="form-error" role="alert">{move || error.get()}</p>
            <label for="lab_item">"項目"</label>
            <select id="lab_item" data-testid="lab-item" prop:value=move || item.get() on:change=move |ev| item.set(event_target_value(&ev))>
                {move || items().into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
            </select>
            <LabTrend results=of_item from=period.from to=period.to/>
            <table class="records" data-testid="lab-table">
                <thead><tr><th>"採取日"</th><th>"項目"</th><th>"結果"</th><th>"単位"</th><th>"基準値"</th><th>"判定"</th><th>"登録"</th></tr></thead>
                <tbody>
                    {move || labs.get().into_iter().rev().map(|r| view! {
                        <tr data-testid="lab-row" class:flagged=r.flag.is_some()>
                            <td>{r.collected_on.clone()}</td>
                            <td>{r.item_name.clone()}</td>
                            <td class="num">{r.value.clone()}</td>
                            <td>{r.unit.clone()}</td>
                            <td>{match (r.reference_low, r.reference_high) { (None, None) => String::new(), (l, h) => format!("{}〜{}", l.map(|v| v.to_string()).unwrap_or_default(), h.map(|v| v.to_string()).unwrap_or_default()) }}</td>
                            <td>{r.flag.clone()}</td>
                            <td>{if r.source == "import" { "取込" } else { "手入力" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
